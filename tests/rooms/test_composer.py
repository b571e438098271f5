"""The composer's key makes a send idempotent; edits answer in their own form; a socket
whose session ends says so before it closes."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.test import Client

from rooms import services
from rooms.models import Message
from tests.conftest import connect, receive_until, send_json, session_cookie_for


def test_the_same_send_again_posts_nothing(alice, lobby) -> None:
    first = services.message_create(room=lobby, author=alice, body="hello", key="k1")
    again = services.message_create(room=lobby, author=alice, body="hello", key="k1")
    assert again.pk == first.pk
    # Typed and sent before the page had its next key: a different message.
    services.message_create(room=lobby, author=alice, body="next thought", key="k1")
    # Without a key (an old page), every send is a message.
    services.message_create(room=lobby, author=alice, body="hello")
    services.message_create(room=lobby, author=alice, body="hello")
    bodies = list(Message.objects.order_by("id").values_list("body", flat=True))
    assert bodies == ["hello", "next thought", "hello", "hello"]
    assert lobby.__class__.objects.get(pk=lobby.pk).last_seq == 4


@pytest.mark.django_db(transaction=True)
async def test_a_repeated_send_over_the_socket_posts_once(alice, lobby) -> None:
    async with connect(alice) as ws:
        for _ in range(2):  # a double click, or a resend queued while reconnecting
            await send_json(ws, action="send", body="only once", key="abc123")
            reset = await receive_until(ws, 'id="composer-key"')
            assert 'value="abc123"' not in reset  # a fresh key for the next message
    assert await Message.objects.filter(body="only once").acount() == 1


@pytest.mark.django_db(transaction=True)
async def test_edit_answers_go_to_the_edit_form(alice, lobby) -> None:
    message = await database_sync_to_async(services.message_create)(
        room=lobby, author=alice, body="as it was"
    )
    async with connect(alice) as ws:
        await send_json(ws, action="edit", message_id=message.pk, body="  ")
        refused = await receive_until(ws, f'id="edit-error-{message.pk}"')
        assert "Type a message before sending." in refused
        assert "composer-error" not in refused
        # Saved unchanged: nothing to tell anyone, but the form closes, focus stays there.
        await send_json(ws, action="edit", message_id=message.pk, body="as it was")
        closed = await receive_until(ws, "autofocus")
        assert f'hx-swap-oob="outerHTML:#messages #msg-{message.pk}"' in closed
        assert "as it was" in closed and "editing" not in closed


@pytest.mark.django_db(transaction=True)
async def test_a_socket_whose_session_ended_says_so_then_closes(alice, lobby) -> None:
    cookie = await database_sync_to_async(session_cookie_for)(alice)
    async with connect(alice, cookie=cookie) as ws:
        client = Client()
        name, _, value = cookie.decode().partition("=")
        client.cookies[name] = value
        await sync_to_async(client.post)("/accounts/logout/")
        frame = await receive_until(ws, "session-ended")
        assert "Your session has ended." in frame
        assert 'href="/accounts/login/?next=/rooms/lobby/"' in frame
        assert (await ws.receive_output(timeout=5))["code"] == 4401


def test_the_page_asks_about_its_session_when_its_socket_closes(alice, lobby, client_for) -> None:
    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver/rooms/lobby/"}
    assert client_for(alice).get("/rooms/-/session/", headers=headers).status_code == 204
    ended = Client().get("/rooms/-/session/", headers=headers)
    assert ended.status_code == 200
    assert "Your session has ended." in ended.content.decode()
    assert "next=/rooms/lobby/" in ended.content.decode()
    # The page's sockets leave it (htmx would retry a refused handshake for ever): on the
    # rooms list the inbox's; on a room page the room's too, what it shows kept as it is.
    assert '<i id="inbox-socket" hx-swap-oob="delete">' in ended.content.decode()
    assert 'id="room"' not in ended.content.decode()
    ended = Client().get("/rooms/-/session/?sockets=room", headers=headers).content.decode()
    assert '<div id="room" hx-swap-oob="outerHTML"' in ended and "ws-connect" not in ended
    assert '<div id="room-body" hx-preserve>' in ended
