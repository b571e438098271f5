"""Bounded admission of websocket handshakes: a reconnect storm must not collapse.

When a process restarts, every open tab reconnects at once. asyncio shares the event
loop (and the one database thread) among all handshakes in progress, so under a crowd
every handshake finishes late rather than a few on time; past Daphne's connect timeout
(5 s) Daphne drops each one after the application has done its work, the browsers back
off and come back, and the process spends all its time on handshakes it throws away.

This middleware lets at most ``CHAT_HANDSHAKE_LIMIT`` handshakes per process be in
progress (from the ``websocket.connect`` event until the application accepts or
closes). Any handshake beyond that is refused at once, before the session, the user or
the room is loaded: the application closes before accepting, which Daphne answers with
HTTP 403, and the browser reports as close code 1006. htmx's ws extension retries 1006
with its full-jitter backoff (random() x 2^min(retry, 6) s), and because the socket
never opened, its retry count keeps growing, so the crowd spreads out by itself.

Accepting and then closing with 1013 (Try Again Later) would look more polite, but the
browser would fire ``open`` first: htmx then resets its backoff to under a second and
sends the messages it queued while offline into a socket that is about to close.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Message = dict[str, Any]

# A handshake ends with one of these from the application.
_HANDSHAKE_DONE = frozenset(
    {"websocket.accept", "websocket.close", "websocket.http.response.start"}
)
# Refusals are logged at most this often (a storm refuses thousands a second).
LOG_EVERY_SECONDS = 10.0


class HandshakeAdmission:
    """ASGI middleware for the ``websocket`` protocol: at most ``limit`` handshakes in
    progress; the rest refused before any work is done for them."""

    def __init__(self, app: Any, *, limit: int | None = None) -> None:
        self.app = app
        self._limit = limit
        self.in_progress = 0
        self.refused = 0  # since the process started
        self._refused_unlogged = 0
        self._logged_at = 0.0

    @property
    def limit(self) -> int:
        return self._limit if self._limit is not None else settings.CHAT_HANDSHAKE_LIMIT

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        if self.in_progress >= self.limit:
            await self._refuse(receive, send)
            return
        self.in_progress += 1
        admitted = True

        def release() -> None:
            nonlocal admitted
            if admitted:
                admitted = False
                self.in_progress -= 1

        async def send_and_release(message: Message) -> None:
            if admitted and message["type"] in _HANDSHAKE_DONE:
                release()
            await send(message)

        try:
            await self.app(scope, receive, send_and_release)
        finally:
            release()

    async def _refuse(self, receive: Any, send: Any) -> None:
        # The server sends websocket.connect first; a close before accept refuses the
        # handshake (Daphne: HTTP 403).
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.close", "code": 1013})
        self.refused += 1
        self._refused_unlogged += 1
        now = time.monotonic()
        if now - self._logged_at >= LOG_EVERY_SECONDS:
            logger.warning(
                "refused %d websocket handshakes: %d already in progress (CHAT_HANDSHAKE_LIMIT)",
                self._refused_unlogged, self.in_progress,
            )
            self._refused_unlogged, self._logged_at = 0, now
