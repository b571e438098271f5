"""Bounded admission of websocket handshakes: a reconnect storm must not collapse.

When a process restarts, every open tab reconnects at once. asyncio shares the event
loop (and the one database thread) among all handshakes in progress, so under a crowd
every handshake finishes late rather than a few on time; past Daphne's connect timeout
(5 s by default, 15 s in the Procfile) Daphne drops each one after the application has
done its work, the browsers back off and come back, and the process spends all its
time on handshakes it throws away.

This middleware lets at most ``CHAT_HANDSHAKE_LIMIT`` handshakes per process be in
progress (from the ``websocket.connect`` event until the application accepts or
closes). Up to ``CHAT_HANDSHAKE_QUEUE`` more wait their turn, first come first served,
for at most ``CHAT_HANDSHAKE_WAIT`` seconds (the rest of the connect timeout is for the
work): a waiting handshake costs nothing but a pending future, and a queue keeps the
process busy at its own pace, where a refusal sends the browser away for a random
0-2^n s. Anything beyond the queue, or still waiting when its time is up, is refused,
before the session, the user or the room is loaded: the application closes before
accepting, which Daphne answers with HTTP 403, and the browser reports as close code
1006. htmx's ws extension retries 1006 with its
full-jitter backoff (random() x 2^min(retry, 6) s), and because the socket never
opened, its retry count keeps growing, so the crowd spreads out by itself.

Accepting and then closing with 1013 (Try Again Later) would look more polite, but the
browser would fire ``open`` first: htmx then resets its backoff to under a second and
sends the messages it queued while offline into a socket that is about to close.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
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
    progress, ``queue`` more waiting at most ``wait`` seconds for a turn; the rest
    refused before any work is done for them."""

    def __init__(self, app: Any, *, limit: int | None = None, queue: int | None = None,
                 wait: float | None = None) -> None:
        self.app = app
        self._limit, self._queue, self._wait = limit, queue, wait
        self.in_progress = 0
        self.waiting: deque[asyncio.Future[None]] = deque()
        self.refused = 0  # since the process started
        self._refused_unlogged = 0
        self._logged_at = 0.0

    @property
    def limit(self) -> int:
        return self._limit if self._limit is not None else settings.CHAT_HANDSHAKE_LIMIT

    @property
    def queue(self) -> int:
        return self._queue if self._queue is not None else settings.CHAT_HANDSHAKE_QUEUE

    @property
    def wait(self) -> float:
        return self._wait if self._wait is not None else settings.CHAT_HANDSHAKE_WAIT

    async def _turn(self) -> bool:
        """Take a slot, now or after waiting in line; False when refused."""
        if self.in_progress < self.limit and not self.waiting:
            self.in_progress += 1
            return True
        if len(self.waiting) >= self.queue:
            return False
        turn = asyncio.get_running_loop().create_future()
        self.waiting.append(turn)
        try:
            await asyncio.wait_for(asyncio.shield(turn), self.wait)
        except TimeoutError:
            pass
        except BaseException:  # the client left (Daphne cancels the application)
            if turn.done():
                self._release()  # a slot handed over that nobody will use
            raise
        finally:
            if turn in self.waiting:
                self.waiting.remove(turn)
        # Handed a slot (possibly at the very moment the wait ran out): it is ours.
        return turn.done()

    def _release(self) -> None:
        """Hand the slot to the first in line that still waits, or give it back."""
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.in_progress -= 1

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        if not await self._turn():
            await self._refuse(receive, send)
            return
        admitted = True

        def release() -> None:
            nonlocal admitted
            if admitted:
                admitted = False
                self._release()

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
        # handshake (Daphne: HTTP 403). No close code: a client that left while it
        # waited in line is already closed, and autobahn raises on a code like 1013
        # for a socket past its handshake.
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.close"})
        self.refused += 1
        self._refused_unlogged += 1
        now = time.monotonic()
        if now - self._logged_at >= LOG_EVERY_SECONDS:
            logger.warning(
                "refused %d websocket handshakes: %d in progress (CHAT_HANDSHAKE_LIMIT), "
                "%d waiting (CHAT_HANDSHAKE_QUEUE, CHAT_HANDSHAKE_WAIT)",
                self._refused_unlogged, self.in_progress, len(self.waiting),
            )
            self._refused_unlogged, self._logged_at = 0, now
