"""``/mentions/``: the messages that mention you, newest first, in rooms you can still read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from config.http import AuthedRequest
from rooms import access, unread

MENTIONS_SHOWN = 50


@login_required
@require_GET
def mentions(request: AuthedRequest) -> HttpResponse:
    found = unread.mentions_of(
        request.user, rooms=access.readable_rooms(request.user), limit=MENTIONS_SHOWN
    )
    return render(request, "rooms/mentions.html", {"mentions": found})
