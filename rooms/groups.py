"""Channel-layer group names. Built from primary keys and hashes, never from user text."""

from __future__ import annotations

import hashlib


def room_group(room_id: int) -> str:
    return f"room-{room_id}"


def session_tag(session_key: str) -> str:
    """Names one login session in events to ``user_group`` (``session.ended``: that
    session logged out, and only its sockets close), without naming its key."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


def user_group(user_id: int) -> str:
    """Every socket of one user (room and inbox sockets alike): events for that user only.

    Every consumer that joins it must handle each event type sent to it (Channels closes
    a consumer on an event it has no handler for): ``membership.removed`` (``room_id``:
    that user is no longer a member; rooms.membership), ``user.deactivated`` and
    ``session.ended`` (``session``: the ``session_tag`` that logged out; users.signals).
    """
    return f"user-{user_id}"


def activity_group(room_id: int) -> str:
    """The inbox sockets of a room's members: which message changed, by whom (no HTML)."""
    return f"activity-{room_id}"


def inbox_group(user_id: int) -> str:
    """One user's inbox sockets only (their read positions: room sockets need not hear)."""
    return f"inbox-{user_id}"
