"""Who has a room open right now.

Online means "has a connection to the room that heartbeated within the TTL". Each
connection is stored with an expiry where every process sees it (Redis when
``REDIS_URL`` is set, this process's memory otherwise), so a process that dies
without running ``disconnect`` stops counting on its own. One user with several
tabs is one entry in the room's user set.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from typing import Protocol

from django.conf import settings

from config.redis_options import redis_connection_options, redis_prefix

KEY_PREFIX = f"{redis_prefix()}:presence"

# KEYS: room users zset, this user's connections zset, the room's newest broadcast seq.
# ARGV: now, expires_at, connection, user id, ttl in ms. Returns how many users
# appeared or expired (non-zero means the list changed) and the room's newest seq, so a
# heartbeat is one round trip.
_TOUCH = """
local pruned = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
local added = redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {pruned + added, tonumber(redis.call('GET', KEYS[3]) or '0')}
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


# KEYS: the room's newest broadcast seq. ARGV: seq, expiry in s. Only ever raised.
_NOTE_SEQ = """
if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
"""
SEQ_EXPIRY = 24 * 60 * 60


class PresenceStore(Protocol):
    async def touch(self, *, room_id: int, user_id: int, connection: str) -> bool: ...
    # touch(), plus the room's newest broadcast seq: (presence changed, newest seq).
    async def heartbeat(
        self, *, room_id: int, user_id: int, connection: str
    ) -> tuple[bool, int]: ...
    async def leave(self, *, room_id: int, user_id: int, connection: str) -> bool: ...
    async def user_ids(self, *, room_id: int) -> list[int]: ...
    def user_ids_sync(self, *, room_id: int) -> list[int]: ...
    # The newest room event broadcast, so a heartbeat can notice one its socket never got.
    def note_seq_sync(self, *, room_id: int, seq: int) -> None: ...


def _ttl() -> float:
    return float(settings.CHAT_PRESENCE_TTL)


class MemoryPresence:
    """One process only: the embedded default with the in-memory channel layer."""

    def __init__(self) -> None:
        self._rooms: dict[int, dict[int, dict[str, float]]] = {}
        self._seqs: dict[int, int] = {}

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
        return sorted(uid for uid, conns in users.items() if any(e > now for e in conns.values()))

    async def user_ids(self, *, room_id: int) -> list[int]:
        return self.user_ids_sync(room_id=room_id)

    async def heartbeat(
        self, *, room_id: int, user_id: int, connection: str
    ) -> tuple[bool, int]:
        changed = await self.touch(room_id=room_id, user_id=user_id, connection=connection)
        return changed, self._seqs.get(room_id, 0)

    def note_seq_sync(self, *, room_id: int, seq: int) -> None:
        self._seqs[room_id] = max(seq, self._seqs.get(room_id, 0))



class RedisPresence:
    def __init__(self, url: str) -> None:
        self.url = url
        self._async_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._sync_client = None

    def _client(self):  # noqa: ANN202
        import redis.asyncio as aredis

        loop = asyncio.get_running_loop()
        client = self._async_clients.get(loop)
        if client is None:
            # A blocking pool waits for a free connection instead of raising when
            # hundreds of sockets connect at once.
            pool = aredis.BlockingConnectionPool.from_url(
                self.url, max_connections=50, timeout=20, **redis_connection_options(self.url)
            )
            client = aredis.Redis(connection_pool=pool)
            client.touch_script = client.register_script(_TOUCH)
            client.leave_script = client.register_script(_LEAVE)
            self._async_clients[loop] = client
        return client

    def _sync(self):  # noqa: ANN202
        import redis

        if self._sync_client is None:
            pool = redis.BlockingConnectionPool.from_url(
                self.url, max_connections=20, timeout=20, **redis_connection_options(self.url)
            )
            self._sync_client = redis.Redis(connection_pool=pool)
        return self._sync_client

    @staticmethod
    def _keys(room_id: int, user_id: int) -> list[str]:
        return [f"{KEY_PREFIX}:{room_id}:users", f"{KEY_PREFIX}:{room_id}:user:{user_id}"]

    async def heartbeat(
        self, *, room_id: int, user_id: int, connection: str
    ) -> tuple[bool, int]:
        now = time.time()
        ttl = _ttl()
        client = self._client()
        changed, latest = await client.touch_script(
            keys=[*self._keys(room_id, user_id), f"{KEY_PREFIX}:{room_id}:seq"],
            args=[now, now + ttl, connection, user_id, int(ttl * 1000) + 5000],
        )
        return bool(changed), int(latest)

    async def touch(self, *, room_id: int, user_id: int, connection: str) -> bool:
        changed, _ = await self.heartbeat(room_id=room_id, user_id=user_id, connection=connection)
        return changed

    async def leave(self, *, room_id: int, user_id: int, connection: str) -> bool:
        client = self._client()
        changed = await client.leave_script(
            keys=self._keys(room_id, user_id), args=[time.time(), connection, user_id]
        )
        return bool(changed)

    async def user_ids(self, *, room_id: int) -> list[int]:
        key = f"{KEY_PREFIX}:{room_id}:users"
        raw = await self._client().zrangebyscore(key, time.time(), "+inf")
        return sorted(int(x) for x in raw)

    def user_ids_sync(self, *, room_id: int) -> list[int]:
        raw = self._sync().zrangebyscore(f"{KEY_PREFIX}:{room_id}:users", time.time(), "+inf")
        return sorted(int(x) for x in raw)

    def note_seq_sync(self, *, room_id: int, seq: int) -> None:
        self._sync().eval(_NOTE_SEQ, 1, f"{KEY_PREFIX}:{room_id}:seq", seq, SEQ_EXPIRY)



_store: PresenceStore | None = None
_store_url: str | None = None


def get_store() -> PresenceStore:
    """The store for the current settings (tests may switch ``REDIS_URL``)."""
    global _store, _store_url
    url = settings.REDIS_URL
    if _store is None or _store_url != url:
        _store = RedisPresence(url) if url else MemoryPresence()
        _store_url = url
    return _store
