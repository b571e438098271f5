"""Reads. Every function here runs a fixed number of queries, whatever the history size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

from rooms import access
from rooms.models import Membership, Message, Room

if TYPE_CHECKING:

    from users.models import User


@dataclass(frozen=True)
class Page:
    messages: list[Message]  # oldest first
    has_more: bool

    @property
    def oldest_id(self) -> int | None:
        return self.messages[0].pk if self.messages else None


def public_rooms_to_join(user: User) -> list[Room]:
    """Public rooms ``user`` is not a member of, newest activity first (one query)."""
    return list(
        access.readable_rooms(user)
        .filter(kind=Room.Kind.PUBLIC)
        .exclude(memberships__user=user)
        .order_by("-last_activity_at", "-id")
    )


def with_titles(rooms: list[Room], *, viewer: User) -> list[Room]:
    """Title each direct room by its other members' usernames, for ``viewer`` (one query)."""
    direct = {room.pk: room for room in rooms if room.kind == Room.Kind.DIRECT}
    if not direct:
        return rooms
    names: dict[int, list[str]] = {pk: [] for pk in direct}
    for room_id, username in (
        Membership.objects.filter(room_id__in=direct)
        .exclude(user_id=viewer.pk)
        .order_by("user__username")
        .values_list("room_id", "user__username")
    ):
        names[room_id].append(username)
    for pk, room in direct.items():
        room.title = ", ".join(names[pk]) or "Only you"
    return rooms


def message_page(
    *, room: Room, before_id: int | None = None, max_seq: int | None = None,
    limit: int | None = None,
) -> Page:
    """The ``limit`` messages before ``before_id`` (or the latest), one query (keyset on id).

    ``max_seq`` leaves out messages created after that room event, so a page and the
    cursor it carries agree about what the client has seen.
    """
    limit = limit or settings.CHAT_PAGE_SIZE
    qs = Message.objects.filter(room_id=room.pk).select_related("author", "room").prefetch_related(
        "mentions"
    )
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    if max_seq is not None:
        qs = qs.filter(created_seq__lte=max_seq)
    rows = list(qs.order_by("-id")[: limit + 1])
    return Page(messages=rows[:limit][::-1], has_more=len(rows) > limit)


def messages_changed_after(*, room_id: int, seq: int, limit: int) -> list[Message]:
    """Messages whose latest change came after room event ``seq``, in event order."""
    return list(
        Message.objects.filter(room_id=room_id, seq__gt=seq)
        .select_related("author", "room")
        .prefetch_related("mentions")
        .order_by("seq")[:limit]
    )


def message_in_room(*, room: Room, message_id: int) -> Message | None:
    return (
        Message.objects.filter(room_id=room.pk, pk=message_id)
        .select_related("author", "room")
        .prefetch_related("mentions")
        .first()
    )


def room_seq(*, room_id: int) -> int:
    """The room's newest event number (committed changes only)."""
    return Room.objects.values_list("last_seq", flat=True).get(pk=room_id)


def room_members(room: Room) -> list[Membership]:
    """The room's members by username, each with ``user`` loaded (one query)."""
    return list(
        Membership.objects.filter(room_id=room.pk).select_related("user").order_by("user__username")
    )
