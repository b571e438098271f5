"""Read state: how far each member has read each room (``Membership.last_read_seq``).

Being in a room with its socket open counts as reading: a room socket *notes* the seq
of everything it delivers, which costs no I/O. Each process writes what its sockets
noted once every ``CHAT_READ_FLUSH_INTERVAL`` seconds, in one ``UPDATE`` per room (a
``CASE`` gives each member their own seq: in a busy room the sockets are rarely all at
the same one), and a socket that closes writes its own position at once. One message in
a room with 200 members online therefore costs the same few writes as with 2. A crash
loses at most the last interval of read state (those messages show as unread again),
never a message.

After a write, the user's inbox sockets hear ``{"type": "inbox.read", "room_id", "seq"}``
on ``inbox_group(user_id)``, so a rooms list open in another tab drops the count.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When

from rooms.groups import inbox_group
from rooms.models import Membership
from rooms.per_loop import PerLoop

logger = logging.getLogger(__name__)

# (room_id, user_id) -> seq read
Marks = Mapping[tuple[int, int], int]


def read_mark(*, room_id: int, user_id: int, seq: int) -> bool:
    """Record that ``user_id`` has read ``room_id`` up to ``seq`` (never backwards).

    One ``UPDATE``; nothing for someone who is not a member. True if it moved.
    """
    moved = Membership.objects.filter(
        room_id=room_id, user_id=user_id, last_read_seq__lt=seq
    ).update(last_read_seq=seq)
    if moved:
        transaction.on_commit(lambda: _tell_sync({(room_id, user_id): seq}))
    return bool(moved)


def read_mark_many(marks: Marks) -> int:
    """Write many read positions: one ``UPDATE`` per room, never moving one backwards.
    Returns the statements run."""
    by_room: dict[int, dict[int, int]] = defaultdict(dict)
    for (room_id, user_id), seq in marks.items():
        by_room[room_id][user_id] = seq
    for room_id, seqs in by_room.items():
        if len(set(seqs.values())) == 1:
            new_seq: Any = Value(next(iter(seqs.values())))
        else:
            new_seq = Case(
                *(When(user_id=user_id, then=Value(seq)) for user_id, seq in seqs.items()),
                output_field=IntegerField(),
            )
        Membership.objects.filter(
            room_id=room_id, user_id__in=list(seqs), last_read_seq__lt=new_seq
        ).update(last_read_seq=new_seq)
    return len(by_room)


async def _tell(marks: Marks) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    # Side by side: a flush of a busy room tells a few hundred inboxes.
    await asyncio.gather(*(
        layer.group_send(
            inbox_group(user_id), {"type": "inbox.read", "room_id": room_id, "seq": seq}
        )
        for (room_id, user_id), seq in marks.items()
    ))


def _tell_sync(marks: Marks) -> None:
    from asgiref.sync import async_to_sync

    try:
        async_to_sync(_tell)(marks)
    except Exception:
        logger.exception("telling inboxes about read state failed")


class ReadTracker:
    """The read positions this process's sockets noted and has not written yet."""

    def __init__(self) -> None:
        self.pending: dict[tuple[int, int], int] = {}
        self.task: asyncio.Task[None] | None = None

    def note(self, *, room_id: int, user_id: int, seq: int) -> None:
        key = (room_id, user_id)
        if seq <= self.pending.get(key, 0):
            return
        self.pending[key] = seq
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    async def leave(self, *, room_id: int, user_id: int, seq: int) -> None:
        """A socket closed: write its position now (the user may be opening the list)."""
        seq = max(seq, self.pending.pop((room_id, user_id), 0))
        if seq:
            await database_sync_to_async(read_mark)(room_id=room_id, user_id=user_id, seq=seq)

    async def _run(self) -> None:
        while self.pending:
            await asyncio.sleep(settings.CHAT_READ_FLUSH_INTERVAL)
            await self.flush()

    async def flush(self) -> None:
        marks, self.pending = self.pending, {}
        if not marks:
            return
        try:
            await database_sync_to_async(read_mark_many)(marks)
            await _tell(marks)
        except Exception:
            # Read state is a convenience: the next note or the socket's close retries.
            logger.exception("writing read state failed")


_trackers = PerLoop(ReadTracker)


def get_tracker() -> ReadTracker:
    """This process's tracker (one per event loop: tests run several loops)."""
    return _trackers.get()
