"""A room event lost on its way to a socket reaches it anyway, even in a quiet room.

The channel layer delivers at most once (a process resubscribing to Redis misses what is
published meanwhile). Here the broadcast of one change is dropped on purpose; the open
socket must still show it, at its next heartbeat, exactly once.
"""

from __future__ import annotations

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
