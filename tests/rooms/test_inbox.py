"""The inbox socket, ``/ws/inbox/``: the live rooms list, through the real ASGI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from rooms import readstate, services
from rooms.models import Membership, Room
from tests.conftest import add_members, receive_until, session_cookie_for

pytestmark = pytest.mark.django_db(transaction=True)


@asynccontextmanager
async def inbox(user, query: str = "", origin: bytes = b"http://127.0.0.1"
                ) -> AsyncIterator[WebsocketCommunicator]:
    from config.asgi import application

    cookie = await database_sync_to_async(session_cookie_for)(user)
    communicator = WebsocketCommunicator(
        application, f"/ws/inbox/{query}", headers=[(b"origin", origin), (b"cookie", cookie)]
    )
    connected, _ = await communicator.connect(timeout=5)
    try:
        assert connected, "the inbox handshake was refused"
        yield communicator
    finally:
        await communicator.disconnect()


@pytest.fixture
def rooms(alice, bob) -> tuple[Room, Room]:
    book_club = Room.objects.create(name="Book club", slug="book-club", kind=Room.Kind.PRIVATE)
    garden = Room.objects.create(name="Garden", slug="garden")
    add_members(book_club, alice, bob)
    add_members(garden, alice, bob)
    return book_club, garden


say = database_sync_to_async(services.message_create)


async def test_counts_go_up_move_to_the_top_and_clear_when_read(channel_backend, alice, bob, rooms) -> None:
    book_club, garden = rooms
    await say(room=garden, author=alice, body="newest room")
    async with inbox(bob) as ws:
        # Every (re)connect redraws both lists: that is the catch-up.
        redraw = await receive_until(ws, 'id="your-rooms" hx-swap-oob="innerHTML"')
        assert 'aria-label="Garden, 1 unread"' in redraw
        assert redraw.index("Garden") < redraw.index("Book club")  # newest activity first
        assert "<title>" not in redraw and "(1) Rooms · Chatrooms" in redraw

        await say(room=book_club, author=alice, body="hi @bob")
        frame = await receive_until(ws, "Book club")
        # Moved to the top of its list, with its count and the @ badge.
        assert f'<li id="room-item-{book_club.pk}" hx-swap-oob="delete:#room-item-{book_club.pk}, ' in frame
        assert 'hx-swap-oob="afterbegin:#your-rooms"' in frame
        assert 'aria-label="Book club, 1 unread, mentioned"' in frame
        assert "(2) Rooms · Chatrooms" in frame

        # Bob's own message moves the room up without counting.
        await say(room=garden, author=bob, body="mine")
        frame = await receive_until(ws, "Garden")
        assert 'aria-label="Garden, 1 unread"' in frame

        # Read in another tab: the count goes.
        await database_sync_to_async(readstate.read_mark)(
            room_id=book_club.pk, user_id=bob.pk, seq=(await Room.objects.aget(pk=book_club.pk)).last_seq
        )
        frame = await receive_until(ws, "Book club")
        assert 'aria-label="Book club"' in frame and 'hx-swap-oob="true"' in frame

        # A deleted unread message no longer counts.
        message = await say(room=garden, author=alice, body="oops")
        assert 'aria-label="Garden, 2 unread"' in await receive_until(ws, "Garden")
        await database_sync_to_async(services.message_delete)(
            room=garden, user=alice, message_id=message.pk
        )
        assert 'aria-label="Garden, 1 unread"' in await receive_until(ws, "Garden")


async def test_rooms_appear_and_disappear(channel_backend, alice, bob, carol, rooms) -> None:
    from rooms.direct import conversation_start
    from rooms.membership import member_add, member_remove

    book_club, _ = rooms
    await Room.objects.filter(pk=book_club.pk).aupdate(creator=alice)
    book_club = await Room.objects.aget(pk=book_club.pk)
    async with inbox(carol) as ws:
        assert "Book club" not in await receive_until(ws, 'id="your-rooms"')
        await database_sync_to_async(member_add)(room=book_club, by=alice, username="carol")
        frame = await receive_until(ws, "Book club")
        assert 'hx-swap-oob="afterbegin:#your-rooms"' in frame
        await database_sync_to_async(member_remove)(room=book_club, by=alice, user_id=carol.pk)
        frame = await receive_until(ws, 'hx-swap-oob="delete:')
        assert f'id="room-item-{book_club.pk}"' in frame and "Book club" not in frame
        # Gone for good: its messages no longer reach this socket.
        await say(room=book_club, author=alice, body="after carol left")
        assert await ws.receive_nothing(timeout=0.5)
        # A direct conversation someone starts with carol appears at once too.
        await database_sync_to_async(conversation_start)(user=bob, usernames=["carol"])
        frame = await receive_until(ws, "afterbegin:#direct-rooms")
        assert 'aria-label="bob"' in frame
    assert await Membership.objects.filter(user=carol).acount() == 1


async def test_the_room_a_page_shows_never_counts(channel_backend, alice, bob, rooms) -> None:
    book_club, garden = rooms
    async with inbox(bob, "?room=book-club") as ws:
        assert "Book club · Chatrooms" in await receive_until(ws, 'id="your-rooms"')
        await say(room=book_club, author=alice, body="read as it arrives")
        frame = await receive_until(ws, "Book club")
        assert 'aria-label="Book club"' in frame and 'aria-current="page"' in frame
        await say(room=garden, author=alice, body="elsewhere")
        assert "(1) Book club · Chatrooms" in await receive_until(ws, "Garden")


async def test_the_inbox_needs_a_session_and_our_origin(channel_backend, bob) -> None:
    from config.asgi import application

    anonymous = WebsocketCommunicator(
        application, "/ws/inbox/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    assert (await anonymous.connect(timeout=5))[0] is False
    cookie = await database_sync_to_async(session_cookie_for)(bob)
    foreign = WebsocketCommunicator(
        application, "/ws/inbox/", headers=[(b"origin", b"https://evil.example"), (b"cookie", cookie)]
    )
    assert (await foreign.connect(timeout=5))[0] is False


async def test_a_busy_room_redraws_its_row_a_few_times_a_second_with_the_latest_count(
    alice, bob, rooms, settings
) -> None:
    """Twenty messages in quick succession: bob's list does not redraw the row twenty times
    (a busy room would cost every member with a list open a render per message); it ends
    with the right count, and the tab's title with it."""
    import time

    from rooms.inbox_consumer import COALESCE_SECONDS

    _, garden = rooms
    settings.CHAT_RATE_LIMIT = 100
    async with inbox(bob) as ws:
        await receive_until(ws, 'id="your-rooms"')
        started = time.monotonic()
        for n in range(20):
            await say(room=garden, author=alice, body=f"message {n}")
        sending = time.monotonic() - started
        frames = []
        while not await ws.receive_nothing(timeout=1):
            frames.append(await ws.receive_from())
    garden_frames = [f for f in frames if "Garden" in f]
    # The first at once, then at most one per quarter second while messages kept coming.
    assert 1 <= len(garden_frames) <= 2 + sending / COALESCE_SECONDS, (len(garden_frames), sending)
    if sending < 4:
        assert len(garden_frames) < 20  # not one per message
    assert 'aria-label="Garden, 20 unread"' in garden_frames[-1]
    assert "(20) Rooms · Chatrooms" in garden_frames[-1]
