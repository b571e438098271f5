"""Pages of history: a message's permalink, "Load newer messages" from there, one
message alone (what Cancel puts back in place of an edit form), and what a message's
actions menu offers.

A permalink opens the room around one message. The page is history, not the live end
of the room: live messages are not appended to it (they would land out of order);
the live frame flags a bar, "New messages below · Jump to latest", instead.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_htmx.http import reswap

from config.http import AuthedRequest
from rooms import access, selectors, timeline
from rooms import render as fragments
from rooms.views import int_param, render_room_page

# Messages drawn on each side of a permalinked one.
AROUND = 25


@login_required
@require_GET
def message_permalink(request: AuthedRequest, slug: str, message_id: int) -> HttpResponse:
    room = access.room_or_404(slug=slug, user=request.user)
    seq = room.last_seq
    message = selectors.message_in_room(room=room, message_id=message_id)
    if message is None or message.created_seq > seq:
        raise Http404("No such message in this room.")
    before = selectors.message_page(
        room=room, before_id=message.pk + 1, max_seq=seq, limit=AROUND + 1
    )
    after = selectors.message_page_after(
        room=room, after_id=message.pk, max_seq=seq, limit=AROUND
    )
    page = selectors.Page(
        messages=before.messages + after.messages, has_more=before.has_more,
        previous_at=before.previous_at,
    )
    return render_room_page(
        request, room, page=page, seq=seq, history=True, has_newer=after.has_more,
        newest=page.messages[-1], linked_id=message.pk,
    )


@login_required
@require_GET
def messages_newer(request: AuthedRequest, slug: str) -> HttpResponse:
    room = access.room_or_404(slug=slug, user=request.user)
    after_id = int_param(request.GET.get("after"))
    if after_id is None:
        return HttpResponse("Say which message to page forward from.", status=400)
    page = selectors.message_page_after(
        room=room, after_id=after_id, max_seq=room.last_seq, limit=settings.CHAT_PAGE_SIZE
    )
    timeline.mark_days(page.messages, previous=page.previous_at)
    return render(
        request,
        "rooms/room.html#newer",
        {"room": room, "messages": page.messages, "has_newer": page.has_more,
         "newest": page.messages[-1] if page.messages else None},
    )


@login_required
@require_GET
def message_fragment(request: AuthedRequest, slug: str, message_id: int) -> HttpResponse:
    room = access.room_or_404(slug=slug, user=request.user)
    message = selectors.message_in_room(room=room, message_id=message_id)
    if message is None:
        raise Http404("No such message in this room.")
    if request.GET.get("closed"):
        # Cancel in the edit form: the message back, and focus with it.
        return HttpResponse(fragments.edit_closed(message, said="Edit cancelled.", oob=False))
    return HttpResponse(fragments.message_html(message))


@login_required
@require_GET
def message_menu(request: AuthedRequest, message_id: int) -> HttpResponse:
    """The actions menu (React, Reply, Edit, Delete), fetched by its first click, so a
    pushed message carries only its closed 44x44 ``<details>``, which this open one
    replaces. The same for every reader of the room (but the date, in the reader's
    zone): the page's style rule shows Edit and Delete where the reader may use them,
    and the services decide."""
    message = selectors.message_by_id(message_id=message_id)
    if message is None or not access.can_read(room=message.room, user=request.user):
        raise Http404("No such message.")
    return reswap(HttpResponse(fragments.message_menu(message)), "outerHTML")


@login_required
@require_GET
def composer_field(request: AuthedRequest, slug: str) -> HttpResponse:
    """The composer's text field, one line (Enter sends) or several (Enter adds a line,
    Send sends), keeping what was typed: the Multi-line switch, without a script."""
    room = access.room_or_404(slug=slug, user=request.user)
    return render(
        request,
        "rooms/room.html#composer-field",
        {"room": room, "multiline": request.GET.get("lines") == "many",
         "body": request.GET.get("body", "")[: settings.CHAT_MESSAGE_MAX_LENGTH * 2],
         "max_length": settings.CHAT_MESSAGE_MAX_LENGTH},
    )
