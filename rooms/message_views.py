"""The no-websocket path for message changes: send, edit, delete.

The same forms and services as the socket's actions (``rooms.actions``), so a message
changed over plain HTTP is saved and broadcast exactly like one changed over the socket.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from config.http import AuthedRequest
from rooms import access, selectors, services
from rooms import render as fragments
from rooms.forms import MessageEditForm, MessageForm, first_error
from rooms.ratelimit import RateLimited
from rooms.views import error_response


@login_required
@require_POST
def message_create(request: AuthedRequest, slug: str) -> HttpResponse:
    room = access.room_or_404(slug=slug, user=request.user)
    form = MessageForm(data=request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(first_error(form))
        services.message_create(
            room=room, author=request.user, body=form.cleaned_data["body"],
            reply_to_id=form.cleaned_data["reply_to"],
        )
    except ValidationError as exc:
        return error_response(request, room, exc.messages[0], 400)
    except RateLimited as exc:
        return error_response(request, room, exc.text, 429)
    if request.htmx:
        return HttpResponse(fragments.composer_reset_frame())
    return redirect(room)


@login_required
@require_http_methods(["GET", "POST"])
def message_edit(request: AuthedRequest, slug: str, message_id: int) -> HttpResponse:
    room = access.room_or_404(slug=slug, user=request.user)
    if request.method == "GET":
        message = selectors.message_in_room(room=room, message_id=message_id)
        if message is None or not services.can_edit(user=request.user, message=message):
            return error_response(
                request, room, services.NOT_ALLOWED_EDIT, 403, message_id=message_id
            )
        return render(request, "rooms/room.html#message-edit", {"message": message})
    form = MessageEditForm(data={**request.POST.dict(), "message_id": message_id})
    try:
        if not form.is_valid():
            raise ValidationError(first_error(form))
        services.message_edit(
            room=room, user=request.user, message_id=message_id, body=form.cleaned_data["body"]
        )
    except ValidationError as exc:
        return error_response(request, room, exc.messages[0], 400, message_id=message_id)
    except PermissionDenied as exc:
        return error_response(request, room, str(exc), 403, message_id=message_id)
    except RateLimited as exc:
        return error_response(request, room, exc.text, 429, message_id=message_id)
    if request.htmx:
        return HttpResponse(status=204)
    return redirect(room)


@login_required
@require_POST
def message_delete(request: AuthedRequest, slug: str, message_id: int) -> HttpResponse:
    room = access.room_or_404(slug=slug, user=request.user)
    try:
        services.message_delete(room=room, user=request.user, message_id=message_id)
    except PermissionDenied as exc:
        return error_response(request, room, str(exc), 403, message_id=message_id)
    if request.htmx:
        # Everyone, this tab included, gets the tombstone through the room's socket; this
        # answer only keeps keyboard focus there (the Delete button goes with the message).
        return HttpResponse(fragments.message_deleted(message_id))
    return redirect(room)
