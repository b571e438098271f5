"""Reads about what a member has not read yet: counts, @ badges, the first unread message.

Unread means: created after the member's ``last_read_seq``, by someone else, and not
deleted. "Mentioned" means one of those mentions the member. Every function runs a fixed
number of queries, whatever the number of rooms or messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from rooms import selectors
from rooms.models import Membership, Mention, Message, Room

if TYPE_CHECKING:
    from users.models import User

BADGE_MAX = 99


@dataclass(frozen=True)
class InboxRow:
    """One room in "Your rooms" or "Direct messages", as one member sees it."""

    room_id: int
    slug: str
    title: str
    kind: str
    last_activity_at: datetime
    last_seq: int  # the room's seq when this row was read
    read_seq: int
    unread: int
    mentioned: bool

    # What the rooms page's row partial reads from a Room, too.
    @property
    def pk(self) -> int:
        return self.room_id

    @property
    def is_direct(self) -> bool:
        return self.kind == Room.Kind.DIRECT

    def get_absolute_url(self) -> str:
        return reverse("rooms:detail", kwargs={"slug": self.slug})

    @property
    def badge(self) -> str:
        return f"{BADGE_MAX}+" if self.unread > BADGE_MAX else str(self.unread)


def _unread_messages(user_id: int) -> Q:
    return Q(deleted_at__isnull=True) & ~Q(author_id=user_id)


def _annotated_memberships(user: User):
    unread = (
        Message.objects.filter(
            _unread_messages(user.pk),
            room_id=OuterRef("room_id"), created_seq__gt=OuterRef("last_read_seq"),
        )
        .order_by()
        .values("room_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    mentioned = Mention.objects.filter(
        user_id=user.pk,
        message__room_id=OuterRef("room_id"),
        message__created_seq__gt=OuterRef("last_read_seq"),
        message__deleted_at__isnull=True,
    ).exclude(message__author_id=user.pk)
    return (
        Membership.objects.filter(user_id=user.pk)
        .annotate(
            unread=Coalesce(Subquery(unread), 0),
            mentioned=Exists(mentioned),
            room_last_seq=F("room__last_seq"),
        )
        .select_related("room")
        .order_by("-room__last_activity_at", "-room_id")
    )


def inbox_rows(user: User, *, room_ids: list[int] | None = None) -> list[InboxRow]:
    """The rooms ``user`` is a member of, newest activity first, with unread counts
    (two queries). ``room_ids`` narrows it to those rooms."""
    memberships = _annotated_memberships(user)
    if room_ids is not None:
        memberships = memberships.filter(room_id__in=room_ids)
    memberships = list(memberships)
    selectors.with_titles([m.room for m in memberships], viewer=user)
    return [
        InboxRow(
            room_id=m.room_id, slug=m.room.slug, title=m.room.title, kind=m.room.kind,
            last_activity_at=m.room.last_activity_at, last_seq=m.room.last_seq,
            read_seq=m.last_read_seq, unread=m.unread, mentioned=m.mentioned,
        )
        for m in memberships
    ]


def first_unread_id(*, room: Room, user: User, read_seq: int) -> int | None:
    """The oldest message of ``room`` that ``user`` has not read (one query)."""
    return (
        Message.objects.filter(_unread_messages(user.pk), room_id=room.pk, created_seq__gt=read_seq)
        .order_by("created_seq")
        .values_list("pk", flat=True)
        .first()
    )


def page_starting_at(*, room: Room, message_id: int, size: int) -> int | None:
    """``?before=`` for the page of ``size`` messages whose oldest is ``message_id``
    (None when fewer than ``size`` follow it: the latest page holds it). One query."""
    ids = Message.objects.filter(room_id=room.pk, pk__gte=message_id).order_by("pk")
    last = ids.values_list("pk", flat=True)[size - 1 : size]
    return last[0] + 1 if last else None


def read_seq(*, room: Room, user: User) -> int | None:
    """How far ``user`` has read ``room``; None if not a member."""
    return (
        Membership.objects.filter(room_id=room.pk, user_id=user.pk)
        .values_list("last_read_seq", flat=True)
        .first()
    )


def mentions_of(user: User, *, rooms, limit: int = 50) -> list[Message]:
    """Messages that mention ``user`` in ``rooms`` (a Room queryset), newest first."""
    return list(
        Message.objects.filter(
            Exists(Mention.objects.filter(message_id=OuterRef("pk"), user_id=user.pk)),
            room__in=rooms, deleted_at__isnull=True,
        )
        .select_related("author", "room")
        .prefetch_related("mentions")
        .order_by("-id")[:limit]
    )
