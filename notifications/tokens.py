"""Signed unsubscribe tokens: who, which conversation, and when the link was made.

A token is the only credential of the one-click unsubscribe (RFC 8058: the mail client
POSTs without cookies), so it is signed with ``SECRET_KEY`` under its own salt and
expires after ``CHAT_UNSUBSCRIBE_MAX_AGE`` seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

SALT = "notifications.unsubscribe"


@dataclass(frozen=True)
class Unsubscribe:
    user_id: int
    room_id: int


def unsubscribe_token(*, user_id: int, room_id: int) -> str:
    return signing.dumps({"u": user_id, "r": room_id}, salt=SALT)


def unsubscribe_from_token(token: str) -> Unsubscribe | None:
    """The request a token stands for, or None when it is forged, altered or expired."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.CHAT_UNSUBSCRIBE_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    if not isinstance(data, dict):
        return None
    user_id, room_id = data.get("u"), data.get("r")
    if not isinstance(user_id, int) or not isinstance(room_id, int):
        return None
    return Unsubscribe(user_id=user_id, room_id=room_id)
