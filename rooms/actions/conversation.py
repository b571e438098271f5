"""React to a message, and pick the message to reply to."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError

from rooms import reactions, render, selectors, services
from rooms.actions.base import Socket, cleaned
from rooms.forms import ReactForm, ReplyForm


async def react(socket: Socket, data: dict[str, Any]) -> None:
    fields = cleaned(ReactForm, data)
    # Everyone, the reactor included, sees the change through the room's broadcast.
    await database_sync_to_async(reactions.reaction_toggle)(
        room=socket.room, user=socket.user,
        message_id=fields["message_id"], emoji=fields["emoji"],
    )


async def reply(socket: Socket, data: dict[str, Any]) -> None:
    """Show "Replying to <author>" above this socket's composer (no id: cancel)."""
    message_id = cleaned(ReplyForm, data)["message_id"]
    await socket.send_frame(await database_sync_to_async(_reply_frame)(socket, message_id))


def _reply_frame(socket: Socket, message_id: int | None) -> str:
    if message_id is None:
        return render.reply_frame(None)
    message = selectors.message_in_room(room=socket.room, message_id=message_id)
    if message is None or message.is_deleted:
        raise ValidationError(services.REPLY_GONE)
    return render.reply_frame(message)
