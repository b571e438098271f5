"""The Online list: the most recently active first when it is cut at 100, sorted as
people sort names, and the viewer never left out."""

from __future__ import annotations

import asyncio

from rooms import presence_events
from rooms.presence import MemoryPresence
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
