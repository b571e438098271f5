"""Presence with several tabs: one user is listed once while any tab is open, and a
clean close of the last tab removes them at once (not after the expiry)."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.reliability.tabs import Tab, eventually, session_context

pytestmark = [pytest.mark.redis, pytest.mark.browser, pytest.mark.slow]


async def test_three_tabs_one_user_listed_once_and_gone_when_the_last_closes(
    make_cluster, browser,
) -> None:
    # The default expiry (40 s): a removal within seconds can only come from the close.
    cluster = make_cluster(
        "alice", "bob", "carol", CHAT_PRESENCE_TTL=None, CHAT_PRESENCE_INTERVAL=None
    )
    a = cluster.daphne("a")
    b = cluster.daphne("b")
    bob = await cluster.peer("bob", b)

    # Three tabs of one browser profile, on two processes.
    tabs = []
    for server in (a, a, b):
        context = await session_context(
            browser, base_url=server.url, session=cluster.users["alice"]["session"]
        )
        tabs.append(await Tab.open(context, cluster.path()))

    await bob.wait_online(lambda names: names == ["alice", "bob"])
    for tab in tabs:
        await eventually(tab.online, lambda names: names == ["alice", "bob"], timeout=10,
                         what="a tab's Online list")

    # Closing one tab keeps alice online: the next change (carol arrives) is pushed
    # with alice still listed, and nothing takes her off afterwards.
    await tabs[0].close()
    await asyncio.sleep(1)
    await cluster.peer("carol", a)
    await bob.wait_online(lambda names: "carol" in names)
    await asyncio.sleep(1)
    assert bob.online == ["alice", "bob", "carol"]
    assert await tabs[2].online() == ["alice", "bob", "carol"]

    # Closing the last two: alice leaves every list at once.
    await tabs[1].close()
    await tabs[2].close()
    closed = time.monotonic()
    gone = await bob.wait_online(lambda names: "alice" not in names, timeout=10)
    assert bob.online == ["bob", "carol"]
    print(f"\nlast tab closed -> gone from the other process's list: {gone - closed:.2f} s")
