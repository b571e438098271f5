"""ASGI entry point: HTTP through Django, websockets through Channels.

Run with ``daphne config.asgi:application`` from the project root.
"""

from __future__ import annotations

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config import flow_control  # noqa: E402
from config.admission import HandshakeAdmission  # noqa: E402
from config.deferred_auth import SocketAuthMiddleware  # noqa: E402
from config.static_check import require_collected_static  # noqa: E402
from rooms.render import presence_frame  # noqa: E402
from rooms.routing import websocket_urlpatterns  # noqa: E402

# Production: refuse to start, rather than answer every page with a 500.
require_collected_static()

# Compile the room template before the first handshake: a restarted process meets every
# open tab at once, and the first handshakes it admits must not pay for that (~0.1 s of
# the event loop and more on a busy machine, inside Daphne's connect timeout).
presence_frame(users=[])

# Under Daphne, stop reading a websocket whose frames the app has not caught up with.
flow_control.install()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Admission first: a refused handshake costs no session, user or room lookup.
        # The user is loaded in the consumer's own database hop (config.deferred_auth).
        "websocket": HandshakeAdmission(
            AllowedHostsOriginValidator(
                SocketAuthMiddleware(URLRouter(websocket_urlpatterns))
            )
        ),
    }
)
# Everything loaded so far (Django, the apps, compiled templates: most of the process's
# objects) lives as long as the process: out of the cyclic collector's sight. Otherwise
# each full collection walks them all, a pause of tens of milliseconds during which no
# socket is served; those pauses were most of scenario m's p99 (docs/performance.md, round
# five). Objects made later (sockets, messages) are collected as before.
gc.freeze()
