"""Idle connections stay open and keep delivering.

Heroku's router cuts a websocket after 55 s without a byte either way; Daphne's pings
(every 20 s in the Procfile) keep it busy. Scaled down: a router that cuts after 5 s,
Daphne pinging every second, eight idle seconds. A second process with the
Procfile's ping interval is the control: behind the same router its idle connection is
cut, so the first one survives because of the pings. Eight seconds is also longer than
redis-py's default 5 s socket timeout, which kills the idle blocking reads of the core
channel layer (the pub/sub layer polls).
"""

from __future__ import annotations

import asyncio

import pytest

from tests.reliability.router import IdleCuttingProxy

pytestmark = [pytest.mark.redis, pytest.mark.slow]

ROUTER_IDLE_TIMEOUT = 5.0
IDLE = 8.0


@pytest.mark.parametrize("layer", ["pubsub", "core"])
async def test_idle_connection_outlives_the_router_timeout_and_still_receives(
    make_cluster, layer: str,
) -> None:
    cluster = make_cluster("alice", "bob", CHANNEL_LAYER=layer)
    pinging = cluster.daphne("pinging", ping_interval=1)
    control = cluster.daphne("procfile-ping")  # the Procfile's 20 s

    async with (
        IdleCuttingProxy(target_port=pinging.port, idle_timeout=ROUTER_IDLE_TIMEOUT) as r1,
        IdleCuttingProxy(target_port=control.port, idle_timeout=ROUTER_IDLE_TIMEOUT) as r2,
    ):
        # Clients that never ping by themselves, like a browser.
        alice = await cluster.peer("alice", pinging, ping_interval=None, url=r1.ws_url(cluster.slug))
        bob = await cluster.peer("bob", control, ping_interval=None)  # direct, no router
        # bob's second tab, through the router: its cut changes nobody's presence.
        bob_routed = await cluster.peer(
            "bob", control, ping_interval=None, url=r2.ws_url(cluster.slug)
        )
        await alice.wait_online(lambda names: names == ["alice", "bob"])
        await asyncio.sleep(1)  # let the join's presence pushes pass
        quiet_from = len(alice.frames)

        await asyncio.sleep(IDLE)

        # The control connection was cut by the router; the pinged one was not.
        assert bob_routed.is_closed and bob_routed.close_code == 1006
        assert len(r2.cuts) == 1 and r1.cuts == []
        assert not alice.is_closed
        assert alice.frames[quiet_from:] == [], "the idle connection was not idle"

        # After eight idle seconds on both processes, a message crosses Redis both ways.
        message_id = await bob.post("still there?")
        await alice.wait_for(f'id="msg-{message_id}"', since=quiet_from)
        reply = await alice.post("still here")
        await bob.wait_for(f'id="msg-{reply}"')
