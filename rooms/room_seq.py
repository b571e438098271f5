"""The room's newest broadcast seq, where every process can read it.

``rooms.broadcast`` raises it after each event it publishes; each socket's heartbeat
reads it to notice an event the channel layer never delivered (at-most-once), even in a
quiet room where no later event reveals the gap. Redis when ``REDIS_URL`` is set, this
process's memory otherwise. Only ever raised; it expires a day after the last event
(a socket that finds 0 simply has nothing to repair).
"""

from __future__ import annotations

from typing import Protocol, cast

import redis.asyncio as aredis

from config.redis_options import redis_prefix
from rooms.redis_clients import async_client, store_for_settings, sync_client

KEY_PREFIX = f"{redis_prefix()}:seq"
EXPIRY = 24 * 60 * 60

# KEYS: the room's seq. ARGV: seq, expiry in s.
_RAISE = """
if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
"""


class RoomSeqStore(Protocol):
    def note_sync(self, *, room_id: int, seq: int) -> None: ...
    async def note(self, *, room_id: int, seq: int) -> None: ...
    async def latest(self, *, room_id: int) -> int: ...


class MemoryRoomSeq:
    """One process only: the embedded default with the in-memory channel layer."""

    def __init__(self) -> None:
        self._seqs: dict[int, int] = {}

    def note_sync(self, *, room_id: int, seq: int) -> None:
        self._seqs[room_id] = max(seq, self._seqs.get(room_id, 0))

    async def note(self, *, room_id: int, seq: int) -> None:
        self.note_sync(room_id=room_id, seq=seq)

    async def latest(self, *, room_id: int) -> int:
        return self._seqs.get(room_id, 0)


class RedisRoomSeq:
    def __init__(self, url: str) -> None:
        self.url = url

    @staticmethod
    def key(room_id: int) -> str:
        return f"{KEY_PREFIX}:{room_id}"

    def note_sync(self, *, room_id: int, seq: int) -> None:
        sync_client(self.url).eval(_RAISE, 1, self.key(room_id), seq, EXPIRY)

    async def note(self, *, room_id: int, seq: int) -> None:
        await async_client(self.url).eval(_RAISE, 1, self.key(room_id), seq, EXPIRY)

    def queue_latest(self, pipe: aredis.client.Pipeline, *, room_id: int) -> None:
        """Add the read to a pipeline (the heartbeat's one round trip)."""
        pipe.get(self.key(room_id))

    async def latest(self, *, room_id: int) -> int:
        return int(await async_client(self.url).get(self.key(room_id)) or 0)


def get_seq_store() -> RoomSeqStore:
    """The store for the current settings (tests may switch ``REDIS_URL``)."""
    return cast(RoomSeqStore, store_for_settings("room_seq", RedisRoomSeq, MemoryRoomSeq))
