"""Authentication: only logged-in people get a room socket, and only while logged in."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client

from rooms.models import Message
from tests.conftest import connect, receive_until, send_json, session_cookie_for
from tests.security.conftest import close_code, open_socket

pytestmark = pytest.mark.django_db(transaction=True)

CLOSE_LOGGED_OUT = 4401


@pytest.mark.parametrize(
    "cookie",
    [None, b"sessionid=forged0000000000000000000000000", b"sessionid="],
    ids=["no-cookie", "forged-session", "empty-session"],
)
async def test_anonymous_socket_is_refused_and_hears_nothing(alice, lobby, cookie) -> None:
    anonymous = open_socket(cookie)
    connected, _ = await anonymous.connect(timeout=5)
    assert not connected
    async with connect(alice) as ws_alice:
        await send_json(ws_alice, body="for members only")
        await receive_until(ws_alice, "for members only")
        # Had the refused socket joined the room's group, this would have reached it.
        assert await anonymous.receive_nothing(timeout=0.5)
        # Nobody anonymous shows up as online either.
        page = await sync_to_async(Client().get)("/rooms/lobby/")
        assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    await anonymous.disconnect()


async def test_socket_to_a_room_that_does_not_exist_is_refused(alice, lobby) -> None:
    ws = open_socket(await database_sync_to_async(session_cookie_for)(alice), "no-such-room")
    connected, _ = await ws.connect(timeout=5)
    assert not connected
    await ws.disconnect()


def logged_in_client(cookie: bytes) -> Client:
    """A browser holding exactly this session cookie."""
    name, _, value = cookie.decode().partition("=")
    client = Client()
    client.cookies[name] = value
    return client


async def test_logging_out_closes_that_sessions_sockets_only(alice, lobby) -> None:
    laptop = await database_sync_to_async(session_cookie_for)(alice)
    phone = await database_sync_to_async(session_cookie_for)(alice)
    async with connect(alice, cookie=laptop) as on_laptop, connect(alice, cookie=phone) as on_phone:
        client = logged_in_client(laptop)
        response = await sync_to_async(client.post)("/accounts/logout/")
        assert response.status_code == 302
        assert settings.SESSION_COOKIE_NAME in response.cookies  # the browser's cookie is cleared

        assert await close_code(on_laptop) == CLOSE_LOGGED_OUT

        # The phone's session is still logged in: its socket keeps working.
        await send_json(on_phone, body="still here on my phone")
        await receive_until(on_phone, "still here on my phone")
    assert await Message.objects.filter(author=alice, body="still here on my phone").aexists()

    # The laptop's old cookie no longer opens a socket.
    again = open_socket(laptop)
    connected, _ = await again.connect(timeout=5)
    assert not connected
    await again.disconnect()


async def test_logout_by_get_is_not_possible(alice, lobby) -> None:
    """A link or image on another site cannot log a user out (and close their sockets)."""
    cookie = await database_sync_to_async(session_cookie_for)(alice)
    async with connect(alice, cookie=cookie) as ws:
        client = logged_in_client(cookie)
        await sync_to_async(client.get)("/accounts/logout/")
        await send_json(ws, body="not logged out by a GET")
        await receive_until(ws, "not logged out by a GET")
