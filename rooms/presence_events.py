"""Render and push a room's presence list when it changes.

Changes are coalesced per room and process for a moment, so a burst of joins
(a deploy reconnecting everyone) costs one render and one push, not one per join.
"""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from rooms import render
from rooms.groups import room_group
from rooms.presence import get_store
from users.models import User

logger = logging.getLogger(__name__)

COALESCE_SECONDS = 0.2
MAX_LISTED = 100

_pending: dict[tuple[int, int], asyncio.Task] = {}


def online_usernames(user_ids: list[int]) -> list[str]:
    """Usernames of the first MAX_LISTED users online, sorted (one query). A deactivated
    account is never listed, even while a socket of theirs is still closing."""
    return list(
        User.objects.filter(pk__in=user_ids[:MAX_LISTED], is_active=True)
        .order_by("username")
        .values_list("username", flat=True)
    )


def _render(user_ids: list[int]) -> str:
    names = online_usernames(user_ids)
    return render.presence_frame(users=names, extra=max(0, len(user_ids) - MAX_LISTED))


async def presence_html(room_id: int) -> str:
    user_ids = await get_store().user_ids(room_id=room_id)
    return await database_sync_to_async(_render)(user_ids)


def schedule_presence_broadcast(room_id: int) -> None:
    loop = asyncio.get_running_loop()
    key = (id(loop), room_id)
    task = _pending.get(key)
    if task is not None and not task.done():
        return
    _pending[key] = loop.create_task(_broadcast_later(key, room_id))


async def _broadcast_later(key: tuple[int, int], room_id: int) -> None:
    await asyncio.sleep(COALESCE_SECONDS)
    # Changes from here on schedule a new push; this one reads the state now.
    _pending.pop(key, None)
    try:
        html = await presence_html(room_id)
        await get_channel_layer().group_send(
            room_group(room_id), {"type": "room.presence", "html": html}
        )
    except Exception:
        logger.exception("presence broadcast for room %s failed", room_id)
