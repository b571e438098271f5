"""Render and push a room's presence list when it changes.

Changes are coalesced per room and process for a moment, so a burst of joins
(a deploy reconnecting everyone) costs one render and one push, not one per join.
A socket that opens gets the list this process rendered for its room moments ago
(``recent_presence_html``): any change since then is pushed to it anyway.
"""

from __future__ import annotations

import asyncio
import logging
import time

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from rooms import render
from rooms.groups import room_group
from rooms.presence import get_store
from users.models import User

logger = logging.getLogger(__name__)

COALESCE_SECONDS = 0.2
# While changes keep coming (a restart reconnecting a whole room, 50 joins in a second or
# two), the push waits for a quiet moment, but goes out at least this often: each push
# is the whole list to every socket in the room, so one per join would cost the room
# size squared in frames just when the process is busiest.
MAX_DELAY_SECONDS = 3.0
MAX_LISTED = 100

# A list rendered this recently is good enough for a socket that just opened, unless the
# room's presence changed since: a change here, or a push from any process arriving here,
# forgets it (a socket that joins after that push would otherwise keep the older list).
RECENT_SECONDS = 2.0

_pending: dict[tuple[int, int], asyncio.Task] = {}
_last_change: dict[tuple[int, int], float] = {}
_recent: dict[tuple[int, int], tuple[float, str]] = {}
_rendering: dict[tuple[int, int], asyncio.Future[str]] = {}
_forgotten_at: dict[tuple[int, int], float] = {}


def online_usernames(user_ids: list[int]) -> list[str]:
    """Usernames of the MAX_LISTED most recently active users online (``user_ids`` come
    most recent first: a newcomer is listed), sorted as people sort, ignoring case (one
    query). A deactivated account is never listed, even while a socket is still closing."""
    names = User.objects.filter(pk__in=user_ids[:MAX_LISTED], is_active=True).values_list(
        "username", flat=True
    )
    return sorted(names, key=lambda name: (name.casefold(), name))


def _render(user_ids: list[int]) -> str:
    names = online_usernames(user_ids)
    return render.presence_frame(users=names, extra=max(0, len(user_ids) - MAX_LISTED))


async def presence_html(room_id: int) -> str:
    read_at = time.monotonic()
    user_ids = await get_store().user_ids(room_id=room_id)
    html = await database_sync_to_async(_render)(user_ids)
    _remember((id(asyncio.get_running_loop()), room_id), read_at, html)
    return html


def forget_recent(room_id: int) -> None:
    """The room's presence changed: the next socket to open renders the list afresh."""
    key = (id(asyncio.get_running_loop()), room_id)
    _recent.pop(key, None)
    _rendering.pop(key, None)  # a render under way may predate the change
    _forgotten_at[key] = time.monotonic()


def _remember(key: tuple[int, int], read_at: float, html: str) -> None:
    if read_at < _forgotten_at.get(key, 0.0):
        return  # read before a change it does not show
    if len(_forgotten_at) > 1000:  # a render takes milliseconds: old marks are spent
        for old in [k for k, at in _forgotten_at.items() if read_at - at > RECENT_SECONDS]:
            del _forgotten_at[old]
    if len(_recent) > 1000:  # rooms nobody opened lately
        for old in [k for k, (at, _) in _recent.items() if read_at - at > RECENT_SECONDS]:
            del _recent[old]
    _recent[key] = (read_at, html)


async def recent_presence_html(room_id: int) -> str:
    """The room's list as rendered at most RECENT_SECONDS ago; sockets opening at the
    same moment share one render (a restart reconnects a whole room at once)."""
    key = (id(asyncio.get_running_loop()), room_id)
    hit = _recent.get(key)
    if hit is not None and time.monotonic() - hit[0] < RECENT_SECONDS:
        return hit[1]
    rendering = _rendering.get(key)
    if rendering is None:
        rendering = _rendering[key] = asyncio.ensure_future(presence_html(room_id))
        rendering.add_done_callback(lambda _: _rendering.pop(key, None))
    return await asyncio.shield(rendering)


def schedule_presence_broadcast(room_id: int, *, forget: bool = True) -> None:
    """Push the room's list to its sockets in a moment (coalesced with other changes).

    ``forget=False`` for a socket's own arrival: the sockets opening next may still be
    given the list rendered moments ago, since this push follows them (they are in the
    room's group by then). In a reconnect storm that is one render per push instead of
    one per socket; a newcomer sees itself listed within ``COALESCE_SECONDS`` (at most
    ``MAX_DELAY_SECONDS`` while people keep arriving)."""
    if forget:
        forget_recent(room_id)
    loop = asyncio.get_running_loop()
    key = (id(loop), room_id)
    _last_change[key] = loop.time()
    task = _pending.get(key)
    if task is not None and not task.done():
        return
    _pending[key] = loop.create_task(_broadcast_later(key, room_id))


async def _broadcast_later(key: tuple[int, int], room_id: int) -> None:
    loop = asyncio.get_running_loop()
    first = loop.time()
    await asyncio.sleep(COALESCE_SECONDS)
    while (
        loop.time() - _last_change.get(key, 0.0) < COALESCE_SECONDS
        and loop.time() - first < MAX_DELAY_SECONDS
    ):
        await asyncio.sleep(COALESCE_SECONDS)
    # Changes from here on schedule a new push; this one reads the state now.
    _pending.pop(key, None)
    _last_change.pop(key, None)
    try:
        html = await presence_html(room_id)
        await get_channel_layer().group_send(
            room_group(room_id), {"type": "room.presence", "html": html}
        )
    except Exception:
        logger.exception("presence broadcast for room %s failed", room_id)
