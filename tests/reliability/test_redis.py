"""Redis going away: idle connections closed by the server, and a restart.

These run on a private Redis, since they close its connections or kill it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.reliability.processes import HOST, RedisServer

pytestmark = [pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def idle_closing_redis(tmp_path: Path) -> Iterator[str]:
    """A Redis that closes clients idle for 1 s (Heroku Redis: 300 s by default)."""
    server = RedisServer(tmp_path, "--timeout", "1")
    try:
        yield f"redis://{HOST}:{server.start().port}/0"
    finally:
        server.stop()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    try:
        yield server.start()
    finally:
        server.stop()


async def test_redis_closing_idle_connections_loses_nothing(
    idle_closing_redis: str, make_cluster,
) -> None:
    cluster = make_cluster("alice", "bob", "carol", REDIS_URL=idle_closing_redis)
    a = cluster.daphne("a")
    b = cluster.daphne("b")
    alice = await cluster.peer("alice", a)
    bob = await cluster.peer("bob", b)
    await bob.wait_online(lambda names: names == ["alice", "bob"])
    watcher = redis.Redis.from_url(idle_closing_redis)
    connected = watcher.info("clients")["connected_clients"]

    await asyncio.sleep(4)
    # Redis hung up on the servers' idle pooled connections (publishing, presence, cache).
    assert watcher.info("clients")["connected_clients"] < connected

    # Messages still cross processes both ways, and presence still updates.
    message_id = await bob.post("after Redis hung up")
    await alice.wait_for(f'id="msg-{message_id}"')
    reply = await alice.post("got it")
    await bob.wait_for(f'id="msg-{reply}"')
    await cluster.peer("carol", a)
    await bob.wait_online(lambda names: names == ["alice", "bob", "carol"])


async def test_a_redis_restart_pauses_the_chat_and_it_resumes_by_itself(
    private_redis: RedisServer, make_cluster,
) -> None:
    cluster = make_cluster(
        "alice", "bob", "carol", REDIS_URL=f"redis://{HOST}:{private_redis.port}/0",
        CHAT_PRESENCE_TTL="6", CHAT_PRESENCE_INTERVAL="2",
    )
    a = cluster.daphne("a")
    b = cluster.daphne("b")
    alice = await cluster.peer("alice", a)
    bob = await cluster.peer("bob", b)
    await bob.wait_online(lambda names: names == ["alice", "bob"])

    private_redis.kill()
    # Sending fails visibly while Redis is away; the sockets stay open.
    since = len(bob.frames)
    await bob.send(action="send", body="while Redis is down")
    error = await bob.wait_for('id="composer-error"', since=since)
    assert "Something went wrong on our side; nothing was changed." in error
    await asyncio.sleep(2)
    assert not alice.is_closed and not bob.is_closed

    private_redis.start()  # same port, empty
    back = time.monotonic()
    # Without anyone reconnecting: messages cross processes again (one published
    # before a process has resubscribed reaches its sockets at their next heartbeat),
    # and presence, rebuilt by the heartbeats, updates again.
    message_id = await bob.post("after Redis came back", timeout=30)
    await alice.wait_for(f'id="msg-{message_id}"')
    print(f"\n[measure] Redis back -> first message on the other process: "
          f"{time.monotonic() - back:.2f} s")
    reply = await alice.post("welcome back")
    await bob.wait_for(f'id="msg-{reply}"')
    await cluster.peer("carol", a)
    await bob.wait_online(lambda names: names == ["alice", "bob", "carol"], timeout=30)
    assert not any(">while Redis is down<" in f for f in alice.frames + bob.frames)
