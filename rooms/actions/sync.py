"""``sync``: sent by the page each time its socket opens, with the newest seq it has."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from rooms.actions.base import Socket
from rooms.forms import SyncForm

ERROR_SYNC = "That sync request could not be read."


async def sync(socket: Socket, data: dict[str, Any]) -> None:
    form = SyncForm(data=data)
    if not form.is_valid():
        raise ValidationError(ERROR_SYNC)
    await socket.sync(form.cleaned_data["after"])
