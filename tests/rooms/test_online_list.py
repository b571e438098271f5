"""The Online list: the most recently active first when it is cut at 100, sorted as
people sort names, and the viewer never left out."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async

from rooms import presence_events
from rooms.presence import MemoryPresence
from tests.conftest import connect, receive_until, session_cookie_for
from users.models import User


def test_the_newest_arrivals_are_listed_first() -> None:
    store = MemoryPresence()

    async def arrive() -> None:
        for user_id in (5, 3, 9):
            await store.touch(room_id=1, user_id=user_id, connection=f"c{user_id}")
            await asyncio.sleep(0.01)

    asyncio.run(arrive())
    assert store.user_ids_sync(room_id=1) == [9, 3, 5]


def test_names_are_sorted_ignoring_case_and_the_newest_kept(db) -> None:
    ids = [User.objects.create(username=name).pk for name in ("bob", "Alice", "carol", "Zed")]
    # Most recent first, as the store gives them; only the first MAX_LISTED are named.
    assert presence_events.online_usernames(ids) == ["Alice", "bob", "carol", "Zed"]
    presence_events.MAX_LISTED, saved = 2, presence_events.MAX_LISTED
    try:
        assert presence_events.online_usernames(ids[::-1]) == ["carol", "Zed"]
    finally:
        presence_events.MAX_LISTED = saved


def test_the_page_shows_you_when_the_list_leaves_you_out(client_for, alice, lobby) -> None:
    html = client_for(alice).get("/rooms/lobby/").content.decode()
    assert 'class="presence-you' in html and "and you, alice" in html
    assert ':not(:has([data-name="alice"])) + .presence-you { display: flex; }' in html



@pytest.mark.django_db(transaction=True)
async def test_a_socket_opening_after_a_push_from_elsewhere_sees_that_push(
    alice, bob, lobby
) -> None:
    """Sockets opening together share a list rendered moments ago. A change made by
    another process (alice's first tab there) arrives here as a push before her second
    tab opens here: that tab must not get the list from before the push."""
    from channels.layers import get_channel_layer
    from channels.testing import WebsocketCommunicator

    from config.asgi import application
    from rooms import render
    from rooms.groups import room_group
    from rooms.presence import get_store

    async with connect(bob) as ws_bob:  # this process renders (and keeps) ['bob']
        await get_store().touch(room_id=lobby.pk, user_id=alice.pk, connection="elsewhere")
        pushed = await database_sync_to_async(render.presence_frame)(users=["alice", "bob"])
        await get_channel_layer().group_send(
            room_group(lobby.pk), {"type": "room.presence", "html": pushed}
        )
        assert 'data-name="alice"' in await receive_until(ws_bob, 'id="presence"')
        cookie = await database_sync_to_async(session_cookie_for)(alice)
        ws_alice = WebsocketCommunicator(application, f"/ws/rooms/{lobby.slug}/", headers=[
            (b"origin", b"http://127.0.0.1"), (b"cookie", cookie),
        ])
        assert (await ws_alice.connect(timeout=5))[0]
        try:
            first = await ws_alice.receive_from(timeout=5)  # alice was online: no new push
            assert 'data-name="alice"' in first and 'data-name="bob"' in first, first
        finally:
            await ws_alice.disconnect()
