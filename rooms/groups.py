"""Channel-layer group names. Built from primary keys and hashes, never from user text."""

from __future__ import annotations

import hashlib


def room_group(room_id: int) -> str:
    return f"room-{room_id}"


def session_group(session_key: str) -> str:
    digest = hashlib.sha256(session_key.encode()).hexdigest()[:32]
    return f"session-{digest}"


def user_group(user_id: int) -> str:
    """Every socket of one user (room and inbox sockets alike): events for that user only.

    Every consumer that joins it must handle each event type sent to it (Channels closes
    a consumer on an event it has no handler for): ``membership.removed`` (``room_id``:
    that user is no longer a member; rooms.membership) and ``user.deactivated``
    (users.signals).
    """
    return f"user-{user_id}"
