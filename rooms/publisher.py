"""Hand a committed change's pushes to the event loop, without waiting for them.

Changes commit on the process's one database thread (the thread every socket's reads
and writes share). Waiting there for the channel layer's round trips held all that
other work behind them: under load the wait was as long as the loop's own queue. So the
thread hands the pushes to the loop and goes on; a publisher task on the loop sends
them, each room's in the order they were handed over (commit order, so seq order), the
rooms side by side.

The loop is the one the process's sockets run on: each socket attaches it as it opens.
Where there is none (a management command, the worker, a test without a socket), the
caller sends the push itself and waits, as before.

A crash loses at most the pushes still queued: their rows are committed, and every
socket catches up by seq when it reconnects (architecture.md, "How a change reaches
every tab").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

Push = tuple[int, Callable[[], Awaitable[None]]]  # the room, and what to send


class Publisher:
    """The pushes of one event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[Push] = asyncio.Queue()
        self.task = loop.create_task(self._run())

    async def _run(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty():
                batch.append(self.queue.get_nowait())
            rooms: dict[int, list[Callable[[], Awaitable[None]]]] = {}
            for room_id, send in batch:
                rooms.setdefault(room_id, []).append(send)
            await asyncio.gather(*(self._in_order(room, sends) for room, sends in rooms.items()))

    @staticmethod
    async def _in_order(room_id: int, sends: list[Callable[[], Awaitable[None]]]) -> None:
        for send in sends:
            try:
                await send()
            except Exception:
                # The row is saved; a socket that misses this push catches up by seq.
                logger.exception("a push to room %s failed", room_id)


_current: Publisher | None = None


def attach() -> None:
    """Publish this process's pushes from the running loop (called as sockets open)."""
    global _current
    loop = asyncio.get_running_loop()
    if _current is None or _current.loop is not loop or _current.task.done():
        _current = Publisher(loop)


def _loop_of_another_thread() -> asyncio.AbstractEventLoop | None:
    """The publisher's loop when it runs and this is not its thread, else None."""
    publisher = _current
    if publisher is None or not publisher.loop.is_running() or publisher.task.done():
        return None
    try:
        if asyncio.get_running_loop() is publisher.loop:
            return None
    except RuntimeError:
        pass  # a thread without a loop: the usual case
    return publisher.loop


def run_soon(work: Callable[[], Awaitable[None]]) -> bool:
    """Start ``work`` on the loop, in no order with anything (e.g. a read in another
    thread). False when no running loop of another thread takes it."""
    loop = _loop_of_another_thread()
    if loop is None:
        return False
    try:
        loop.call_soon_threadsafe(_start, loop, work)
    except RuntimeError:
        return False
    return True


_background: set[asyncio.Task[None]] = set()  # held until done (the loop keeps weak refs)


def _start(loop: asyncio.AbstractEventLoop, work: Callable[[], Awaitable[None]]) -> None:
    task = loop.create_task(_logged(work))
    _background.add(task)
    task.add_done_callback(_background.discard)


async def _logged(work: Callable[[], Awaitable[None]]) -> None:
    try:
        await work()
    except Exception:
        logger.exception("background work failed")


def hand_off(room_id: int, send: Callable[[], Awaitable[None]]) -> bool:
    """Queue ``send`` for the loop's publisher. False when no running loop of another
    thread takes it: then the caller must send it itself."""
    publisher = _current
    if publisher is None or _loop_of_another_thread() is None:
        return False
    try:
        publisher.loop.call_soon_threadsafe(publisher.queue.put_nowait, (room_id, send))
    except RuntimeError:
        return False  # the loop closed a moment ago
    return True
