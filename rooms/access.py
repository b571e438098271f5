"""Who may see a room: the one place access is decided.

Every path (page, fragment, socket, search, transcript, email) asks here. A public
room is open to every signed-in user; a private or direct room exists only for its
members: to anyone else it looks exactly like a room that does not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from rooms.models import Membership, Room

# What a removed member's page and refused frames say.
NOT_A_MEMBER = "You are no longer a member of this room."

if TYPE_CHECKING:
    from typing import TypedDict

    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import WithAnnotations

    from users.models import User

    class _Viewer(TypedDict):
        viewer_is_member: bool

    # A room as these selectors return it: with ``viewer_is_member``.
    ViewedRoom = WithAnnotations[Room, _Viewer]


def _membership_of(user_id: int) -> Exists:
    return Exists(Membership.objects.filter(room_id=OuterRef("pk"), user_id=user_id))


def room_for_user(*, slug: str, user: User | AnonymousUser) -> ViewedRoom | None:
    """The room ``slug`` if ``user`` may see it, else None (a 404, a refused handshake).

    One query: the room and whether the user is a member (``room.viewer_is_member``).
    """
    if not user.is_authenticated or not user.is_active:
        return None
    room = (
        Room.objects.filter(slug=slug)
        .annotate(viewer_is_member=_membership_of(user.pk))
        .first()
    )
    return room if room is not None and visible_to(room, user) else None


def visible_to(room: ViewedRoom, user: User) -> bool:
    """The rule: a signed-in, active user sees a public room, and a private or direct
    room they are a member of (``room.viewer_is_member``, annotated by the caller)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (room.kind == Room.Kind.PUBLIC or room.viewer_is_member)
    )


def room_or_404(*, slug: str, user: User | AnonymousUser) -> ViewedRoom:
    # A private room you are not in and a room that does not exist are the same 404.
    room = room_for_user(slug=slug, user=user)
    if room is None:
        raise Http404("No such room.")
    return room


def member_room_or_404(*, slug: str, user: User | AnonymousUser) -> ViewedRoom:
    """The room if ``user`` is a member (pages for members only, even of public rooms)."""
    room = room_or_404(slug=slug, user=user)
    if not room.viewer_is_member:
        raise Http404("No such room.")
    return room


def readable_rooms(user: User | AnonymousUser) -> QuerySet[Room]:
    """Public rooms and the rooms ``user`` is a member of (search, mentions, email)."""
    if not user.is_authenticated or not user.is_active:
        return Room.objects.none()
    return Room.objects.filter(Q(kind=Room.Kind.PUBLIC) | _membership_of(user.pk))


def is_member(*, room: Room, user: User | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(room_id=room.pk, user_id=user.pk).exists()


def can_read(*, room: Room, user: User | AnonymousUser) -> bool:
    """Whether ``user`` may see ``room`` now (re-checked by every change it makes)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return room.kind == Room.Kind.PUBLIC or is_member(room=room, user=user)
