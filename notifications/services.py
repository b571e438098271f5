"""Every change notifications make: open or join a batch, deliver it, levels, unsubscribe.

Exactly once: a batch (``Notification``) is delivered inside one transaction that
holds its row (``FOR UPDATE SKIP LOCKED``, so no other worker can take it), sends
the email, and closes the row. A worker that dies before the commit sends nothing
the server accepted (an SMTP transaction not finished is dropped) and leaves the row
due, so the next worker sends it; one that dies after the commit has recorded it.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications import selectors
from notifications.mail import notification_email
from notifications.models import Notification
from rooms import access, publisher
from rooms.models import Membership, Message, Room

if TYPE_CHECKING:
    from users.models import User

logger = logging.getLogger(__name__)
Outcome = Notification.Outcome
# Retries after the mail server refused or did not answer: 1, 2, 4 ... 60 minutes apart.
MAX_ATTEMPTS = 8


def notifications_schedule(*, message: Message, mentioned_ids: Collection[int]) -> None:
    """After ``message`` is committed (mentioning ``mentioned_ids``): open a batch, due
    after ``CHAT_NOTIFY_DELAY``, for each person who should hear about it and has none
    open in that conversation. One query when nobody does (the usual case)."""
    due = message.created_at + timedelta(seconds=settings.CHAT_NOTIFY_DELAY)
    for user_id in selectors.recipient_ids(message, mentioned_ids=mentioned_ids):
        _batch_open(user_id=user_id, room_id=message.room_id, first_seq=message.created_seq,
                    due_at=due)


def notifications_schedule_soon(*, message: Message, mentioned_ids: Collection[int]) -> None:
    """``notifications_schedule`` in a pooled thread of its own when this process runs an
    event loop (the one database thread its sockets share does not wait for it), else now."""

    async def work() -> None:
        await database_sync_to_async(notifications_schedule, thread_sensitive=False)(
            message=message, mentioned_ids=mentioned_ids
        )

    if not publisher.run_soon(work):
        notifications_schedule(message=message, mentioned_ids=mentioned_ids)


def _batch_open(*, user_id: int, room_id: int, first_seq: int, due_at: datetime) -> None:
    from notifications.tasks import deliver

    try:
        with transaction.atomic():
            if Notification.objects.filter(
                user_id=user_id, room_id=room_id, closed_at=None
            ).exists():
                return  # the message joins the open batch
            notification = Notification.objects.create(
                user_id=user_id, room_id=room_id, first_seq=first_seq, due_at=due_at
            )
            # The task row lives in the same database: both commit, or neither.
            deliver.using(run_after=due_at).enqueue(notification.pk)
    except IntegrityError:
        pass  # another process opened it at the same moment: the message joins that one


def _settle(notification: Notification) -> tuple[str, EmailMultiAlternatives | None]:
    """What to do with a due batch: (outcome, email or None). Decided at send time,
    from what is true now: access, level, read state, address, the email switch."""
    user, room = notification.user, notification.room
    if not user.is_active or not getattr(user, "email_notifications", True):
        return Outcome.SKIPPED, None
    address = selectors.email_address_for(user)
    if address is None or access.room_for_user(slug=room.slug, user=user) is None:
        return Outcome.SKIPPED, None
    membership = selectors.membership_of(room=room, user=user)
    if membership is None:
        return Outcome.SKIPPED, None  # left, or was removed from, the conversation
    wanted = list(selectors.batch_messages(
        room=room, user=user, first_seq=notification.first_seq, level=membership.notify_level
    ))
    unread = [m for m in wanted if m.created_seq > membership.last_read_seq]
    if not unread:
        return (Outcome.READ if wanted else Outcome.SKIPPED), None
    email = notification_email(
        notification=notification, user=user, address=address, room=room,
        conversation=selectors.conversation_name(room=room, user=user), messages=unread,
    )
    return Outcome.SENT, email


def notification_deliver(*, notification_id: int) -> str | None:
    """Deliver one due batch if no one else holds it. Returns its outcome, or None when
    it is not due, already settled, or being delivered by another worker.

    Raises what the mail backend raises (``OSError``, ``smtplib.SMTPException``): the
    transaction rolls back and the batch stays due.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user", "room")
            .filter(pk=notification_id, closed_at=None, due_at__lte=timezone.now())
            .first()
        )
        if notification is None:
            return None
        outcome, email = _settle(notification)
        if email is not None:
            email.send()
        notification.closed_at = timezone.now()
        notification.outcome = outcome
        notification.save(update_fields=["closed_at", "outcome"])
    logger.info("notification %s: %s", notification_id, outcome)
    return outcome


def notification_failed(*, notification_id: int) -> datetime | None:
    """Count a failed attempt. Returns when to try again, or None after the last try
    (the batch is then closed as failed)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .filter(pk=notification_id, closed_at=None).first()
        )
        if notification is None:
            return None
        notification.attempts += 1
        if notification.attempts >= MAX_ATTEMPTS:
            notification.closed_at = timezone.now()
            notification.outcome = Outcome.FAILED
            notification.save(update_fields=["attempts", "closed_at", "outcome"])
            return None
        notification.save(update_fields=["attempts"])
        return timezone.now() + timedelta(minutes=min(2 ** (notification.attempts - 1), 60))


def notify_level_set(*, room: Room, user: User, level: str) -> Membership:
    """Set how much ``user`` hears about ``room``. Members only (a ValueError otherwise)."""
    if level not in Membership.NotifyLevel.values:
        raise ValueError(f"unknown notification level {level!r}")
    updated = Membership.objects.filter(room_id=room.pk, user_id=user.pk).update(
        notify_level=level
    )
    if not updated:
        raise Membership.DoesNotExist
    return Membership.objects.get(room_id=room.pk, user_id=user.pk)


def unsubscribe(*, user_id: int, room_id: int) -> bool:
    """The one-click unsubscribe: that conversation's level becomes Nothing. Returns
    whether a membership changed (a person who left the room has nothing to change)."""
    return bool(
        Membership.objects.filter(room_id=room_id, user_id=user_id).update(
            notify_level=Membership.NotifyLevel.NOTHING
        )
    )

