"""Removal is immediate: the removed person's sockets to that room close with 4403 (a
code htmx does not retry), after telling the page why, and nothing of the room reaches
them afterwards. Deactivating an account closes all its sockets. Frames a removed
member manages to send before the close change nothing and reveal nothing."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from rooms import membership, services
from rooms.models import Membership, Message, Room
from tests.conftest import add_members, connect, receive_until, send_json
from tests.security.conftest import close_code, frames_until_quiet, next_error
from tests.security.html import error_text

pytestmark = pytest.mark.django_db(transaction=True)

GONE = "You are no longer a member of this room."
CLOSE_NOT_A_MEMBER = 4403


def snapshot() -> list[tuple[object, ...]]:
    messages = Message.objects.order_by("pk").values_list("pk", "body", "edited_at", "deleted_at")
    return [*messages, *Room.objects.order_by("pk").values_list("pk", "last_seq")]


async def assert_closed_for_good(ws) -> None:
    assert await next_error(ws) == GONE
    assert await close_code(ws) == CLOSE_NOT_A_MEMBER


async def test_removal_closes_that_rooms_sockets_only(alice, bob, lobby, private_room) -> None:
    await database_sync_to_async(add_members)(private_room, bob)
    slug = private_room.slug
    async with (
        connect(alice, slug) as ws_alice,
        connect(bob, slug) as tab_one,
        connect(bob, slug) as tab_two,
        connect(bob, "lobby") as bob_in_lobby,
    ):
        await database_sync_to_async(membership.member_remove)(
            room=private_room, by=alice, user_id=bob.pk
        )
        for tab in (tab_one, tab_two):
            await assert_closed_for_good(tab)
        await send_json(ws_alice, action="send", body="said after bob was removed")
        await receive_until(ws_alice, "said after bob was removed")
        for tab in (tab_one, tab_two):
            assert await tab.receive_nothing(timeout=0.3), "a removed member heard the room"
        # His other rooms are not affected.
        await send_json(bob_in_lobby, action="send", body="still here")
        await receive_until(bob_in_lobby, "still here")


async def test_leaving_in_another_tab_closes_this_one(alice, bob, private_room) -> None:
    await database_sync_to_async(add_members)(private_room, bob)
    async with connect(bob, private_room.slug) as tab:
        await database_sync_to_async(membership.room_leave)(room=private_room, user=bob)
        await assert_closed_for_good(tab)


async def test_deactivation_closes_every_socket_and_leaves_online(
    alice, bob, lobby, private_room
) -> None:
    await database_sync_to_async(add_members)(private_room, bob)
    async with (
        connect(alice, "lobby") as watcher,
        connect(bob, "lobby") as bob_in_lobby,
        connect(bob, private_room.slug) as bob_in_private,
    ):
        await receive_until(watcher, "bob")  # bob is listed Online

        def deactivate() -> None:
            bob.is_active = False
            bob.save()  # what the admin's change form does

        await database_sync_to_async(deactivate)()
        for ws in (bob_in_lobby, bob_in_private):
            assert await close_code(ws) == CLOSE_NOT_A_MEMBER
        presence = await receive_until(watcher, 'id="presence"')
        assert ">bob<" not in presence and ">alice<" in presence


async def test_frames_from_a_removed_member_change_and_reveal_nothing(
    alice, bob, private_room
) -> None:
    """Frames sent in the moment between the removal and the close of the socket."""
    await database_sync_to_async(add_members)(private_room, bob)
    own = await database_sync_to_async(services.message_create)(
        room=private_room, author=bob, body="bob wrote this"
    )
    await database_sync_to_async(services.message_create)(
        room=private_room, author=alice, body="what alice said before"
    )
    async with connect(bob, private_room.slug) as ws:
        await frames_until_quiet(ws)
        # Removed without the event reaching this socket yet.
        await Membership.objects.filter(room=private_room, user=bob).adelete()
        before = await database_sync_to_async(snapshot)()
        for frame in [
            {"action": "send", "body": "still talking"},
            {"action": "edit", "message_id": own.pk, "body": "rewritten"},
            {"action": "delete", "message_id": own.pk},
            {"action": "sync", "after": 0},
        ]:
            await send_json(ws, **frame)
            frames = await frames_until_quiet(ws)
            assert [text for text in map(error_text, frames) if text] == [GONE], frame
            assert not any("alice said" in f or "msg-" in f for f in frames)
        assert await database_sync_to_async(snapshot)() == before
