"""HTTP views: pages, and the no-websocket path for every action.

Views are thin: they validate with the same forms as the consumer and call the same
services, so a message sent over plain HTTP is saved and broadcast exactly like one
sent over the socket.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import reswap, retarget

from config.http import AuthedRequest
from rooms import (
    access,
    direct,
    membership,
    presence_events,
    reading,
    selectors,
    services,
    timeline,
)
from rooms import render as fragments
from rooms.forms import ConversationForm, RoomForm
from rooms.models import Message, Room
from rooms.presence import get_store
from rooms.ratelimit import RateLimited


def _online_usernames(room: Room) -> tuple[list[str], int]:
    user_ids = get_store().user_ids_sync(room_id=room.pk)
    names = presence_events.online_usernames(user_ids)
    return names, max(0, len(user_ids) - presence_events.MAX_LISTED)


def error_response(
    request: AuthedRequest, room: Room, text: str, status: int, *, message_id: int | None = None,
) -> HttpResponse:
    if request.htmx:
        # An expected error is shown in place: under the message it is about, or above
        # the composer. 400 and 403 answer 200: with them django-htmx's debug script
        # (DEBUG) would replace the whole page. 429 is not one it touches.
        status = 429 if status == 429 else 200
        if message_id is None:
            return reswap(HttpResponse(fragments.error_frame(text), status=status), "none")
        response = HttpResponse(fragments.message_error_html(text), status=status)
        return reswap(retarget(response, f"#msg-{message_id}"), "beforeend")
    return _room_page(request, room, error=text, status=status)


def _room_page(
    request: AuthedRequest, room: Room, *, error: str = "", status: int = 200,
    before_id: int | None = None, new_from: int | None = None,
) -> HttpResponse:
    # The seq is read before the page, and the page stops at it: anything newer
    # reaches the tab through the socket's catch-up, exactly once.
    seq = room.last_seq
    page = selectors.message_page(room=room, max_seq=seq, before_id=before_id)
    newest = page.messages[-1] if page.messages else None
    return render_room_page(
        request, room, page=page, seq=seq, error=error, status=status,
        # An older page (no script's "Load older messages") is history, not live.
        history=before_id is not None, has_newer=before_id is not None, newest=newest,
        new_from=new_from,
    )


def render_room_page(
    request: AuthedRequest, room: Room, *, page: selectors.Page, seq: int, error: str = "",
    status: int = 200, history: bool = False, has_newer: bool = False,
    newest: Message | None = None, new_from: int | None = None, linked_id: int | None = None,
) -> HttpResponse:
    """The room page around ``page`` (drawn in the reader's zone, by the middleware)."""
    selectors.with_titles([room], viewer=request.user)
    timeline.mark_days(page.messages, previous=page.previous_at)
    online, online_extra = _online_usernames(room)
    reading_context = reading.room_reading(
        room=room, user=request.user, page=page, seq=seq, new_from=new_from
    )
    return render(
        request,
        "rooms/room.html",
        {
            "room": room,
            "messages": page.messages,
            "has_more": page.has_more,
            "oldest_id": page.oldest_id,
            "seq": seq,
            "online_users": online,
            "online_extra": online_extra,
            "is_moderator": membership.is_owner(room=room, user=request.user),
            "error": error,
            "composer_key": fragments.new_composer_key(),
            "max_length": settings.CHAT_MESSAGE_MAX_LENGTH,
            "history": history,
            "has_newer": has_newer,
            "newest": newest,
            "linked_id": linked_id,
            **reading_context,
        },
        status=status,
    )


def int_param(value: str | None) -> int | None:
    try:
        number = int(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and 0 < number < 2**63 else None


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("rooms:list" if request.user.is_authenticated else "account_login")


@login_required
@require_http_methods(["GET", "POST"])
def room_list(request: AuthedRequest) -> HttpResponse:
    """The three lists, the create form and the conversation form (both post here)."""
    forms = {"form": RoomForm(), "conversation_form": ConversationForm()}
    status = 200
    if request.method == "POST":
        is_conversation = "people" in request.POST
        form = (ConversationForm if is_conversation else RoomForm)(data=request.POST)
        forms["conversation_form" if is_conversation else "form"] = form
        field = "people" if is_conversation else "name"
        status = 400
        if form.is_valid():
            try:
                if is_conversation:
                    room = direct.conversation_start(
                        user=request.user, usernames=form.cleaned_data["people"]
                    )
                else:
                    room = services.room_create(
                        creator=request.user, name=form.cleaned_data["name"],
                        private=form.cleaned_data["private"],
                    )
            except ValidationError as exc:
                form.add_error(field, exc)
            except RateLimited as exc:
                form.add_error(field, services.creating_too_quickly(exc))
                status = 429
            else:
                return redirect(room)
    return render(
        request, "rooms/room_list.html",
        {**reading.rooms_page(request.user), **forms}, status=status,
    )


@login_required
@require_GET
def room_detail(request: AuthedRequest, slug: str) -> HttpResponse:
    canonical = slugify(slug, allow_unicode=True)
    if canonical != slug:
        # /rooms/Book-Club/ is book-club: typed, or remembered with capitals.
        return redirect(access.room_or_404(slug=canonical, user=request.user))
    room = access.room_or_404(slug=slug, user=request.user)
    if not room.viewer_is_member:
        # Opening a public room makes you a member (only public rooms get this far).
        membership.membership_join(room=room, user=request.user)
    return _room_page(
        request, room, before_id=int_param(request.GET.get("before")),
        new_from=int_param(request.GET.get("new")),
    )


@login_required
@require_GET
def messages_older(request: AuthedRequest, slug: str) -> HttpResponse:
    room = access.room_or_404(slug=slug, user=request.user)
    before_id = int_param(request.GET.get("before"))
    if before_id is None:
        return HttpResponse("Say which message to page back from.", status=400)
    page = selectors.message_page(room=room, before_id=before_id)
    timeline.mark_days(page.messages, previous=page.previous_at)
    return render(
        request,
        "rooms/room.html#older",
        {"room": room, "messages": page.messages, "has_more": page.has_more,
         "oldest_id": page.oldest_id},
    )
