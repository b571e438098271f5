"""A room event lost on its way to a socket reaches it anyway, even in a quiet room.

The channel layer delivers at most once (a process resubscribing to Redis misses what is
published meanwhile). Here the broadcast of one change is dropped on purpose; the open
socket must still show it, at its next heartbeat, exactly once.
"""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async

from rooms import broadcast, services
from tests.conftest import connect, receive_until

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_dropped_room_event_arrives_at_the_next_heartbeat(
    alice, bob, lobby, channel_backend, settings, monkeypatch,
) -> None:
    settings.CHAT_PRESENCE_INTERVAL = 1
    async with connect(alice) as ws:
        sent = broadcast._send
        monkeypatch.setattr(broadcast, "_send", lambda *args: None)  # lost
        message = await database_sync_to_async(services.message_create)(
            room=lobby, author=bob, body="lost on the way"
        )
        monkeypatch.setattr(broadcast, "_send", sent)

        frame = await receive_until(ws, "lost on the way", timeout=5)
        assert f'id="msg-{message.pk}"' in frame and "beforebegin:#live-tail" in frame

        # Once: the next change arrives live, and the repaired one is not sent again.
        await database_sync_to_async(services.message_create)(
            room=lobby, author=bob, body="delivered live"
        )
        frame = await receive_until(ws, "delivered live", timeout=5)
        assert "lost on the way" not in frame


async def test_a_socket_behind_with_its_events_on_the_way_is_not_redrawn(
    alice, bob, lobby, settings,
) -> None:
    """Under load a socket lags: its events wait in its queue. The sweep must not take
    that for loss: a repair past the catch-up limit redraws the list, and every message
    older than its one page would never be shown live (the load benchmark counted them
    lost). The socket gets each message by its own event, and no redraw."""
    from rooms.models import Message
    from rooms.sweep import get_sweep

    settings.CHAT_CATCHUP_LIMIT = 5
    settings.CHAT_RATE_LIMIT = 100
    async with connect(alice) as ws:
        (socket,) = get_sweep().rooms[lobby.pk]
        async with socket.delivering:  # the socket is busy: its events queue up
            for n in range(12):
                await database_sync_to_async(services.message_create)(
                    room=lobby, author=bob, body=f"queued {n}"
                )
            sweep = asyncio.ensure_future(get_sweep().sweep())  # sees the socket behind
            await asyncio.sleep(0.2)
        await sweep
        frames = [await receive_until(ws, f"queued {n}<") for n in range(12)]
        assert not any('id="messages" hx-swap-oob="innerHTML"' in f for f in frames)
        assert await Message.objects.filter(room=lobby).acount() == 12
