"""Back-pressure for websocket input under Daphne.

Daphne puts every incoming websocket frame on the application's queue as soon as it
has parsed it, and that queue has no bound. A client writing frames as fast as its
line allows keeps the process's one event loop busy parsing them, so every other
connection on the process waits: measured here, one flooding socket took other
people's message latency from about 15 ms to 3-9 s, before any rate limit ever saw
the frames (docs/security.md).

With this, a connection whose frames pile up unread is not read again until the
application has caught up, as TCP flow control intends: the flood fills the
flooder's own socket buffers and costs nobody else anything. The consumer then sees
the flood at its own pace and hangs up on it (rooms.frames.FRAMES_PER_MESSAGE).

Installed from ``config/asgi.py``, so every way of serving the app with Daphne (the
Procfile, ``runserver``, live test servers) gets it. Twisted's documented way to
choose a factory's protocol is its ``protocol`` attribute, which is what is set here.
"""

from __future__ import annotations

from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol

# Stop reading a socket once this many of its frames wait for the application; read
# again when fewer than RESUME_BELOW do. A person's browser never gets near this.
MAX_QUEUED_FRAMES = 16
RESUME_BELOW = 4
POLL_SECONDS = 0.01


class FlowControlledWebSocketProtocol(WebSocketProtocol):
    reading_paused = False

    def onMessage(self, payload: bytes, isBinary: bool) -> None:  # Autobahn's names
        super().onMessage(payload, isBinary)
        queue = getattr(self, "application_queue", None)
        if queue is not None and not self.reading_paused and queue.qsize() >= MAX_QUEUED_FRAMES:
            self.reading_paused = True
            self.transport.pauseProducing()
            self._check_later()

    def _check_later(self) -> None:
        # Imported here: Daphne installs its asyncio reactor when its server starts.
        from twisted.internet import reactor

        # (Twisted types the module-level reactor as the interface class itself.)
        reactor.callLater(POLL_SECONDS, self._resume_when_drained)  # type: ignore[arg-type]

    def _resume_when_drained(self) -> None:
        if self.state == self.STATE_CLOSED:
            return
        if self.application_queue.qsize() >= RESUME_BELOW:
            self._check_later()
            return
        self.reading_paused = False
        self.transport.resumeProducing()


class DaphneChanged(RuntimeError):
    """The installed Daphne no longer works the way this module relies on."""


def _check_daphne() -> None:
    """What this relies on in Daphne (4.2): its server builds websocket connections from
    ``daphne.ws_protocol.WebSocketFactory.protocol``, and a connection gets its
    ``application_queue`` in ``applicationCreateWorked``. A Daphne that changes either
    would silently leave floods unbounded: refuse to start instead."""
    import inspect

    from daphne import server

    if getattr(server, "WebSocketFactory", None) is not WebSocketFactory:
        raise DaphneChanged(
            "daphne.server no longer builds websockets with daphne.ws_protocol.WebSocketFactory: "
            "update config/flow_control.py (websocket back-pressure) for this Daphne"
        )
    created = getattr(WebSocketProtocol, "applicationCreateWorked", None)
    if created is None or "application_queue" not in inspect.getsource(created):
        raise DaphneChanged(
            "Daphne's WebSocketProtocol no longer sets application_queue in "
            "applicationCreateWorked: update config/flow_control.py for this Daphne"
        )


def install() -> None:
    """Make Daphne build websocket connections with back-pressure (idempotent).
    Raises DaphneChanged when the installed Daphne cannot take it."""
    _check_daphne()
    WebSocketFactory.protocol = FlowControlledWebSocketProtocol
    if WebSocketFactory.protocol is not FlowControlledWebSocketProtocol:
        raise DaphneChanged("WebSocketFactory.protocol could not be set")


def installed() -> bool:
    return WebSocketFactory.protocol is FlowControlledWebSocketProtocol
