"""Send, edit and delete: the same services the HTTP views call."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from rooms import frames, render, services
from rooms.actions.base import Socket, cleaned
from rooms.forms import MessageDeleteForm, MessageEditForm, MessageForm


async def send(socket: Socket, data: dict[str, Any]) -> None:
    fields = cleaned(MessageForm, data)
    await database_sync_to_async(services.message_create)(
        room=socket.room, author=socket.user, body=fields["body"],
        reply_to_id=fields["reply_to"], key=fields["key"],
    )
    # Everyone, the sender included, gets the message from the room's broadcast.
    await socket.send_frame(render.composer_reset_frame())
    await socket.typist.stopped()


async def edit(socket: Socket, data: dict[str, Any]) -> None:
    message_id = cleaned(MessageDeleteForm, data)["message_id"]
    try:
        fields = cleaned(MessageEditForm, data)
        message = await database_sync_to_async(services.message_edit)(
            room=socket.room, user=socket.user, message_id=message_id, body=fields["body"],
        )
    except frames.REFUSALS as exc:
        # Said in the edit form, not under the composer; what was typed stays.
        await socket.send_frame(render.edit_error_frame(message_id, frames.error_text(exc)))
        return
    # The form closes now, also when the text was not changed (then nobody is told).
    html = await database_sync_to_async(render.edit_closed)(message, said="Saved.", oob=True)
    await socket.send_frame(html)


async def delete(socket: Socket, data: dict[str, Any]) -> None:
    fields = cleaned(MessageDeleteForm, data)
    await database_sync_to_async(services.message_delete)(
        room=socket.room, user=socket.user, message_id=fields["message_id"]
    )
    await socket.send_frame(render.error_frame(""))
