"""The room websocket, through the real ASGI application (in-memory layer by default)."""

from __future__ import annotations

import pytest

from rooms.models import Message
from tests.conftest import connect, receive_until, send_json

pytestmark = pytest.mark.django_db(transaction=True)


async def test_two_users_see_each_others_messages(alice, bob, lobby) -> None:  # noqa: ANN001
    async with connect(alice) as ws_a, connect(bob) as ws_b:
        await send_json(ws_a, action="send", body="Hello Bob")
        frame_b = await receive_until(ws_b, "Hello Bob")
        frames_a = [await ws_a.receive_from(timeout=5) for _ in range(2)]
        # The sender gets the same bytes as everyone (rendered once), and its composer
        # is cleared and refocused by an out-of-band swap.
        assert frame_b in frames_a
        assert 'hx-swap-oob="beforeend:#messages"' in frame_b
        assert ">alice<" in frame_b
        (reset,) = [f for f in frames_a if f != frame_b]
        assert 'id="composer-body"' in reset and "autofocus" in reset
    assert await Message.objects.filter(body="Hello Bob").acount() == 1
