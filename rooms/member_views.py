"""The members page: who is in a room; the owner adds and removes, anyone leaves.

Members only, even for public rooms: everyone else gets the room's 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from config.http import AuthedRequest
from rooms import access, membership, selectors
from rooms.forms import MemberAddForm
from rooms.models import Room


def _page(
    request: AuthedRequest, room: Room, *, form: MemberAddForm | None = None, error: str = "",
    status: int = 200,
) -> HttpResponse:
    selectors.with_titles([room], viewer=request.user)
    return render(
        request, "rooms/members.html",
        {
            "room": room,
            "members": selectors.room_members(room),
            "is_owner": membership.is_owner(room=room, user=request.user),
            "can_leave": membership.can_leave(room=room),
            "form": form or MemberAddForm(),
            "error": error,
        },
        status=status,
    )


def _refusal(exc: ValidationError | PermissionDenied) -> tuple[str, int]:
    if isinstance(exc, ValidationError):
        return exc.messages[0], 400
    return str(exc), 403


@login_required
@require_http_methods(["GET", "POST"])
def members(request: AuthedRequest, slug: str) -> HttpResponse:
    room = access.member_room_or_404(slug=slug, user=request.user)
    if request.method == "GET":
        return _page(request, room)
    form = MemberAddForm(data=request.POST)
    if not form.is_valid():
        return _page(request, room, form=form, status=400)
    try:
        membership.member_add(room=room, by=request.user, username=form.cleaned_data["username"])
    except ValidationError as exc:
        form.add_error("username", exc)
        return _page(request, room, form=form, status=400)
    except PermissionDenied as exc:
        return _page(request, room, error=str(exc), status=403)
    return redirect("rooms:members", slug=room.slug)


@login_required
@require_POST
def member_remove(request: AuthedRequest, slug: str, user_id: int) -> HttpResponse:
    room = access.member_room_or_404(slug=slug, user=request.user)
    try:
        membership.member_remove(room=room, by=request.user, user_id=user_id)
    except (ValidationError, PermissionDenied) as exc:
        text, status = _refusal(exc)
        return _page(request, room, error=text, status=status)
    return redirect("rooms:members", slug=room.slug)


@login_required
@require_POST
def room_leave(request: AuthedRequest, slug: str) -> HttpResponse:
    room = access.member_room_or_404(slug=slug, user=request.user)
    try:
        membership.room_leave(room=room, user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        text, status = _refusal(exc)
        return _page(request, room, error=text, status=status)
    return redirect("rooms:list")
