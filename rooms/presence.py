"""Who has a room open right now.

Online means "has a connection to the room that heartbeated within the TTL". Each
connection is stored with an expiry where every process sees it (Redis when
``REDIS_URL`` is set, this process's memory otherwise), so a process that dies
without running ``disconnect`` stops counting on its own. One user with several
tabs is one entry in the room's user set.
"""

from __future__ import annotations

import time
from typing import Protocol, cast

import redis.asyncio as aredis
from django.conf import settings

from config.redis_options import redis_prefix
from rooms.redis_clients import async_client, store_for_settings, sync_client

KEY_PREFIX = f"{redis_prefix()}:presence"

# KEYS: room users zset, this user's connections zset. ARGV: now, expires_at,
# connection, user id, ttl in ms. Returns how many users appeared or expired
# (non-zero means the list changed).
_TOUCH = """
local pruned = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
local added = redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return pruned + added
"""

# touch() for many sockets of one room at once (the sweep): one command per room, not
# one per socket. KEYS: room users zset, then each socket's user connections zset.
# ARGV: now, expires_at, ttl in ms, then each socket's connection and user id.
_TOUCH_ROOM = """
local changed = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for j = 1, #KEYS - 1 do
  local key = KEYS[j + 1]
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
  redis.call('ZADD', key, ARGV[2], ARGV[2 + 2 * j])
  redis.call('PEXPIRE', key, ARGV[3])
  changed = changed + redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[3 + 2 * j])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return changed
"""

# KEYS as above. ARGV: now, connection, user id.
_LEAVE = """
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
local pruned = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local left = 0
if redis.call('ZCARD', KEYS[2]) == 0 then
  left = redis.call('ZREM', KEYS[1], ARGV[3])
else
  local top = redis.call('ZRANGE', KEYS[2], 0, 0, 'REV', 'WITHSCORES')
  redis.call('ZADD', KEYS[1], 'XX', top[2], ARGV[3])
end
return pruned + left
"""


class PresenceStore(Protocol):
    async def touch(self, *, room_id: int, user_id: int, connection: str) -> bool: ...
    async def leave(self, *, room_id: int, user_id: int, connection: str) -> bool: ...
    async def user_ids(self, *, room_id: int) -> list[int]: ...
    def user_ids_sync(self, *, room_id: int) -> list[int]: ...


def _ttl() -> float:
    return float(settings.CHAT_PRESENCE_TTL)


class MemoryPresence:
    """One process only: the embedded default with the in-memory channel layer."""

    def __init__(self) -> None:
        self._rooms: dict[int, dict[int, dict[str, float]]] = {}

    def _prune(self, room_id: int, now: float) -> bool:
        users = self._rooms.get(room_id, {})
        changed = False
        for user_id in list(users):
            users[user_id] = {c: exp for c, exp in users[user_id].items() if exp > now}
            if not users[user_id]:
                del users[user_id]
                changed = True
        return changed

    async def touch(self, *, room_id: int, user_id: int, connection: str) -> bool:
        now = time.time()
        changed = self._prune(room_id, now)
        users = self._rooms.setdefault(room_id, {})
        changed |= user_id not in users
        users.setdefault(user_id, {})[connection] = now + _ttl()
        return changed

    async def leave(self, *, room_id: int, user_id: int, connection: str) -> bool:
        now = time.time()
        users = self._rooms.get(room_id, {})
        users.get(user_id, {}).pop(connection, None)
        changed = user_id in users and not users[user_id]
        if changed:
            del users[user_id]
        return self._prune(room_id, now) or changed

    def user_ids_sync(self, *, room_id: int) -> list[int]:
        now = time.time()
        users = self._rooms.get(room_id, {})
        latest = {uid: max(conns.values()) for uid, conns in users.items() if conns}
        # Most recently active first (the latest touch expires last).
        return sorted((uid for uid, exp in latest.items() if exp > now), key=lambda u: -latest[u])

    async def user_ids(self, *, room_id: int) -> list[int]:
        return self.user_ids_sync(room_id=room_id)


class RedisPresence:
    def __init__(self, url: str) -> None:
        self.url = url

    @staticmethod
    def _keys(room_id: int, user_id: int) -> list[str]:
        return [f"{KEY_PREFIX}:{room_id}:users", f"{KEY_PREFIX}:{room_id}:user:{user_id}"]

    async def queue_touch(
        self, client: aredis.Redis | aredis.client.Pipeline, *, room_id: int, user_id: int,
        connection: str,
    ) -> object:
        """Run touch() on ``client``, or add it to a pipeline (the heartbeat's one round trip)."""
        now = time.time()
        ttl = _ttl()
        keys = self._keys(room_id, user_id)
        expiry_ms = int(ttl * 1000) + 5000
        args: list[float | str | int] = [now, now + ttl, connection, user_id, expiry_ms]
        if isinstance(client, aredis.client.Pipeline):
            # EVAL, not a registered script: redis-py checks a pipeline's scripts with a
            # SCRIPT EXISTS round trip of its own before every execute.
            return client.eval(_TOUCH, len(keys), *keys, *args)
        script = async_client(self.url).register_script(_TOUCH)
        return await script(keys=keys, args=args, client=client)

    def queue_touch_room(
        self, pipe: aredis.client.Pipeline, *, room_id: int, sockets: list[tuple[int, str]]
    ) -> None:
        """touch() every ``(user_id, connection)`` of one room, as one command added to a
        pipeline (its reply: non-zero when the room's list changed)."""
        now = time.time()
        ttl = _ttl()
        keys = [self._keys(room_id, 0)[0]]
        args: list[float | str | int] = [now, now + ttl, int(ttl * 1000) + 5000]
        for user_id, connection in sockets:
            keys.append(self._keys(room_id, user_id)[1])
            args += [connection, user_id]
        pipe.eval(_TOUCH_ROOM, len(keys), *keys, *args)

    async def touch(self, *, room_id: int, user_id: int, connection: str) -> bool:
        client = async_client(self.url)
        changed = await self.queue_touch(
            client, room_id=room_id, user_id=user_id, connection=connection
        )
        return bool(changed)

    async def leave(self, *, room_id: int, user_id: int, connection: str) -> bool:
        client = async_client(self.url)
        changed = await client.register_script(_LEAVE)(
            keys=self._keys(room_id, user_id), args=[time.time(), connection, user_id]
        )
        return bool(changed)

    async def user_ids(self, *, room_id: int) -> list[int]:
        key = f"{KEY_PREFIX}:{room_id}:users"
        # Most recently active first: a member's score is when their newest touch expires.
        raw = await async_client(self.url).zrevrangebyscore(key, "+inf", time.time())
        return [int(x) for x in cast("list[bytes]", raw)]

    def user_ids_sync(self, *, room_id: int) -> list[int]:
        key = f"{KEY_PREFIX}:{room_id}:users"
        raw = sync_client(self.url).zrevrangebyscore(key, "+inf", time.time())
        return [int(x) for x in cast("list[bytes]", raw)]


def get_store() -> PresenceStore:
    """The store for the current settings (tests may switch ``REDIS_URL``)."""
    return cast(PresenceStore, store_for_settings("presence", RedisPresence, MemoryPresence))
