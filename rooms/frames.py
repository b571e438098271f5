"""Frames a room socket receives: reading them, and how many a connection may send.

Plain and synchronous, like ``rooms.delivery``: the consumer hands over the raw frame
(and the clock), and gets back the parsed dict, or the error text to show the sender.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from rooms.ratelimit import RateLimited

ERROR_NOT_JSON = "That message could not be read. Please try again."
ERROR_TOO_LARGE = "That message is too large to send."
ERROR_UNKNOWN_ACTION = "That action is not supported."
ERROR_INTERNAL = "Something went wrong on our side; nothing was changed."
ERROR_NOT_ALLOWED = "You are not allowed to do that."

# A connection may send this many frames per message it may post in a rate window
# (room for sync, edits and refused sends). Daphne parses every frame on the process's
# one event loop before any limit applies, so a client flooding beyond that slows
# everyone: it is hung up on, and the user may not reconnect for one window.
FRAMES_PER_MESSAGE = 3


class BadFrame(Exception):
    """The frame cannot be acted on; ``str(exc)`` is what the sender is told."""


def parse(text_data: str | None, *, max_bytes: int) -> tuple[str, dict[str, Any]]:
    """(action, fields) of a ``ws-send`` frame; an absent action is a plain send."""
    if text_data is None:
        raise BadFrame(ERROR_NOT_JSON)  # binary frames: htmx never sends them
    if len(text_data.encode()) > max_bytes:
        raise BadFrame(ERROR_TOO_LARGE)
    try:
        data = json.loads(text_data)
    except (ValueError, RecursionError):
        raise BadFrame(ERROR_NOT_JSON) from None
    if not isinstance(data, dict):
        raise BadFrame(ERROR_NOT_JSON)
    action = data.get("action", "send")
    if not isinstance(action, str):
        raise BadFrame(ERROR_UNKNOWN_ACTION)
    return action, data


# What an action may raise to refuse: the sender is told why (``error_text``), no one
# else hears of it. Anything else is a fault: logged, and the sender told ERROR_INTERNAL.
REFUSALS = (BadFrame, ValidationError, PermissionDenied, RateLimited)


def error_text(exc: Exception) -> str:
    """What the sender of a refused frame is told."""
    if isinstance(exc, RateLimited):
        return exc.text
    if isinstance(exc, ValidationError):
        return exc.messages[0] if exc.messages else ERROR_NOT_JSON
    if isinstance(exc, PermissionDenied | BadFrame):
        return str(exc) or ERROR_NOT_ALLOWED
    return ERROR_INTERNAL


@dataclass
class FrameBudget:
    """At most ``limit`` frames per ``window`` seconds (fixed windows)."""

    limit: int
    window: float
    since: float
    seen: int = 0

    def allow(self, now: float) -> bool:
        """Count one frame received at ``now`` (monotonic); False once over budget."""
        if now - self.since >= self.window:
            self.since, self.seen = now, 0
        self.seen += 1
        return self.seen <= self.limit
