"""Where one socket stands in its room's stream of events, and what to do next.

Plain and synchronous: no I/O, no Django, no clock. The consumer tells a ``Delivery``
what happened (an event arrived, the page asked to sync, a heartbeat read the room's
newest seq, a catch-up was read and rendered) and carries out the ``Decision`` it gets
back. ``tests/rooms/test_delivery.py`` checks every rule without a server.

The rules (docs/architecture.md, "How a change reaches every tab"):

- an event at or below the last seq delivered is a duplicate: drop it;
- the next seq is sent as it came;
- a jump means events were lost or are late: hold the event a moment (with two or more
  processes, the one before it may come from another process a little later); when the
  missing ones arrive, send them and the held ones in order; if the gap is still there
  when the moment is over, fetch every change after our position (their rows are
  committed: the room lock orders commits by seq);
- a page that syncs from behind our position gets what it missed, unless live events
  already went out past that gap (appending it now would put messages out of order):
  then the list is redrawn;
- a heartbeat that sees a newer room seq than ours fetches, even in a quiet room;
- more changes than the catch-up limit, or a frame bigger than one websocket frame may
  be, redraw the list instead.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Step(enum.Enum):
    NOTHING = "nothing"  # drop the input, send nothing
    SEND = "send"  # send the event's frame as it came
    HOLD = "hold"  # keep the event until the ones before it arrive, or ``gap`` says fetch
    FETCH = "fetch"  # read the changes after ``Decision.seq``, then call ``fetched``
    RENDER = "render"  # render them with cursor ``Decision.seq``, then call ``rendered``
    REDRAW = "redraw"  # replace the list with the latest page, then call ``redrawn``


@dataclass(frozen=True)
class Decision:
    step: Step
    seq: int = 0


NOTHING = Decision(Step.NOTHING)
SEND = Decision(Step.SEND)
REDRAW = Decision(Step.REDRAW)


@dataclass
class Delivery:
    """One socket's position. ``seq`` is the room's seq read after joining its group:
    anything later arrives live."""

    seq: int
    catchup_limit: int
    max_frame_bytes: int
    # True once this socket sent anything beyond what the page loaded with.
    delivered_live: bool = False

    # ------------------------------------------------------------- inputs
    def event(self, seq: int) -> Decision:
        """A live room event numbered ``seq`` arrived."""
        if seq <= self.seq:
            return NOTHING  # already delivered (by a catch-up or an earlier copy)
        self.delivered_live = True
        if seq == self.seq + 1:
            self.seq = seq
            return SEND
        return Decision(Step.HOLD, self.seq)

    def gap(self, held: Iterable[int]) -> Decision:
        """The moment to wait for the events before the ``held`` ones is over: fetch
        if one is still missing."""
        if any(seq > self.seq for seq in held):
            return Decision(Step.FETCH, self.seq)
        return NOTHING

    def sync(self, after: int) -> Decision:
        """The page (re)opened its socket and has seen everything up to ``after``."""
        if after >= self.seq:
            return NOTHING  # it has all we have (or claims more: ignore that)
        if self.delivered_live:
            return REDRAW
        return Decision(Step.FETCH, after)

    def heartbeat(self, latest: int) -> Decision:
        """A heartbeat read the room's newest broadcast seq."""
        if latest <= self.seq:
            return NOTHING
        self.delivered_live = True
        return Decision(Step.FETCH, self.seq)

    # ------------------------------------------------------------- results of a step
    @property
    def fetch_limit(self) -> int:
        """How many changes to read: one more than fits, to tell "too many"."""
        return self.catchup_limit + 1

    def fetched(self, *, count: int, newest: int) -> Decision:
        """A FETCH read ``count`` changes (at most ``fetch_limit``), the newest at seq
        ``newest`` (ignored when count is 0)."""
        if count > self.catchup_limit:
            return REDRAW
        if count == 0:
            return NOTHING
        return Decision(Step.RENDER, max(self.seq, newest))

    def rendered(self, *, seq: int, size: int) -> Decision:
        """The RENDER for cursor ``seq`` made a frame of ``size`` bytes."""
        if size > self.max_frame_bytes:
            return REDRAW  # long, link-heavy messages: more than Daphne sends in one frame
        self.seq = seq
        return SEND

    def redrawn(self, seq: int) -> None:
        """A REDRAW sent the latest page as of room seq ``seq``."""
        self.seq = max(self.seq, seq)

    def smaller_page(self, *, limit: int, size: int) -> int | None:
        """A redraw of ``limit`` messages made ``size`` bytes: the next, smaller page to
        try, or None when this one fits (or is already one message). The newest messages
        that fit in one frame are sent; older ones stay a click away."""
        if limit <= 1 or size <= self.max_frame_bytes:
            return None
        return limit // 2
