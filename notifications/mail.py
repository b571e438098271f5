"""The notification email: plain text and HTML from templates, in the recipient's time zone.

Every email carries a one-click unsubscribe for its conversation (RFC 8058: the
``List-Unsubscribe`` URL and ``List-Unsubscribe-Post``) and a Message-ID made from the
batch, so the same batch always has the same id.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications.tokens import unsubscribe_token

# Where the email switch lives (the profile settings page).
SETTINGS_URL_NAME = "users:settings"

if TYPE_CHECKING:
    from notifications.models import Notification
    from rooms.models import Message, Room
    from users.models import User


def absolute(path: str) -> str:
    return f"{settings.CHAT_SITE_URL}{path}"


def permalink(message: Message) -> str:
    return absolute(message.get_absolute_url())


def unsubscribe_url(*, user: User, room: Room) -> str:
    token = unsubscribe_token(user_id=user.pk, room_id=room.pk)
    return absolute(reverse("notifications:unsubscribe", kwargs={"token": token}))


def recipient_zone(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def notification_email(
    *, notification: Notification, user: User, address: str, room: Room,
    conversation: str, messages: Sequence[Message],
) -> EmailMultiAlternatives:
    """The email for a batch. ``messages``: unread, oldest first, at least one."""
    unsubscribe = unsubscribe_url(user=user, room=room)
    context = {
        "recipient": user.public_name,
        "conversation": conversation,
        "is_direct": room.is_direct,
        "messages": [
            {"author": m.author.public_name, "created_at": m.created_at, "body": m.body,
             "url": permalink(m)}
            for m in messages
        ],
        "first_unread_url": permalink(messages[0]),
        "unsubscribe_url": unsubscribe,
        "settings_url": absolute(reverse(SETTINGS_URL_NAME)),
        "site_url": settings.CHAT_SITE_URL,
    }
    with timezone.override(recipient_zone(user)):
        subject = render_to_string("notifications/email/subject.txt", context)
        text = render_to_string("notifications/email/batch.txt", context)
        html = render_to_string("notifications/email/batch.html", context)
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"
    email = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": f"<notification-{notification.pk}@{domain}>",
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(html, "text/html")
    return email
