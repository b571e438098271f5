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


async def _two_messages_held_back(lobby, bob, monkeypatch) -> tuple[list, list]:
    """Two messages saved, their room events kept back (to be delivered by the test)."""
    held: list[dict] = []
    monkeypatch.setattr(broadcast, "_send", lambda room_id, event, activity: held.append(event))
    messages = [
        await database_sync_to_async(services.message_create)(room=lobby, author=bob, body=body)
        for body in ("first of two", "second of two")
    ]
    monkeypatch.undo()
    return messages, held


async def test_an_event_ahead_of_the_one_before_it_waits_for_it(alice, bob, lobby, monkeypatch) -> None:
    """With two processes, the event for seq n+1 may reach a socket after n+2 (each process
    publishes its own). The socket holds n+2 a moment; n+1 arrives; both are sent in order,
    as they came, with no read of the database."""
    from channels.layers import get_channel_layer

    from rooms.groups import room_group

    async with connect(alice) as ws:
        (first, second), (first_event, second_event) = await _two_messages_held_back(
            lobby, bob, monkeypatch
        )
        layer = get_channel_layer()
        await layer.group_send(room_group(lobby.pk), second_event)
        await asyncio.sleep(0.05)
        await layer.group_send(room_group(lobby.pk), first_event)
        frame = await receive_until(ws, "of two", timeout=5)
        assert f'id="msg-{first.pk}"' in frame and f'id="msg-{second.pk}"' not in frame
        frame = await receive_until(ws, "of two", timeout=5)
        assert f'id="msg-{second.pk}"' in frame and f'id="msg-{first.pk}"' not in frame


async def test_a_held_event_whose_predecessor_never_comes_brings_both(
    alice, bob, lobby, monkeypatch, settings
) -> None:
    from channels.layers import get_channel_layer

    from rooms.groups import room_group

    settings.CHAT_REORDER_WAIT = 0.2
    async with connect(alice) as ws:
        (first, second), (_, second_event) = await _two_messages_held_back(
            lobby, bob, monkeypatch
        )
        await get_channel_layer().group_send(room_group(lobby.pk), second_event)
        frame = await receive_until(ws, "of two", timeout=5)  # read from the database
        assert frame.index(f'id="msg-{first.pk}"') < frame.index(f'id="msg-{second.pk}"')
        assert await ws.receive_nothing(timeout=0.5)  # and nothing twice
