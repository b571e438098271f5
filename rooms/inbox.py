"""One inbox socket's view of its user's rooms: the rules, without I/O.

The socket loads the rows once (``rooms.unread.inbox_rows``), then applies events:
a new message counts up and moves its room to the top, a read position clears the
count, a membership adds or removes a row. When an event cannot be applied from memory
(an unread message edited or deleted, a partial read) the answer is "reload this row"
and the socket reads that one row again. Each method returns the rows to redraw.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from rooms.unread import InboxRow


@dataclass(frozen=True)
class Change:
    row: InboxRow | None  # None: the row is gone
    room_id: int
    to_top: bool = False  # moved (or added): drawn at the top of its list


RELOAD = "reload"


class Inbox:
    def __init__(self, rows: Iterable[InboxRow], *, user_id: int, current_room_id: int | None):
        self.user_id = user_id
        self.current_room_id = current_room_id
        self.rows: dict[int, InboxRow] = {}
        for row in rows:
            self.rows[row.room_id] = self._seen_in_current(row)

    def _seen_in_current(self, row: InboxRow) -> InboxRow:
        # The room this page shows is being read right now: it never counts.
        if row.room_id == self.current_room_id and (row.unread or row.mentioned):
            return dataclasses.replace(row, unread=0, mentioned=False, read_seq=row.last_seq)
        return row

    def ordered(self, *, direct: bool) -> list[InboxRow]:
        rows = [r for r in self.rows.values() if r.is_direct == direct]
        return sorted(rows, key=lambda r: (r.last_activity_at, r.room_id), reverse=True)

    def unread_elsewhere(self) -> int:
        return sum(r.unread for r in self.rows.values() if r.room_id != self.current_room_id)

    def context(self) -> dict[str, object]:
        """What ``rooms/inbox.html#inbox-lists`` draws, on the page and in the redraw."""
        return {
            "room_rows": self.ordered(direct=False),
            "direct_rows": self.ordered(direct=True),
            "current_room_id": self.current_room_id,
            "unread_elsewhere": self.unread_elsewhere(),
        }

    # ------------------------------------------------------------------ events
    def message(
        self, *, room_id: int, seq: int, created_seq: int, author_id: int,
        mentions: list[int], new: bool, at: float,
    ) -> Change | str | None:
        row = self.rows.get(room_id)
        if row is None or seq <= row.last_seq:
            return None  # not ours, or already counted when the row was read
        if not new:
            unread_changed = created_seq > row.read_seq and author_id != self.user_id
            if unread_changed and room_id != self.current_room_id:
                return RELOAD  # an unread message edited or deleted: count it again
            self.rows[room_id] = dataclasses.replace(row, last_seq=seq)
            return None
        counts = author_id != self.user_id and room_id != self.current_room_id
        row = dataclasses.replace(
            row, last_seq=seq, last_activity_at=datetime.fromtimestamp(at, tz=UTC),
            unread=row.unread + 1 if counts else row.unread,
            mentioned=row.mentioned or (counts and self.user_id in mentions),
        )
        self.rows[room_id] = row
        return Change(row=row, room_id=room_id, to_top=True)

    def read(self, *, room_id: int, seq: int) -> Change | str | None:
        row = self.rows.get(room_id)
        if row is None or seq <= row.read_seq:
            return None
        if seq >= row.last_seq:
            row = dataclasses.replace(row, read_seq=seq, unread=0, mentioned=False)
            self.rows[room_id] = row
            return Change(row=row, room_id=room_id)
        return RELOAD  # read part of what this socket counted

    def put(self, row: InboxRow, *, to_top: bool) -> Change:
        row = self._seen_in_current(row)
        self.rows[row.room_id] = row
        return Change(row=row, room_id=row.room_id, to_top=to_top)

    def remove(self, room_id: int) -> Change | None:
        if self.rows.pop(room_id, None) is None:
            return None
        return Change(row=None, room_id=room_id)
