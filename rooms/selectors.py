"""Reads. Every function here runs a fixed number of queries, whatever the history size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from rooms import access
from rooms.models import Membership, Message, Reaction, Room
from users.models import User


@dataclass(frozen=True)
class Page:
    messages: list[Message]  # oldest first
    has_more: bool
    # When the message just before the first one was written (its day separator).
    previous_at: datetime | None = None

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
def _drawn(qs: QuerySet[Message]) -> QuerySet[Message]:
    """Everything a message partial draws: author, room, the quoted message and its
    author, and reactions with their users (one more query for the whole page).
    Mentions and reactions come as plain lists (``Message.mentioned``, ``.reacted``:
    no related manager per message drawn); columns no message draws stay in the
    database (the search text, the quote's HTML, password hashes)."""
    return qs.select_related(
        "author", "room", "reply_to__author", "reply_to__room"
    ).defer(
        "body_text", "reply_to__body_text", "reply_to__body_html", "author__password",
        "reply_to__author__password",
    ).prefetch_related(
        Prefetch("mentions", queryset=User.objects.only("id"), to_attr="mentioned"),
        Prefetch(
            "reactions", queryset=Reaction.objects.select_related("user").defer("user__password"),
            to_attr="reacted",
        ),
    )


def message_page(
    *, room: Room, before_id: int | None = None, max_seq: int | None = None,
    limit: int | None = None,
) -> Page:
    """The ``limit`` messages before ``before_id`` (or the latest), one query (keyset on id).

    ``max_seq`` leaves out messages created after that room event, so a page and the
    cursor it carries agree about what the client has seen.
    """
    limit = limit or settings.CHAT_PAGE_SIZE
    qs = _drawn(Message.objects.filter(room_id=room.pk))
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    if max_seq is not None:
        qs = qs.filter(created_seq__lte=max_seq)
    rows = list(qs.order_by("-id")[: limit + 1])
    has_more = len(rows) > limit
    return Page(
        messages=rows[:limit][::-1], has_more=has_more,
        previous_at=rows[limit].created_at if has_more else None,
    )


def message_page_after(*, room: Room, after_id: int, max_seq: int, limit: int) -> Page:
    """The ``limit`` messages after ``after_id`` up to room event ``max_seq``;
    ``has_more`` says whether newer ones exist (two queries)."""
    rows = list(
        _drawn(Message.objects.filter(room_id=room.pk, id__gt=after_id, created_seq__lte=max_seq))
        .order_by("id")[: limit + 1]
    )
    previous_at = (
        Message.objects.filter(room_id=room.pk, id__lte=after_id).order_by("-id")
        .values_list("created_at", flat=True).first()
    )
    return Page(messages=rows[:limit], has_more=len(rows) > limit, previous_at=previous_at)


def messages_changed_after(*, room_id: int, seq: int, limit: int) -> list[Message]:
    """Messages whose latest change came after room event ``seq``, in event order."""
    return list(
        _drawn(Message.objects.filter(room_id=room_id, seq__gt=seq)).order_by("seq")[:limit]
    )


def message_in_room(*, room: Room, message_id: int) -> Message | None:
    return _drawn(Message.objects.filter(room_id=room.pk, pk=message_id)).first()


def message_by_id(*, message_id: int) -> Message | None:
    """A message with its room (to check who may read it), or None."""
    return Message.objects.select_related("room").filter(pk=message_id).first()


def room_seq(*, room_id: int) -> int:
    """The room's newest event number (committed changes only)."""
    return Room.objects.values_list("last_seq", flat=True).get(pk=room_id)


def room_members(room: Room) -> list[Membership]:
    """The room's members by username, each with ``user`` loaded (one query)."""
    return list(
        Membership.objects.filter(room_id=room.pk).select_related("user").order_by("user__username")
    )
