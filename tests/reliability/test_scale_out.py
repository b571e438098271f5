"""Several Daphne processes on one Redis and one database behave as one server."""

from __future__ import annotations

import pytest
import requests

from tests.reliability.processes import Databases

pytestmark = [pytest.mark.redis, pytest.mark.slow]


@pytest.mark.parametrize("layer", ["pubsub", "core"])
async def test_users_on_two_processes_see_each_others_changes_and_presence(
    make_cluster, layer: str,
) -> None:
    cluster = make_cluster("alice", "bob", CHANNEL_LAYER=layer)
    a = cluster.daphne("a")
    b = cluster.daphne("b")
    alice = await cluster.peer("alice", a)
    bob = await cluster.peer("bob", b)

    # Presence crosses processes: each sees both.
    await alice.wait_online(lambda names: names == ["alice", "bob"])
    await bob.wait_online(lambda names: names == ["alice", "bob"])

    # A message sent on A reaches B, and one sent on B reaches A.
    from_a = await alice.post("Hello from process A")
    assert await bob.wait_for(f'id="msg-{from_a}"')
    from_b = await bob.post("Hello from process B")
    assert await alice.wait_for(f'id="msg-{from_b}"')

    # An edit made on A is seen on B, in place and marked.
    since = len(bob.frames)
    await alice.send(action="edit", message_id=from_a, body="Hello again from A")
    frame = await bob.wait_for(f'id="msg-{from_a}" hx-swap-oob="outerHTML', since=since)
    assert ">Hello again from A<" in frame and "(edited)" in frame
    assert "Hello from process A" not in frame

    # A delete made on B is seen on A as a tombstone.
    since = len(alice.frames)
    await bob.send(action="delete", message_id=from_b)
    frame = await alice.wait_for(f'id="msg-{from_b}" hx-swap-oob="outerHTML', since=since)
    assert "This message was deleted" in frame and "Hello from process B" not in frame

    # Leaving on A (a clean close) is seen on B.
    await alice.close()
    await bob.wait_online(lambda names: names == ["bob"])


@pytest.mark.postgres
async def test_servers_recover_when_their_database_connections_are_killed(
    make_cluster, databases: Databases, production_env: dict[str, str],
) -> None:
    """PostgreSQL restarts and failovers cut every connection: long-lived consumers
    must not keep using a dead one. Production settings, so through the connection pool,
    whose idle connections are the ones cut."""
    if not databases.postgres:
        pytest.fail("This test needs PostgreSQL: set DATABASE_URL=postgres://...")
    import psycopg

    cluster = make_cluster("alice", "bob", **production_env)
    a = cluster.daphne("a")
    alice = await cluster.peer("alice", a)
    bob = await cluster.peer("bob", a)
    first = await alice.post("before the database restart")
    await bob.wait_for(f'id="msg-{first}"')

    database = cluster.env["DATABASE_URL"].rsplit("/", 1)[1]
    with psycopg.connect(databases.admin_url, autocommit=True) as admin:
        cut = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()", [database],
        ).fetchall()
    # The pool keeps connections open between uses (without it, none would be left).
    assert cut, "no server connection was open: is the production pool off?"

    # The same sockets keep working: a new message, an edit, and a page load.
    second = await bob.post("after the database restart")
    await alice.wait_for(f'id="msg-{second}"')
    since = len(bob.frames)
    await alice.send(action="edit", message_id=first, body="edited after the restart")
    await bob.wait_for(">edited after the restart<", since=since)
    page = requests.get(
        a.url + cluster.path(), timeout=15,
        cookies={"sessionid": cluster.users["alice"]["session"]},
    )
    assert page.status_code == 200 and "after the database restart" in page.text
