"""Who belongs to a room: joining, adding, removing, leaving.

Removal is immediate: on commit, every socket of the removed user hears it through
their user group, and the ones open on that room close (rooms.consumers).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from rooms.groups import user_group
from rooms.models import Membership, Room

if TYPE_CHECKING:
    from users.models import User

logger = logging.getLogger(__name__)

NOT_OWNER = "Only the room's owner can add or remove members."
NO_SUCH_USER = "There is no one called “%(username)s”."
ALREADY_MEMBER = "%(username)s is already a member of this room."
NOT_A_MEMBER = "%(username)s is not a member of this room."
FIXED_MEMBERS = "Nobody can be added to or removed from a direct conversation."
REMOVE_YOURSELF = "To leave the room, use Leave room."
CANNOT_LEAVE_DIRECT = "A one-to-one conversation cannot be left."

# Sent to user_group(user_id) on commit: that user is no longer a member of room_id.
MEMBERSHIP_REMOVED = "membership.removed"
# ... and: that user became a member of room_id (their rooms list shows it at once).
MEMBERSHIP_ADDED = "membership.added"


def is_owner(*, room: Room, user: User) -> bool:
    """The room's creator owns a public or private room; direct rooms have no owner."""
    return room.kind != Room.Kind.DIRECT and room.creator_id is not None and (
        room.creator_id == user.pk
    )


def membership_join(*, room: Room, user: User) -> None:
    """Opening a public room makes you a member (nothing happens if you already are)."""
    if room.kind != Room.Kind.PUBLIC:
        raise PermissionDenied("Only public rooms can be joined.")
    # One query, and two tabs opening the room at once cannot collide. The history
    # from before joining is not unread.
    Membership.objects.bulk_create(
        [Membership(room=room, user=user, last_read_seq=room.last_seq)], ignore_conflicts=True
    )
    transaction.on_commit(lambda: tell_user(user.pk, MEMBERSHIP_ADDED, room_id=room.pk))


def member_add(*, room: Room, by: User, username: str) -> Membership:
    from users.models import User

    if room.kind == Room.Kind.DIRECT:
        raise PermissionDenied(FIXED_MEMBERS)
    if not is_owner(room=room, user=by):
        raise PermissionDenied(NOT_OWNER)
    username = username.strip().lstrip("@")
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError(NO_SUCH_USER, params={"username": username})
    try:
        with transaction.atomic():
            added = Membership.objects.create(room=room, user=user, last_read_seq=room.last_seq)
            transaction.on_commit(lambda: tell_user(user.pk, MEMBERSHIP_ADDED, room_id=room.pk))
            return added
    except IntegrityError:
        raise ValidationError(ALREADY_MEMBER, params={"username": user.username}) from None


def member_remove(*, room: Room, by: User, user_id: int) -> None:
    if room.kind == Room.Kind.DIRECT:
        raise PermissionDenied(FIXED_MEMBERS)
    if not is_owner(room=room, user=by):
        raise PermissionDenied(NOT_OWNER)
    if user_id == by.pk:
        raise ValidationError(REMOVE_YOURSELF)
    _end_membership(room=room, user_id=user_id)


def can_leave(*, room: Room) -> bool:
    """Every room can be left but a one-to-one conversation (two ids in its key)."""
    return not (room.kind == Room.Kind.DIRECT and (room.direct_key or "").count("-") == 1)


def room_leave(*, room: Room, user: User) -> None:
    if not can_leave(room=room):
        raise PermissionDenied(CANNOT_LEAVE_DIRECT)
    _end_membership(room=room, user_id=user.pk)


def _end_membership(*, room: Room, user_id: int) -> None:
    with transaction.atomic():
        deleted, _ = Membership.objects.filter(room=room, user_id=user_id).delete()
        if not deleted:
            raise ValidationError(NOT_A_MEMBER, params={"username": "That person"})
        transaction.on_commit(lambda: tell_user(user_id, MEMBERSHIP_REMOVED, room_id=room.pk))


def tell_user(user_id: int, event_type: str, **fields: object) -> None:
    """Send an event to every open socket of one user (after commit)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(user_group(user_id), {"type": event_type, **fields})
    except Exception:
        logger.exception("telling user %s about %s failed", user_id, event_type)
