"""Reading a socket's frames and counting them, without a server (``rooms.frames``)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rooms import frames
from rooms.ratelimit import RateLimited


def test_a_frame_without_an_action_is_a_send() -> None:
    assert frames.parse('{"body": "hi"}', max_bytes=100) == ("send", {"body": "hi"})
    assert frames.parse('{"action": "edit"}', max_bytes=100)[0] == "edit"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (None, frames.ERROR_NOT_JSON),
        ("{", frames.ERROR_NOT_JSON),
        ("[1]", frames.ERROR_NOT_JSON),
        ("[" * 100_000, frames.ERROR_TOO_LARGE),
        ('{"action": 7}', frames.ERROR_UNKNOWN_ACTION),
        ('{"body": "' + "é" * 60 + '"}', frames.ERROR_TOO_LARGE),  # bytes, not characters
    ],
)
def test_unreadable_frames_are_refused_with_a_reason(text: str | None, error: str) -> None:
    with pytest.raises(frames.BadFrame, match=error):
        frames.parse(text, max_bytes=100)


def test_refusals_tell_the_sender_why() -> None:
    assert frames.error_text(RateLimited(2.4)).endswith("Try again in 2 s.")
    assert frames.error_text(ValidationError("Too long.")) == "Too long."
    assert frames.error_text(PermissionDenied()) == frames.ERROR_NOT_ALLOWED
    assert frames.error_text(KeyError("x")) == frames.ERROR_INTERNAL


def test_the_budget_allows_a_window_full_then_refuses_until_the_next() -> None:
    budget = frames.FrameBudget(limit=3, window=10, since=100.0)
    assert [budget.allow(100 + t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert budget.allow(110.0)  # a new window
