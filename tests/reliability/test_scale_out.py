"""Two Daphne processes on one Redis and one database behave as one server."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.redis, pytest.mark.slow]


async def test_users_on_two_processes_see_each_others_changes_and_presence(make_cluster) -> None:  # noqa: ANN001
    cluster = make_cluster("alice", "bob")
    a = cluster.daphne("a")
    b = cluster.daphne("b")
    alice = await cluster.peer("alice", a)
    bob = await cluster.peer("bob", b)

    # Presence crosses processes: each sees both.
    await alice.wait_online(lambda names: sorted(names) == ["alice", "bob"])
    await bob.wait_online(lambda names: sorted(names) == ["alice", "bob"])

    # A message sent on A reaches B, and one sent on B reaches A.
    from_a = await alice.post("Hello from process A")
    assert await bob.wait_for(f'id="msg-{from_a}"')
    from_b = await bob.post("Hello from process B")
    assert await alice.wait_for(f'id="msg-{from_b}"')

    # An edit made on A is seen on B, in place and marked.
    since = len(bob.frames)
    await alice.send(action="edit", message_id=from_a, body="Hello again from A")
    frame = await bob.wait_for(f'id="msg-{from_a}" hx-swap-oob="true"', since=since)
    assert ">Hello again from A<" in frame and "(edited)" in frame
    assert "Hello from process A" not in frame

    # A delete made on B is seen on A as a tombstone.
    since = len(alice.frames)
    await bob.send(action="delete", message_id=from_b)
    frame = await alice.wait_for(f'id="msg-{from_b}" hx-swap-oob="true"', since=since)
    assert "This message was deleted" in frame and "Hello from process B" not in frame

    # Leaving on A (a clean close) is seen on B.
    await alice.close()
    await bob.wait_online(lambda names: names == ["bob"])
