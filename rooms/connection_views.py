"""What a room page asks over HTTP when its socket closes: the server may be down, or the
session over. Neither needs a room: one URL each for every room page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from config.http import HtmxRequest
from rooms import render as fragments


@require_GET
@cache_control(private=True, max_age=7 * 24 * 3600)
def connection_notices(request: HttpRequest) -> HttpResponse:
    """What a room page shows when its socket closes. Cached by the browser for a week and
    fetched when the page loads, so it is there while the server is down. Reads nothing
    of the request (no session: no ``Vary: Cookie`` to keep it out of the cache)."""
    return HttpResponse(render_to_string("rooms/connection_notices.html"))


@require_GET
def session_check(request: HtmxRequest) -> HttpResponse:
    """Asked by a room page when its socket closes: nothing while the session lasts; once
    it has ended (logged out elsewhere, expired), the notice with a way back to the room,
    and the page's sockets taken off it. (The socket cannot say it: a handshake without a
    session is refused before it is accepted, which htmx sees as a 1006 and retries.)"""
    if request.user.is_authenticated:
        return HttpResponse(status=204)
    back_to = request.htmx.current_url_abs_path if request.htmx else None
    # The page's sockets go too, or htmx would retry their refused handshakes for ever.
    return HttpResponse(
        fragments.session_ended_notice(next_url=back_to or "/rooms/")
        + fragments.sockets_closed(room=request.GET.get("sockets") == "room")
    )
