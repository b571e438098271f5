"""A socket's heartbeat: refresh its presence and read the room's newest seq.

Two stores, one round trip: on Redis both commands go out in one pipeline (a process
with 5,000 idle sockets makes ~370 heartbeats a second).
"""

from __future__ import annotations

from rooms.presence import RedisPresence, get_store
from rooms.redis_clients import async_client
from rooms.room_seq import RedisRoomSeq, get_seq_store


async def beat(*, room_id: int, user_id: int, connection: str) -> tuple[bool, int]:
    """(presence changed, the room's newest broadcast seq)."""
    presence, seqs = get_store(), get_seq_store()
    if isinstance(presence, RedisPresence) and isinstance(seqs, RedisRoomSeq):
        async with async_client(presence.url).pipeline(transaction=False) as pipe:
            await presence.queue_touch(
                pipe, room_id=room_id, user_id=user_id, connection=connection
            )
            seqs.queue_latest(pipe, room_id=room_id)
            changed, latest = await pipe.execute()
        return bool(changed), int(latest or 0)
    changed = await presence.touch(room_id=room_id, user_id=user_id, connection=connection)
    return changed, await seqs.latest(room_id=room_id)


async def beat_many(
    sockets: list[tuple[int, int, str]], room_ids: list[int]
) -> tuple[set[int], dict[int, int]]:
    """Heartbeats of many sockets ``(room_id, user_id, connection)`` in one pipeline:
    (rooms whose presence changed, each room's newest broadcast seq)."""
    presence, seqs = get_store(), get_seq_store()
    changed: set[int] = set()
    if isinstance(presence, RedisPresence) and isinstance(seqs, RedisRoomSeq):
        # One command per room, not per socket: the sweep's cost in the event loop is
        # building and reading commands.
        by_room: dict[int, list[tuple[int, str]]] = {}
        for room_id, user_id, connection in sockets:
            by_room.setdefault(room_id, []).append((user_id, connection))
        async with async_client(presence.url).pipeline(transaction=False) as pipe:
            for room_id, members in by_room.items():
                presence.queue_touch_room(pipe, room_id=room_id, sockets=members)
            for room_id in room_ids:
                seqs.queue_latest(pipe, room_id=room_id)
            replies = await pipe.execute()
        for room_id, reply in zip(by_room, replies, strict=False):
            if reply:
                changed.add(room_id)
        latest = replies[len(by_room):]
        return changed, {r: int(seq or 0) for r, seq in zip(room_ids, latest, strict=True)}
    for room_id, user_id, connection in sockets:
        if await presence.touch(room_id=room_id, user_id=user_id, connection=connection):
            changed.add(room_id)
    return changed, {r: await seqs.latest(room_id=r) for r in room_ids}
