"""The delivery rules of one socket, without a server (``rooms.delivery``)."""

from __future__ import annotations

from rooms.delivery import REDRAW, SEND, Decision, Delivery, Step

NOTHING = Decision(Step.NOTHING)


def at(seq: int, *, limit: int = 50, max_bytes: int = 1000) -> Delivery:
    return Delivery(seq=seq, catchup_limit=limit, max_frame_bytes=max_bytes)


def test_the_next_event_is_sent_and_moves_the_position() -> None:
    d = at(3)
    assert d.event(4) == SEND
    assert d.seq == 4 and d.delivered_live


def test_duplicates_and_old_events_are_dropped() -> None:
    d = at(5)
    assert d.event(5) == NOTHING
    assert d.event(2) == NOTHING
    assert d.seq == 5 and not d.delivered_live


def test_a_jump_is_held_then_fetches_everything_after_the_position() -> None:
    d = at(5)
    assert d.event(8) == Decision(Step.HOLD, 5)  # 6 and 7 may be a moment behind
    assert d.gap([8]) == Decision(Step.FETCH, 5)  # they were not
    assert d.seq == 5  # moved only once the catch-up is sent
    assert d.fetched(count=3, newest=8) == Decision(Step.RENDER, 8)
    assert d.rendered(seq=8, size=900) == SEND
    assert d.seq == 8
    assert d.event(7) == NOTHING  # the late copy


def test_a_held_event_needs_no_fetch_once_the_gap_filled() -> None:
    d = at(5)
    assert d.event(7) == Decision(Step.HOLD, 5)
    assert d.event(6) == SEND  # the one before it, from another process
    assert d.event(7) == SEND  # the held one goes next
    assert d.gap([7]) == NOTHING and d.seq == 7


def test_sync_from_behind_fetches_what_the_page_missed() -> None:
    d = at(10)
    assert d.sync(10) == NOTHING
    assert d.sync(99) == NOTHING  # a page claiming the future is ignored
    assert d.sync(4) == Decision(Step.FETCH, 4)


def test_sync_after_live_events_redraws_rather_than_reorder() -> None:
    d = at(10)
    d.event(11)
    assert d.sync(4) == REDRAW
    d.redrawn(12)
    assert d.seq == 12
    d.redrawn(3)  # a redraw never moves the position back
    assert d.seq == 12


def test_too_many_changes_or_too_big_a_frame_redraws() -> None:
    d = at(0, limit=3, max_bytes=100)
    assert d.fetch_limit == 4
    assert d.fetched(count=4, newest=9) == REDRAW
    assert d.fetched(count=0, newest=0) == NOTHING
    assert d.rendered(seq=3, size=101) == REDRAW
    assert d.seq == 0


def test_a_catch_up_never_moves_the_position_back() -> None:
    d = at(7)
    # The page synced from 2; the changes after it are older than our position.
    assert d.fetched(count=2, newest=5) == Decision(Step.RENDER, 7)


def test_a_heartbeat_seeing_a_newer_room_seq_repairs() -> None:
    d = at(4)
    assert d.heartbeat(4) == NOTHING
    assert not d.delivered_live
    assert d.heartbeat(6) == Decision(Step.FETCH, 4)
    assert d.delivered_live  # a later sync from behind must redraw, not append


def test_a_redraw_halves_the_page_until_it_fits() -> None:
    d = at(0, max_bytes=1000)
    assert d.smaller_page(limit=50, size=4000) == 25
    assert d.smaller_page(limit=25, size=1000) is None
    assert d.smaller_page(limit=1, size=5000) is None  # one message is sent regardless
