"""Who is typing in a room: "alice is typing…", rendered once per change for the room.

Each typist is stored with an expiry (``CHAT_TYPING_TTL`` after their latest typing
frame) where every process sees it: a Redis sorted set when ``REDIS_URL`` is set, this
process's memory otherwise. Whoever changes the set (a first frame, a message sent, the
typist's socket noticing the expiry) renders ``#typing`` once and sends it to the room.
The fragment holds one sentence for onlookers and one for each typist without their own
name; a page-level rule written for each viewer shows the right one, so nobody ever
reads that they themselves are typing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from config.redis_options import redis_prefix
from rooms import render
from rooms.groups import room_group
from rooms.redis_clients import async_client

logger = logging.getLogger(__name__)

KEY_PREFIX = f"{redis_prefix()}:typing"

# KEYS: the room's typists zset. ARGV: now, expires_at (0: remove), member.
# Returns {changed, members...}: whether the set of typists changed, and who types now.
_UPDATE = """
local changed = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if ARGV[3] ~= '' then
  if tonumber(ARGV[2]) > 0 then
    changed = changed + redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
    redis.call('PEXPIRE', KEYS[1], 60000)
  else
    changed = changed + redis.call('ZREM', KEYS[1], ARGV[3])
  end
end
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
table.insert(members, 1, changed)
return members
"""

TypistName = tuple[int, str]  # (user id, the name shown: display name, else username)


class TypingStore(Protocol):
    async def update(
        self, *, room_id: int, member: str, expires_at: float
    ) -> tuple[bool, list[str]]: ...


class MemoryTyping:
    def __init__(self) -> None:
        self.rooms: dict[int, dict[str, float]] = {}

    async def update(
        self, *, room_id: int, member: str, expires_at: float
    ) -> tuple[bool, list[str]]:
        now = time.time()
        typists = self.rooms.setdefault(room_id, {})
        before = set(typists)  # expired ones too: they were shown until now
        for m in [m for m, exp in typists.items() if exp <= now]:
            del typists[m]
        if member and expires_at > 0:
            typists[member] = expires_at
        elif member:
            typists.pop(member, None)
        return set(typists) != before, sorted(typists, key=typists.__getitem__)


class RedisTyping:
    def __init__(self, url: str) -> None:
        self.url = url

    async def update(
        self, *, room_id: int, member: str, expires_at: float
    ) -> tuple[bool, list[str]]:
        client = async_client(self.url)
        result = await client.eval(
            _UPDATE, 1, f"{KEY_PREFIX}:{room_id}", time.time(), expires_at, member
        )
        return bool(int(result[0])), [m.decode() for m in result[1:]]


_stores: dict[str, TypingStore] = {}


def get_store() -> TypingStore:
    url = settings.REDIS_URL or ""
    store = _stores.get(url)
    if store is None:
        store = _stores[url] = RedisTyping(url) if url else MemoryTyping()
    return store


def _member(user_id: int, username: str) -> str:
    return f"{user_id}:{username}"


def _typists(members: list[str]) -> list[TypistName]:
    return [(int(uid), name) for uid, _, name in (m.partition(":") for m in members)]


async def _publish(room_id: int, members: list[str]) -> None:
    html = await sync_to_async(render.typing_frame)(_typists(members))
    await get_channel_layer().group_send(room_group(room_id), {"type": "room.typing", "html": html})


async def typing_start(*, room_id: int, user_id: int, username: str) -> None:
    """``user_id`` typed: listed for ``CHAT_TYPING_TTL`` seconds from now."""
    changed, members = await get_store().update(
        room_id=room_id, member=_member(user_id, username),
        expires_at=time.time() + settings.CHAT_TYPING_TTL,
    )
    if changed:
        await _publish(room_id, members)


async def typing_stop(*, room_id: int, user_id: int, username: str) -> None:
    """``user_id`` sent their message (or left): no longer typing."""
    changed, members = await get_store().update(
        room_id=room_id, member=_member(user_id, username), expires_at=0
    )
    if changed:
        await _publish(room_id, members)


async def typing_expire(*, room_id: int) -> None:
    """Drop typists whose time ran out, and tell the room if anyone was dropped."""
    changed, members = await get_store().update(room_id=room_id, member="", expires_at=0)
    if changed:
        await _publish(room_id, members)


class Typist:
    """One socket's typing: frames closer than ``CHAT_TYPING_MIN_GAP`` are ignored (the
    client sends one every 3 s at most; this is the server's own limit, apart from the
    message rate limit), and the socket drops its user from the list when their time
    runs out, or at once when they send or leave."""

    def __init__(self, *, room_id: int, user_id: int, username: str) -> None:
        self.room_id, self.user_id, self.username = room_id, user_id, username
        self.last = float("-inf")
        self.timer: asyncio.Task[None] | None = None

    async def typed(self) -> None:
        now = time.monotonic()
        if now - self.last < settings.CHAT_TYPING_MIN_GAP:
            return
        self.last = now
        await typing_start(room_id=self.room_id, user_id=self.user_id, username=self.username)
        if self.timer is not None:
            self.timer.cancel()
        self.timer = asyncio.get_running_loop().create_task(self._expire_later())

    async def _expire_later(self) -> None:
        await asyncio.sleep(settings.CHAT_TYPING_TTL + 0.1)
        try:
            await typing_expire(room_id=self.room_id)
        except Exception:
            logger.exception("typing expiry in room %s failed", self.room_id)

    async def stopped(self) -> None:
        """The user sent a message or left: no longer typing (if they were)."""
        if self.timer is None:
            return
        self.timer.cancel()
        self.timer, self.last = None, float("-inf")
        await typing_stop(room_id=self.room_id, user_id=self.user_id, username=self.username)
