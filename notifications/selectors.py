"""Reads for notifications: who should hear about a message, and what a batch holds."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef, Q, QuerySet

from rooms.models import Membership, Mention, Message, Room

if TYPE_CHECKING:
    from users.models import User

Level = Membership.NotifyLevel


def email_address_for(user: User) -> str | None:
    """Where a person's notifications go: their verified address (the primary one first)."""
    address = (
        EmailAddress.objects.filter(user_id=user.pk, verified=True)
        .order_by("-primary", "id")
        .values_list("email", flat=True)
        .first()
    )
    return address


def mentioned_user_ids(message: Message) -> set[int]:
    """People the message mentions (rooms.mentions keeps them, readers of the room only)."""
    return set(Mention.objects.filter(message_id=message.pk).values_list("user_id", flat=True))


def recipient_ids(message: Message, *, mentioned_ids: Collection[int] | None = None) -> list[int]:
    """Who may get an email about ``message``: members who want every message, and
    members it mentions who want mentions. Only those with email switched on and a
    verified address; never its author. Access is checked again at send time. One query
    when nobody wants email (``mentioned_ids`` saves reading the mentions again)."""
    from users.models import User

    mentioned = mentioned_user_ids(message) if mentioned_ids is None else set(mentioned_ids)
    wanted = Q(notify_level=Level.ALL)
    if mentioned:
        wanted |= Q(notify_level=Level.MENTIONS, user_id__in=mentioned)
    member_ids = list(
        Membership.objects.filter(wanted, room_id=message.room_id)
        .exclude(user_id=message.author_id)
        .values_list("user_id", flat=True)
    )
    if not member_ids:
        return []  # the usual case: nobody here wants email about every message
    return list(
        User.objects.filter(
            pk__in=member_ids, is_active=True, email_notifications=True,
            emailaddress__verified=True,
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def batch_messages(
    *, room: Room, user: User, first_seq: int, level: str
) -> QuerySet[Message]:
    """The messages of a batch that ``user`` wants to hear about at ``level``, read or not:
    from the one that opened it on, not deleted, not their own, oldest first."""
    messages = (
        Message.objects.filter(room_id=room.pk, created_seq__gte=first_seq, deleted_at=None)
        .exclude(author_id=user.pk)
        .select_related("author", "room")
        .order_by("created_seq")
    )
    if level == Level.NOTHING:
        return messages.none()
    if level == Level.MENTIONS:
        return messages.filter(
            Exists(Mention.objects.filter(message_id=OuterRef("pk"), user_id=user.pk))
        )
    return messages


def membership_of(*, room: Room, user: User) -> Membership | None:
    return Membership.objects.filter(room_id=room.pk, user_id=user.pk).first()


def conversation_name(*, room: Room, user: User) -> str:
    """What the recipient calls the conversation (a direct one: the other people)."""
    from rooms.selectors import with_titles

    with_titles([room], viewer=user)
    return room.title


def due_notification_ids(now: datetime) -> list[int]:
    """Open batches due at ``now``, oldest first."""
    from notifications.models import Notification

    return list(
        Notification.objects.filter(closed_at=None, due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("pk", flat=True)
    )
