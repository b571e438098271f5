"""The room websocket, through the real ASGI application, on both channel layers."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from rooms import timeline
from rooms.models import Message, Room
from tests.conftest import connect, receive_each, receive_until, send_json

pytestmark = pytest.mark.django_db(transaction=True)


async def _assert_silent(communicator: WebsocketCommunicator, seconds: float = 0.5) -> None:
    """Nothing but presence pushes arrives for ``seconds``.

    (``receive_nothing`` rather than a receive timeout: a timeout cancels the app.)
    """
    while not await communicator.receive_nothing(timeout=seconds):
        frame = await communicator.receive_from()
        assert 'id="presence"' in frame, f"unexpected frame: {frame[:200]}"


async def test_two_users_see_each_others_messages(channel_backend, alice, bob, lobby) -> None:
    async with connect(alice) as ws_a, connect(bob) as ws_b:
        await send_json(ws_a, action="send", body="Hello Bob")
        frame_b = await receive_until(ws_b, "Hello Bob")
        frames_a = [await receive_until(ws_a, "composer-key"), await receive_until(ws_a, "Bob")]
        # The sender gets the same bytes as everyone (rendered once), and its composer
        # a new idempotency key; the text box is not replaced (typing goes on meanwhile).
        assert frame_b in frames_a
        assert 'hx-swap-oob="beforebegin:#live-tail"' in frame_b
        assert ">alice<" in frame_b
        (reset,) = [f for f in frames_a if f != frame_b]
        assert 'id="composer-key"' in reset and 'id="composer-body"' not in reset
        # A message without an action is a plain send.
        await send_json(ws_b, body="Hi Alice")
        assert ">bob<" in await receive_until(ws_a, "Hi Alice")
    assert await Message.objects.filter(body="Hello Bob").acount() == 1


async def test_edits_and_deletes_reach_everyone(channel_backend, alice, bob, lobby) -> None:
    async with connect(alice) as ws_a, connect(bob) as ws_b:
        await send_json(ws_a, body="first draft")
        await receive_until(ws_b, "first draft")
        message = await Message.objects.aget(body="first draft")
        await send_json(ws_a, action="edit", message_id=message.pk, body="final text")
        frame = await receive_until(ws_b, "final text")
        # Replaces the message where it is, and lands out of sight where it is not loaded.
        assert f'<article id="msg-{message.pk}" hx-swap-oob="outerHTML:#msg-{message.pk}' in frame
        assert "(edited)" in frame
        await send_json(ws_a, action="delete", message_id=message.pk)
        frame = await receive_until(ws_b, "This message was deleted")
        assert "final text" not in frame
        await receive_until(ws_a, "This message was deleted")
    row = await Message.objects.aget(pk=message.pk)
    assert row.body == "" and row.deleted_at is not None


BAD_FRAMES = [
    pytest.param("not json at all", "could not be read", id="not-json"),
    pytest.param("[1, 2, 3]", "could not be read", id="json-list"),
    pytest.param('"just a string"', "could not be read", id="json-string"),
    pytest.param(json.dumps({"action": "send", "body": ""}), "Type a message", id="empty"),
    pytest.param(json.dumps({"action": "send", "body": " \n\t "}), "Type a message", id="blank"),
    pytest.param(json.dumps({"body": "x" * 2001}), "at most 2000 characters", id="too-long"),
    pytest.param(json.dumps({"action": "send"}), "Type a message", id="missing-body"),
    pytest.param(json.dumps({"action": "send", "body": 12}), "must be a string", id="body-int"),
    pytest.param(json.dumps({"action": "send", "body": {"a": 1}}), "must be a string", id="body-obj"),
    pytest.param(json.dumps({"action": "shout", "body": "hi"}), "not supported", id="unknown-action"),
    pytest.param(json.dumps({"action": 7, "body": "hi"}), "not supported", id="action-int"),
    pytest.param(json.dumps({"action": "edit", "body": "x"}), "Say which message", id="edit-no-id"),
    pytest.param(
        json.dumps({"action": "edit", "message_id": "abc", "body": "x"}), "not a message id",
        id="edit-id-str",
    ),
    pytest.param(
        json.dumps({"action": "delete", "message_id": 10**30}), "not a message id",
        id="delete-huge-id",
    ),
    pytest.param(
        json.dumps({"action": "delete", "message_id": 1.5}), "not a message id", id="delete-float"
    ),
    pytest.param(
        json.dumps({"action": "delete", "message_id": True}), "not a message id", id="delete-bool"
    ),
    pytest.param(
        json.dumps({"action": "delete", "message_id": 999999}), "not allowed", id="delete-missing"
    ),
    pytest.param(json.dumps({"action": "sync", "after": "soon"}), "sync request", id="sync-bad"),
    pytest.param(json.dumps({"body": "x" * 20000}), "too large", id="huge-frame"),
]


@pytest.mark.parametrize(("frame", "error"), BAD_FRAMES)
async def test_bad_input_gets_an_error_to_the_sender_only(
    alice, bob, lobby, frame, error
) -> None:
    async with connect(alice) as ws_a, connect(bob) as ws_b:
        await ws_a.send_to(text_data=frame)
        reply = await receive_until(ws_a, "composer-error")
        assert error in reply
        assert 'role="alert"' in reply
        await _assert_silent(ws_b)
        # The connection is still usable.
        await send_json(ws_a, body="still here")
        await receive_until(ws_b, "still here")
    assert await Message.objects.acount() == 1


async def test_binary_frames_get_an_error(alice, lobby) -> None:
    async with connect(alice) as ws:
        await ws.send_to(bytes_data=b"\x00\x01")
        assert "could not be read" in await receive_until(ws, "composer-error")


async def test_someone_elses_message_cannot_be_changed(alice, bob, lobby) -> None:
    other_room = await Room.objects.acreate(name="Other", slug="other", creator=bob)
    async with connect(alice) as ws_a, connect(bob) as ws_b:
        await send_json(ws_b, body="words of bob")
        await receive_until(ws_a, "words of bob")
        await receive_each(ws_b, "words of bob", "composer-key")
        bobs = await Message.objects.aget(body="words of bob")
        elsewhere = await Message.objects.acreate(
            room=other_room, author=alice, body="alice elsewhere", seq=1, created_seq=1
        )
        for frame, error in [
            ({"action": "edit", "message_id": bobs.pk, "body": "alice wrote this"}, "not allowed to edit"),
            ({"action": "delete", "message_id": bobs.pk}, "not allowed"),
            ({"action": "edit", "message_id": elsewhere.pk, "body": "moved"}, "not allowed to change"),
            ({"action": "delete", "message_id": elsewhere.pk}, "not allowed to change"),
        ]:
            await send_json(ws_a, **frame)
            # A refused edit is said in its edit form (edit-error-N), a delete above the composer.
            assert error in await receive_until(ws_a, "-error")
        await _assert_silent(ws_b)
    assert (await Message.objects.aget(pk=bobs.pk)).body == "words of bob"
    assert (await Message.objects.aget(pk=elsewhere.pk)).body == "alice elsewhere"


async def test_anonymous_and_unknown_room_are_refused(alice, lobby) -> None:
    anonymous = WebsocketCommunicator(
        application, "/ws/rooms/lobby/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    connected, _ = await anonymous.connect(timeout=5)
    assert not connected
    from tests.conftest import session_cookie_for

    cookie = await database_sync_to_async(session_cookie_for)(alice)
    nowhere = WebsocketCommunicator(
        application, "/ws/rooms/no-such-room/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"cookie", cookie)],
    )
    connected, _ = await nowhere.connect(timeout=5)
    assert not connected


async def test_presence_lists_who_is_here(channel_backend, alice, bob, lobby) -> None:
    async with connect(alice) as ws_a:
        async with connect(bob):
            frame = await receive_until(ws_a, ">bob<")
            assert 'aria-label="Online"' in frame and ">alice<" in frame
        frame = await receive_until(ws_a, 'id="presence"')
        assert ">bob<" not in frame and ">alice<" in frame


async def test_sync_replays_what_the_page_missed(channel_backend, alice, bob, lobby) -> None:
    """A tab that was away sends the newest seq it saw and gets the rest, once each."""
    async with connect(bob) as ws_b:
        for body in ["one", "two", "three"]:
            await send_json(ws_b, body=body)
            await receive_until(ws_b, f">{body}<")
        one = await Message.objects.aget(body="one")
        await send_json(ws_b, action="edit", message_id=one.pk, body="uno")
        await receive_until(ws_b, "uno")
        two = await Message.objects.aget(body="two")
        await send_json(ws_b, action="delete", message_id=two.pk)
        await receive_until(ws_b, "This message was deleted")
    # Alice's page was rendered after "one" (seq 1): she missed seq 2..5.
    async with connect(alice) as ws_a:
        await send_json(ws_a, action="sync", after=1)
        frame = await receive_until(ws_a, 'id="cursor"')
        assert 'value="5"' in frame
        # New to her: "two" (now a tombstone) and "three", appended in order.
        assert frame.startswith('<div hx-swap-oob="beforebegin:#live-tail">')
        assert frame.index(f'id="msg-{two.pk}"') < frame.index(">three<")
        # Already on her page: "one", replaced in place with its edit.
        replaced = frame.index(f'<article id="msg-{one.pk}" hx-swap-oob="outerHTML:#msg-{one.pk}')
        assert replaced > frame.index(">three<") and "uno" in frame[replaced:]
        # Each replaced message comes twice: for pages showing it, and for a page with it
        # open in an edit form (closed with "changed elsewhere").
        assert frame.count("<article") == 4 and frame.count("changed elsewhere") == 1
        # Syncing again from the new position sends nothing more.
        await send_json(ws_a, action="sync", after=5)
        await _assert_silent(ws_a)


async def test_sync_with_a_huge_gap_redraws_the_list(alice, lobby, settings) -> None:
    settings.CHAT_CATCHUP_LIMIT = 3
    settings.CHAT_RATE_LIMIT = 100
    async with connect(alice) as ws:
        for i in range(6):
            await send_json(ws, body=f"m{i}")
            await receive_until(ws, f">m{i}<")
        await send_json(ws, action="sync", after=0)
        frame = await receive_until(ws, 'hx-swap-oob="innerHTML"')
        assert frame.startswith('<div id="messages" hx-swap-oob="innerHTML">')
        assert frame.count("<article") == 6


async def test_out_of_order_events_are_delivered_in_order(alice, bob, lobby) -> None:
    """A live event that arrives before an earlier one waits for it: both are shown, in
    order, once (tests/reliability/test_repair.py: when the earlier never comes)."""
    from channels.layers import get_channel_layer

    from rooms import render

    async with connect(alice) as ws:
        first = await Message.objects.acreate(room=lobby, author=bob, body="early", body_html="<p>early</p>", seq=1, created_seq=1)
        second = await Message.objects.acreate(room=lobby, author=bob, body="late", body_html="<p>late</p>", seq=2, created_seq=2)
        await Room.objects.filter(pk=lobby.pk).aupdate(last_seq=2)
        frame2 = await database_sync_to_async(render.event_frame)(second, append=True)
        frame1 = await database_sync_to_async(render.event_frame)(first, append=True)
        layer = get_channel_layer()
        await layer.group_send(f"room-{lobby.pk}", {"type": "room.event", "seq": 2, "html": frame2})
        await layer.group_send(f"room-{lobby.pk}", {"type": "room.event", "seq": 1, "html": frame1})
        frame = await receive_until(ws, "msg-author")
        assert ">early<" in frame and ">late<" not in frame, frame
        frame = await receive_until(ws, "msg-author")
        assert ">late<" in frame and ">early<" not in frame, frame
        await _assert_silent(ws)  # each shown once


async def test_reactions_and_replies_over_the_socket(alice, bob, lobby) -> None:
    async with connect(alice) as ws_a, connect(bob) as ws_b:
        await send_json(ws_a, body="lunch?")
        await receive_until(ws_b, "lunch?")
        message = await Message.objects.aget(body="lunch?")
        await send_json(ws_b, action="react", message_id=message.pk, emoji="🎉")
        frame = await receive_until(ws_a, 'aria-label="🎉 1: bob"')
        assert f'<article id="msg-{message.pk}" hx-swap-oob="outerHTML:#msg-{message.pk}' in frame
        await receive_until(ws_b, 'aria-label="🎉 1: bob"')
        # Reply: only the asking socket's composer shows "Replying to alice".
        await send_json(ws_b, action="reply", message_id=message.pk)
        frame = await receive_until(ws_b, "Replying to alice")
        assert f'name="reply_to" value="{message.pk}"' in frame and "Cancel reply" in frame
        await send_json(ws_b, action="reply")
        assert "Replying to" not in await receive_until(ws_b, 'id="reply-context"')
        await send_json(ws_b, body="yes!", reply_to=message.pk)
        frame = await receive_until(ws_a, "yes!")
        assert f'class="msg-quote quote-of-{message.pk}' in frame
        await send_json(ws_b, action="react", message_id=message.pk, emoji="🍕")
        await receive_until(ws_b, "Choose one of the reactions offered.")
    reply = await Message.objects.aget(body="yes!")
    assert reply.reply_to_id == message.pk


async def test_a_live_message_after_midnight_brings_its_day_separator(alice, bob, lobby) -> None:
    from datetime import timedelta

    from django.utils import timezone

    bob.time_zone = "Pacific/Kiritimati"  # UTC+14
    await bob.asave()
    await database_sync_to_async(timeline.forget_audience_zones)()
    async with connect(alice) as ws_a:
        await send_json(ws_a, body="late night")
        await receive_until(ws_a, "late night")
        last_night = timezone.now().replace(hour=23, minute=59) - timedelta(days=1)
        await Message.objects.filter(body="late night").aupdate(created_at=last_night)
        await send_json(ws_a, body="good morning")
        frame = await receive_until(ws_a, "good morning")
        # A new day in UTC, so UTC readers see "Today"; in UTC+14 it may be the same day.
        assert '<div class="daysep daysep-live" data-z="' in frame
        zones = frame.split('data-z="', 1)[1].split('"', 1)[0].split()
        assert "UTC" in zones
        assert ">Today<" in frame
        kiritimati = timeline.zone("Pacific/Kiritimati")
        new_day = last_night.astimezone(kiritimati).date() != timezone.now().astimezone(
            kiritimati).date()
        assert ("Pacific/Kiritimati" in zones) == new_day

