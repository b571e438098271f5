"""The room socket reads and types: read state written in batches, "is typing…" pushes."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack, contextmanager

import pytest
from channels.db import database_sync_to_async
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

from rooms import services
from rooms.models import Membership, Room
from tests.conftest import add_members, connect, receive_until, send_json
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fast(settings) -> None:
    settings.CHAT_READ_FLUSH_INTERVAL = 0.2
    settings.CHAT_TYPING_TTL = 0.6
    settings.CHAT_TYPING_MIN_GAP = 0.3


def _seq(room: Room) -> int:
    return Room.objects.values_list("last_seq", flat=True).get(pk=room.pk)


def _read_seq(room: Room, user: User) -> int:
    return Membership.objects.values_list("last_read_seq", flat=True).get(room=room, user=user)


async def test_an_open_socket_reads_what_it_shows(channel_backend, fast, alice, bob, lobby) -> None:
    await database_sync_to_async(add_members)(lobby, alice, bob)
    async with connect(bob) as ws:
        for n in range(3):
            await database_sync_to_async(services.message_create)(
                room=lobby, author=alice, body=f"news {n}"
            )
            await receive_until(ws, f"news {n}")
        await asyncio.sleep(0.5)  # one flush interval, and a margin
        assert await database_sync_to_async(_read_seq)(lobby, bob) == 3
        # The last one, and leaving at once: written when the socket closes.
        await database_sync_to_async(services.message_create)(room=lobby, author=alice, body="bye")
        await receive_until(ws, "bye")
    assert await database_sync_to_async(_read_seq)(lobby, bob) == 4


class Writes(list[str]):
    """The writes counted, and a way to count the current thread's connections too."""

    watch_this_thread: Callable[[], None]


@contextmanager
def counting_writes() -> Iterator[Writes]:
    """Every INSERT/UPDATE/DELETE any thread's database connection runs meanwhile.

    Connections that already exist in other threads (the database thread keeps its own)
    are counted once that thread calls ``watch_this_thread``."""
    writes = Writes()
    lock = threading.Lock()
    watched: list[BaseDatabaseWrapper] = []

    def wrapper(execute, sql, params, many, context):
        if sql.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            with lock:
                writes.append(sql)
        return execute(sql, params, many, context)

    def install(sender, connection, **kwargs) -> None:
        with lock:
            if wrapper not in connection.execute_wrappers:
                connection.execute_wrappers.append(wrapper)
                watched.append(connection)

    def watch_this_thread() -> None:
        for conn in connections.all(initialized_only=True):
            install(None, conn)

    writes.watch_this_thread = watch_this_thread
    connection_created.connect(install)
    watch_this_thread()
    try:
        yield writes
    finally:
        connection_created.disconnect(install)
        for conn in watched:  # whichever thread they belong to
            if wrapper in conn.execute_wrappers:
                conn.execute_wrappers.remove(wrapper)


def _members(room: Room, count: int) -> list[User]:
    users = User.objects.bulk_create(User(username=f"member{n}") for n in range(count))
    add_members(room, *users)
    return users


async def _writes_for_one_message(room: Room, members: list[User], author: User) -> list[str]:
    async with AsyncExitStack() as stack:
        sockets = []
        for start in range(0, len(members), 10):  # 10 handshakes at a time (the admission limit)
            sockets += await asyncio.gather(*(
                stack.enter_async_context(connect(user, room.slug))
                for user in members[start : start + 10]
            ))
        await asyncio.sleep(0.5)  # the connections' own read notes are written
        with counting_writes() as writes:
            # Counted in the thread the services and the sockets' writes run in, too.
            await database_sync_to_async(writes.watch_this_thread)()
            await database_sync_to_async(services.message_create)(
                room=room, author=author, body="one message"
            )
            for ws in sockets:
                await receive_until(ws, "one message", timeout=10)
            await asyncio.sleep(0.6)  # every socket's read position is written
            result = list(writes)
    return result


async def test_one_message_to_200_members_costs_as_few_writes_as_to_2(
    fast, settings, alice, lobby
) -> None:
    """With 200 members online, one message must not cause 200 writes."""
    from config.redis_options import caches_for, channel_layers_for

    settings.CHANNEL_LAYERS, settings.CACHES = channel_layers_for(""), caches_for("")
    settings.REDIS_URL = ""  # one process: the in-memory layer keeps this test quick
    big = await database_sync_to_async(_members)(lobby, 200)
    small_room = await Room.objects.acreate(name="Small", slug="small")
    await database_sync_to_async(add_members)(small_room, *big[:2])
    small = await _writes_for_one_message(small_room, big[:2], alice)
    many = await _writes_for_one_message(lobby, big, alice)
    # The message (room seq, insert), then one batched read-state update for everyone.
    assert len(many) == len(small) <= 4, many
    seq = await database_sync_to_async(_seq)(lobby)
    assert await Membership.objects.filter(room=lobby, last_read_seq=seq).acount() == 200


async def test_typing_shows_for_others_goes_away_and_never_for_the_typist(
    channel_backend, fast, alice, bob, carol, lobby
) -> None:
    async with connect(alice) as ws_a, connect(bob) as ws_b:
        await send_json(ws_a, action="typing")
        frame = await receive_until(ws_b, 'id="typing"')
        assert "alice is typing…" in frame
        # The same bytes reach alice; her page's rule hides the sentence that names her
        # (she is in data-typists) and shows her own, empty one.
        assert frame == await receive_until(ws_a, 'id="typing"')
        assert f'data-typists=" {alice.pk} "' in frame and f'data-for="{alice.pk}"></p>' in frame
        # A second frame at once is ignored (server limit); bob typing too:
        await send_json(ws_a, action="typing")
        await send_json(ws_b, action="typing")
        frame = await receive_until(ws_a, "are typing…")
        assert "alice and bob are typing…" in frame
        assert f'data-for="{alice.pk}">bob is typing…' in frame
        assert f'data-for="{bob.pk}">alice is typing…' in frame
        # Bob sends: his name goes at once.
        await send_json(ws_b, action="send", body="done typing")
        frame = await receive_until(ws_a, 'id="typing"')
        assert "alice is typing…" in frame and "bob" not in frame
        # Alice stops: gone after the time-out, with no message.
        await receive_until(ws_b, '<div id="typing" hx-swap-oob="innerHTML"></div>', timeout=3)

        async with connect(carol) as ws_c:
            for ws in (ws_a, ws_b, ws_c):
                await send_json(ws, action="typing")
            frame = await receive_until(ws_a, "Several people are typing…")
            # Onlookers read "Several people"; each of the three reads the other two.
            mine = re.search(f'data-for="{alice.pk}">([^<]*)<', frame)
            assert mine and "bob" in mine[1] and "carol" in mine[1] and "alice" not in mine[1]
