"""Handshake admission without a server (``config.admission``): a few handshakes at work,
a bounded line waiting its turn, and everyone beyond that refused at once.

The application stands in for the room consumer: it accepts when the test says so.
"""

from __future__ import annotations

import asyncio
from typing import Any

from config.admission import HandshakeAdmission


class Crowd:
    """Handshakes through one admission: each waits in the app until ``finish`` is called."""

    def __init__(self, *, limit: int, queue: int, wait: float) -> None:
        self.started: list[int] = []
        self.answers: dict[int, str] = {}
        self.release: dict[int, asyncio.Event] = {}
        self.admission = HandshakeAdmission(self.app, limit=limit, queue=queue, wait=wait)
        self.tasks: list[asyncio.Task[None]] = []

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        n = scope["n"]
        self.started.append(n)
        await receive()
        await self.release[n].wait()
        await send({"type": "websocket.accept"})

    def arrive(self, n: int) -> None:
        self.release[n] = asyncio.Event()

        async def receive() -> dict[str, str]:
            return {"type": "websocket.connect"}

        async def send(message: dict[str, Any]) -> None:
            self.answers[n] = message["type"]

        scope = {"type": "websocket", "n": n}
        self.tasks.append(asyncio.ensure_future(self.admission(scope, receive, send)))

    async def settle(self) -> None:
        for _ in range(5):
            await asyncio.sleep(0)

    async def finish(self, n: int) -> None:
        self.release[n].set()
        await self.settle()


async def test_handshakes_beyond_the_limit_wait_their_turn_in_order() -> None:
    crowd = Crowd(limit=2, queue=3, wait=60)
    for n in range(5):
        crowd.arrive(n)
    await crowd.settle()
    assert crowd.started == [0, 1]  # two at work, three in line, nobody refused
    assert crowd.answers == {}

    await crowd.finish(0)
    assert crowd.started == [0, 1, 2]  # the first in line took the freed slot
    await crowd.finish(2)
    await crowd.finish(1)
    await crowd.finish(3)
    await crowd.finish(4)
    assert crowd.started == [0, 1, 2, 3, 4]
    assert set(crowd.answers.values()) == {"websocket.accept"}
    assert crowd.admission.in_progress == 0 and crowd.admission.refused == 0


async def test_a_full_line_refuses_newcomers_at_once_without_starting_them() -> None:
    crowd = Crowd(limit=1, queue=1, wait=60)
    for n in range(4):
        crowd.arrive(n)
    await crowd.settle()
    assert crowd.started == [0]
    # Closed before accept: the browser sees 1006 and htmx retries with its backoff.
    assert crowd.answers == {2: "websocket.close", 3: "websocket.close"}
    assert crowd.admission.refused == 2
    await crowd.finish(0)
    await crowd.finish(1)
    assert crowd.answers[1] == "websocket.accept"


async def test_a_handshake_that_waited_too_long_is_refused_and_frees_its_place() -> None:
    crowd = Crowd(limit=1, queue=5, wait=0.01)
    crowd.arrive(0)
    crowd.arrive(1)
    await asyncio.wait_for(crowd.tasks[1], 5)
    assert crowd.answers == {1: "websocket.close"}  # refused, never started
    assert crowd.started == [0] and not crowd.admission.waiting
    await crowd.finish(0)
    crowd.arrive(2)
    await crowd.settle()
    assert crowd.started == [0, 2]  # the slot went back, not to the one who left
    await crowd.finish(2)
    assert crowd.admission.in_progress == 0
