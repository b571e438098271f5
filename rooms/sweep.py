"""One presence and repair sweep per process, instead of a heartbeat task per socket.

Every ``CHAT_PRESENCE_INTERVAL`` seconds (jittered) the sweep refreshes the presence of
every socket this process holds and reads each of their rooms' newest broadcast seq,
in pipelines of ``BATCH`` (one round trip each). A socket that has not seen the room's
newest change is told to repair (``RoomConsumer.repair``), so a change whose live
event the channel layer lost still arrives in a quiet room. Presence keeps its bound:
refreshed at least every interval, counted online for ``CHAT_PRESENCE_TTL`` after.

Sockets are held weakly: a consumer that dies without ``disconnect`` stops being swept
(and so stops counting as online) once it is gone.
"""

from __future__ import annotations

import asyncio
import logging
import random
import weakref
from typing import Protocol

from django.conf import settings

from rooms.heartbeat import beat_many
from rooms.per_loop import PerLoop
from rooms.presence_events import schedule_presence_broadcast

logger = logging.getLogger(__name__)

# Heartbeats per pipeline: a batch costs the event loop a few milliseconds, and other
# sockets' messages go out between batches.
BATCH = 500


class Swept(Protocol):
    """What the sweep needs of a socket (``rooms.consumers.RoomConsumer``)."""

    connection_id: str

    @property
    def user_id(self) -> int: ...

    @property
    def seq(self) -> int: ...

    async def repair(self, latest: int) -> None: ...


class Sweep:
    def __init__(self) -> None:
        self.rooms: dict[int, weakref.WeakSet[Swept]] = {}
        self.task: asyncio.Task[None] | None = None
        self.repairs: set[asyncio.Task[None]] = set()

    def join(self, socket: Swept, room_id: int) -> None:
        self.rooms.setdefault(room_id, weakref.WeakSet()).add(socket)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    def leave(self, socket: Swept, room_id: int) -> None:
        sockets = self.rooms.get(room_id)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self.rooms[room_id]

    async def _run(self) -> None:
        while self.rooms:
            interval = settings.CHAT_PRESENCE_INTERVAL
            await asyncio.sleep(interval * random.uniform(0.8, 1.0))
            try:
                await self.sweep()
            except Exception:
                logger.exception("presence sweep failed")

    async def sweep(self) -> None:
        batch: list[tuple[int, Swept]] = []
        for room_id, sockets in list(self.rooms.items()):
            if not sockets:  # every socket in it gone without leaving
                self.rooms.pop(room_id, None)
                continue
            batch.extend((room_id, socket) for socket in list(sockets))
            if len(batch) >= BATCH:
                await self._beat(batch)
                batch = []
        if batch:
            await self._beat(batch)

    async def _beat(self, batch: list[tuple[int, Swept]]) -> None:
        room_ids = sorted({room_id for room_id, _ in batch})
        changed, latest = await beat_many(
            [(room_id, s.user_id, s.connection_id) for room_id, s in batch], room_ids
        )
        for room_id in changed:
            schedule_presence_broadcast(room_id)
        for room_id, socket in batch:
            if latest[room_id] > socket.seq:
                task = asyncio.get_running_loop().create_task(socket.repair(latest[room_id]))
                self.repairs.add(task)
                task.add_done_callback(self.repairs.discard)


_sweeps = PerLoop(Sweep)


def get_sweep() -> Sweep:
    """This process's sweep (one per event loop: tests run several)."""
    return _sweeps.get()
