"""``sync``: sent by the page each time its socket opens, with the newest seq it has."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied, ValidationError

from rooms import access
from rooms.actions.base import Socket
from rooms.forms import SyncForm

ERROR_SYNC = "That sync request could not be read."


async def sync(socket: Socket, data: dict[str, Any]) -> None:
    form = SyncForm(data=data)
    if not form.is_valid():
        raise ValidationError(ERROR_SYNC)
    # History is read here: re-check, for a member removed a moment ago (no query for
    # public rooms).
    if not await database_sync_to_async(access.can_read)(room=socket.room, user=socket.user):
        raise PermissionDenied(access.NOT_A_MEMBER)
    await socket.sync(form.cleaned_data["after"])
