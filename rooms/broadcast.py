"""Tell a room what changed: render the fragment once, send the same bytes to everyone.

Called from ``transaction.on_commit`` in services, so only committed rows are announced.
The pushes go out from the event loop (``rooms.publisher``): the database thread that
committed does not wait for them.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.db.models import Prefetch

from rooms import publisher, render
from rooms.groups import activity_group, room_group
from rooms.models import Message
from rooms.room_seq import get_seq_store

logger = logging.getLogger(__name__)


async def _send_both(room_id: int, event: dict[str, object], activity: dict[str, object]) -> None:
    layer = get_channel_layer()
    await layer.group_send(room_group(room_id), event)
    await layer.group_send(activity_group(room_id), activity)


def _send(room_id: int, event: dict[str, object], activity: dict[str, object]) -> None:
    if get_channel_layer() is None:
        return
    if publisher.hand_off(room_id, lambda: _send_both(room_id, event, activity)):
        return
    try:
        async_to_sync(_send_both)(room_id, event, activity)
    except Exception:
        # The row is saved; a client that misses this push catches up by seq.
        logger.exception("broadcast to room %s failed", room_id)


def _note(room_id: int, seq: int) -> None:
    """Where every process's heartbeats look for events their sockets never got: raised
    after the room's pushes (handed to the same publisher, so in that order)."""
    store = get_seq_store()
    if publisher.hand_off(room_id, lambda: store.note(room_id=room_id, seq=seq)):
        return
    try:
        store.note_sync(room_id=room_id, seq=seq)
    except Exception:
        logger.exception("noting seq %s of room %s failed", seq, room_id)


def _publish(message: Message, *, append: bool) -> None:
    html = render.event_frame(message, append=append)
    # The members' inbox sockets hear which message changed and by whom, not its HTML.
    activity = {
        "type": "inbox.message", "room_id": message.room_id, "seq": message.seq,
        "created_seq": message.created_seq, "author_id": message.author_id,
        "mentions": [user.pk for user in message.mentioned],  # type: ignore[attr-defined]
        "new": append,
        "at": message.room.last_activity_at.timestamp(),
    }
    _send(message.room_id, {"type": "room.event", "seq": message.seq, "html": html}, activity)
    _note(message.room_id, message.seq)


def message_created(message: Message) -> None:
    """``message`` as just saved, with its room, author, ``mentioned``, ``reacted`` and
    ``previous_at`` in hand (rooms.services.message_create): nothing is read again."""
    _publish(message, append=True)


def message_changed(message_id: int) -> None:
    message = (
        Message.objects.select_related("author", "room")
        .prefetch_related(Prefetch(
            "mentions", queryset=get_user_model().objects.only("id"), to_attr="mentioned"
        ))
        .filter(pk=message_id).first()
    )
    if message is not None:
        _publish(message, append=False)
