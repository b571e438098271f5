"""Every change to rooms and messages. Used by the HTTP views and the consumer alike.

Each function validates, authorises, saves inside a transaction and schedules the
broadcast with ``transaction.on_commit``, so nobody is told about a row that may
still roll back. Errors: ``ValidationError`` (bad input), ``PermissionDenied``
(not yours, or not in this room), ``ratelimit.RateLimited``.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from notifications.services import notifications_schedule_soon
from rooms import access, broadcast, membership, mentions, ratelimit, render, timeline
from rooms.formatting import plain_text, render_markdown
from rooms.forms import ROOM_EXISTS, MessageForm, RoomForm, public_name_taken
from rooms.models import Membership, Message, Room

if TYPE_CHECKING:
    from users.models import User

NOT_ALLOWED_EDIT = "You are not allowed to edit someone else's message."
NOT_ALLOWED_CHANGE = "You are not allowed to change that message."
NOT_ALLOWED_DELETE = "You are not allowed to delete that message."
ALREADY_DELETED = "That message has already been deleted."
REPLY_GONE = "The message you are replying to was deleted."


def check_can_read(*, room: Room, user: User) -> None:
    """Re-checked by every change: a socket opened before its user was removed (or
    deactivated) must not go on writing. No query for public rooms."""
    if not access.can_read(room=room, user=user):
        raise PermissionDenied(access.NOT_A_MEMBER)


def _clean_body(body: object) -> str:
    form = MessageForm(data={"body": body})
    if not form.is_valid():
        raise ValidationError(form.errors["body"].as_data())
    return form.cleaned_data["body"]


def next_seq(room_id: int, *, now: datetime | None = None) -> int:
    """Take the room's next event number, in one round trip. Locks the room row until
    commit; its last activity is ``now``."""
    at = connection.ops.adapt_datetimefield_value(now or timezone.now())
    table, q = Room._meta.db_table, connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q(table)} SET {q('last_seq')} = {q('last_seq')} + 1, "  # noqa: S608
            f"{q('last_activity_at')} = %s WHERE {q('id')} = %s RETURNING {q('last_seq')}",
            [at, room_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Room.DoesNotExist(room_id)
    return int(row[0])


def message_for_change(*, room: Room, message_id: int) -> Message:
    """The message, locked, if it belongs to ``room``; PermissionDenied otherwise.

    A message of another room and a message that does not exist look the same to
    the caller, so ids cannot be probed.
    """
    message = (
        Message.objects.select_for_update().filter(pk=message_id, room_id=room.pk).first()
    )
    if message is None:
        raise PermissionDenied(NOT_ALLOWED_CHANGE)
    return message


def rate_limit_creation(user: User) -> None:
    """Rooms and conversations share one per-user budget."""
    ratelimit.hit(
        key=f"room:{user.pk}",
        rate=settings.CHAT_ROOM_CREATE_LIMIT,
        window=settings.CHAT_ROOM_CREATE_WINDOW,
    )


def creating_too_quickly(exc: ratelimit.RateLimited) -> str:
    return f"You are creating rooms too quickly. Try again in {round(exc.retry_after)} s."


def _free_slug(name: str, *, private: bool = False) -> str:
    """A slug for ``name`` no room has: its Unicode slug, then "-2", "-3"…

    A private room's slug ends in random hex, so a public room of the same name never
    becomes "-2" (which would tell its creator that a hidden room has that name).
    """
    base = slugify(name, allow_unicode=True)[:70] or "room"
    if private:
        base = f"{base[:61]}-{secrets.token_hex(4)}"
    taken = set(Room.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    return next(
        slug for n in range(1, len(taken) + 2)
        if (slug := base if n == 1 else f"{base}-{n}") not in taken
    )


def room_create(*, creator: User, name: str, private: bool = False) -> Room:
    form = RoomForm(data={"name": name, "private": private})
    if not form.is_valid():
        raise ValidationError(form.errors["name"].as_data())
    name = form.cleaned_data["name"]
    rate_limit_creation(creator)
    kind = Room.Kind.PRIVATE if private else Room.Kind.PUBLIC
    for _ in range(3):
        try:
            with transaction.atomic():
                room = Room.objects.create(
                    name=name, slug=_free_slug(name, private=private), creator=creator, kind=kind
                )
                # The creator is the owner and the first member.
                Membership.objects.create(room=room, user=creator)
        except IntegrityError:
            # Someone created a room at the same moment: the same name (the form's check
            # ran before theirs committed), or only the same slug (try the next one).
            if not private and public_name_taken(name):
                raise ValidationError(ROOM_EXISTS, code="duplicate") from None
            continue
        return room
    raise ValidationError(ROOM_EXISTS, code="duplicate")


def _reply_target(*, room: Room, message_id: int | None) -> int | None:
    """The id of the message answered, if it is a live message of this room."""
    if message_id is None:
        return None
    target = Message.objects.filter(pk=message_id, room_id=room.pk).values("deleted_at").first()
    if target is None or target["deleted_at"] is not None:
        raise ValidationError(REPLY_GONE)
    return message_id


def _client_key(key: str, body: str) -> str:
    """The composer's key with a digest of the text: the same send repeated matches, and a
    second message typed before the page got its next key does not."""
    if not key:
        return ""
    return f"{key[:40]}:{hashlib.sha256(body.encode()).hexdigest()[:16]}"


def message_create(
    *, room: Room, author: User, body: object, reply_to_id: int | None = None, key: str = "",
) -> Message:
    """Post ``body``. With the composer's ``key``, idempotent: the same send again (a double
    click, a queued resend after reconnecting) returns the first message, posts nothing."""
    body = _clean_body(body)
    check_can_read(room=room, user=author)
    client_key = _client_key(key, body)
    sent = client_key and Message.objects.filter(author=author, client_key=client_key).first()
    if sent:
        return sent
    reply_to_id = _reply_target(room=room, message_id=reply_to_id)
    ratelimit.hit(key=f"msg:{author.pk}")
    mentioned = mentions.mentionable_users(room=room, text=body)
    # Outside the room lock: it is the slow part.
    body_html = render_markdown(body, mentioned=mentioned)
    with transaction.atomic():
        now = timezone.now()
        seq = next_seq(room.pk, now=now)
        # The room row is locked: the newest message now is the one before this.
        previous = timeline.newest_in_room(room.pk)
        message = Message.objects.create(
            room=room, author=author, body=body, body_html=body_html,
            body_text=plain_text(body_html),
            reply_to_id=reply_to_id, created_seq=seq, seq=seq, client_key=client_key,
            continues=timeline.continues_after(previous, author_id=author.pk),
        )
        mentions.mentions_save(message=message, users=mentioned)
        room.last_activity_at = now
        render.drawn_as_saved(message, mentioned=mentioned, previous=previous)
        transaction.on_commit(lambda: broadcast.message_created(message))
        # Email for people who are away; a failure there must not fail the send.
        transaction.on_commit(
            lambda: notifications_schedule_soon(
                message=message, mentioned_ids=[user.pk for user in mentioned]
            ),
            robust=True,
        )
    return message


def message_edit(*, room: Room, user: User, message_id: int, body: object) -> Message:
    body = _clean_body(body)
    check_can_read(room=room, user=user)
    with transaction.atomic():
        message = message_for_change(room=room, message_id=message_id)
        if not can_edit(user=user, message=message):
            own = message.author_id == user.pk
            raise PermissionDenied(ALREADY_DELETED if own else NOT_ALLOWED_EDIT)
        if message.body == body:
            return message
        ratelimit.hit(key=f"msg:{user.pk}")
        mentioned = mentions.mentionable_users(room=room, text=body)
        message.body = body
        message.body_html = render_markdown(body, mentioned=mentioned)
        message.body_text = plain_text(message.body_html)
        message.edited_at = timezone.now()
        message.seq = next_seq(room.pk)
        message.save(update_fields=["body", "body_html", "body_text", "edited_at", "seq"])
        mentions.mentions_save(message=message, users=mentioned)
        transaction.on_commit(lambda: broadcast.message_changed(message.pk))
    return message


def can_edit(*, user: User, message: Message) -> bool:
    """Only the author edits, and not once it is deleted (the page, the form and the socket
    all ask here)."""
    return message.author_id == user.pk and not message.is_deleted


def can_delete(*, user: User, message: Message, room: Room) -> bool:
    return message.author_id == user.pk or membership.is_owner(room=room, user=user)


def message_delete(*, room: Room, user: User, message_id: int) -> Message:
    check_can_read(room=room, user=user)
    with transaction.atomic():
        message = message_for_change(room=room, message_id=message_id)
        if not can_delete(user=user, message=message, room=room):
            raise PermissionDenied(NOT_ALLOWED_DELETE)
        if message.is_deleted:
            raise PermissionDenied(ALREADY_DELETED)
        # Keep the row for the tombstone (and for replies); the text and reactions are gone.
        message.body = message.body_html = message.body_text = ""
        message.deleted_at = timezone.now()
        message.seq = next_seq(room.pk)
        message.save(update_fields=["body", "body_html", "body_text", "deleted_at", "seq"])
        message.reactions.all().delete()
        transaction.on_commit(lambda: broadcast.message_changed(message.pk))
    return message
