from __future__ import annotations

import functools
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

if TYPE_CHECKING:
    from rooms.timeline import TimeVariant
    from users.models import User


class Room(models.Model):
    class Kind(models.TextChoices):
        PUBLIC = "public", "Public"
        PRIVATE = "private", "Private"
        # One-to-one and group conversations: no name, fixed members.
        DIRECT = "direct", "Direct"

    name = models.CharField(max_length=60, blank=True)
    # From the name in any script ("日本語チャット"); "-2", "-3"… when names slugify alike.
    slug = models.SlugField(max_length=80, unique=True, allow_unicode=True)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="rooms_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped on every message change; orders the rooms list by newest activity.
    last_activity_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The room's event counter. Each create/edit/delete takes the next value under a
    # row lock, so changes of one room commit in this order and clients can catch up
    # with "everything after N".
    last_seq = models.BigIntegerField(default=0)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PUBLIC)
    # Direct rooms only: the sorted member ids ("3-17-42"). Unique, so the same people
    # always get the same room, even when two of them start it at the same moment.
    direct_key = models.CharField(max_length=255, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        constraints = [
            # Two people creating "Book club" at the same moment: one room, and the
            # second is told it exists (rooms.services.room_create).
            models.UniqueConstraint(
                Lower("name"), condition=Q(kind="public"), name="room_public_name_ci"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.slug

    def get_absolute_url(self) -> str:
        return reverse("rooms:detail", kwargs={"slug": self.slug})

    @property
    def title(self) -> str:
        """What people see as the room's name. A direct room has none: it is titled by the
        other members' usernames, which ``selectors.with_titles`` sets for one viewer."""
        return self.__dict__.get("title") or self.name or "Conversation"

    @title.setter
    def title(self, value: str) -> None:
        self.__dict__["title"] = value

    @property
    def is_direct(self) -> bool:
        return self.kind == Room.Kind.DIRECT


class Membership(models.Model):
    """Who belongs to a room. Private and direct rooms exist only for their members."""

    class NotifyLevel(models.TextChoices):
        ALL = "all", "All messages"
        MENTIONS = "mentions", "Mentions only"
        NOTHING = "nothing", "Nothing"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    # The room's event counter as far as this member has read.
    last_read_seq = models.BigIntegerField(default=0)
    # Set by the service that creates the membership: "all" for direct rooms.
    notify_level = models.CharField(
        max_length=8, choices=NotifyLevel.choices, default=NotifyLevel.MENTIONS
    )

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="membership_room_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.room_id}"


@functools.lru_cache(maxsize=4096)
def _messages_url(slug: str) -> str:
    """``/rooms/<slug>/messages/``, reversed once per room rather than twice per message
    drawn (reverse() was a third of a 50-message page's render time)."""
    return reverse("rooms:message_create", kwargs={"slug": slug})


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages"
    )
    body = models.TextField(blank=True)
    # The body's Markdown, rendered and sanitised once when saved (rooms.formatting).
    body_html = models.TextField(blank=True, default="")
    # body_html as plain text (rooms.formatting.plain_text), saved with it: what search
    # indexes and quotes in snippets, so a snippet shows no Markdown or HTML.
    body_text = models.TextField(blank=True, default="")
    # The message this one answers; it stays linked when the original is deleted.
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    # Same author as the message before, within a few minutes: drawn without the name.
    # Decided once, when the message is created, so every render agrees.
    continues = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Room event counter values: when the message appeared, and its latest change.
    created_seq = models.BigIntegerField(default=0)
    seq = models.BigIntegerField(default=0)
    # Who the text mentions (kept by the message services, see rooms/mentions.py).
    mentions: models.ManyToManyField[User, Mention] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Mention", related_name="mentioned_in", blank=True
    )
    # The composer's key for this message plus a digest of its text (rooms.services
    # .message_create): a send repeated by a double click or a resend posts it once.
    client_key = models.CharField(max_length=64, blank=True, default="")

    # Set when a message is drawn (rooms.timeline), never stored: its day separator
    # for one reader, or for a live event the zones that see one and its time per zone.
    day: str = ""
    day_zones: str = ""
    time_variants: list[TimeVariant] | None = None
    # A message just saved: when the one before it was (rooms.render.drawn_as_saved).
    previous_at: datetime | None

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_key"], condition=~Q(client_key=""),
                name="message_author_client_key",
            ),
        ]
        indexes = [
            # "latest N in a room" and "the N before id X" (keyset pagination).
            models.Index(fields=["room", "-id"], name="message_room_id_desc"),
            # "everything in a room changed after seq N" (catch-up on reconnect).
            models.Index(fields=["room", "seq"], name="message_room_seq"),
            # "unread: created after the member's last read seq" (counts, first unread).
            models.Index(fields=["room", "created_seq"], name="message_room_created_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.author_id}@{self.room_id}#{self.pk}"

    def get_absolute_url(self) -> str:
        """The permalink (rooms:message), pointing the browser at the message itself."""
        return f"{_messages_url(self.room.slug)}{self.pk}/#msg-{self.pk}"

    def get_menu_url(self) -> str:  # rooms:message_menu
        # Short (it is in every message pushed): no room slug, the message says its room.
        return f"/rooms/-/menu/{self.pk}/"

    def get_edit_url(self) -> str:  # rooms:message_edit
        return f"{_messages_url(self.room.slug)}{self.pk}/edit/"

    def get_delete_url(self) -> str:  # rooms:message_delete
        return f"{_messages_url(self.room.slug)}{self.pk}/delete/"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_edited(self) -> bool:
        return self.edited_at is not None and self.deleted_at is None


class Mention(models.Model):
    """``user`` is mentioned by ``message`` (and can read its room)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="mention_message_user"),
        ]
        # "my mentions, newest first" (the @ badge, /mentions/, email).
        indexes = [models.Index(fields=["user", "-message"], name="mention_user_message")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.message_id}"
class Reaction(models.Model):
    """One person's emoji on one message. Changing it bumps the message's ``seq``."""

    class Emoji(models.TextChoices):
        THUMBS_UP = "👍", "thumbs up"
        HEART = "❤️", "heart"
        JOY = "😂", "laughing"
        PARTY = "🎉", "party"
        WOW = "😮", "surprised"
        SAD = "😢", "sad"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    emoji = models.CharField(max_length=8, choices=Emoji.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user", "emoji"], name="reaction_message_user_emoji"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.emoji} by {self.user_id} on {self.message_id}"
