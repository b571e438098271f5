"""The room handshake's shared lookup: many sockets, one answer each, a fixed number of
queries for all of them, and the same access rule as every other path."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from config.process_cache import process_cache
from rooms import handshake
from rooms.handshake import Knock, admit_many
from rooms.models import Message
from tests.conftest import connect, send_json, session_cookie_for


def _key(user) -> str:
    cookie = session_cookie_for(user).decode()
    return cookie.split("=", 1)[1]


@pytest.mark.django_db
def test_each_handshake_gets_its_own_answer_from_one_lookup(
    alice, bob, carol, lobby, private_room, django_assert_max_num_queries
) -> None:
    expired = _key(carol)
    Session.objects.filter(session_key=expired).update(expire_date=timezone.now() - timedelta(1))
    knocks = [
        Knock(_key(alice), "lobby"),          # public room
        Knock(_key(alice), "alices-den"),     # her own private room
        Knock(_key(bob), "lobby"),
        Knock(_key(bob), "alices-den"),       # not a member: looks like no room at all
        Knock(_key(bob), "no-such-room"),
        Knock(expired, "lobby"),              # an expired session is nobody
        Knock("not-a-session-key", "lobby"),
        Knock(None, "lobby"),                 # no cookie
    ]
    with django_assert_max_num_queries(4):
        answers = admit_many(knocks)
    got = [(a[0].username, a[1].slug, a[1].viewer_is_member) if a else None for a in answers]
    assert got == [
        ("alice", "lobby", False), ("alice", "alices-den", True), ("bob", "lobby", False),
        None, None, None, None, None,
    ]


@pytest.mark.django_db
def test_the_queries_do_not_grow_with_the_number_of_sockets(
    make_user, lobby, django_assert_max_num_queries
) -> None:
    knocks = [Knock(_key(make_user(f"user{n}")), "lobby") for n in range(60)]
    with django_assert_max_num_queries(4):
        answers = admit_many(knocks)
    assert all(answer is not None for answer in answers)


@pytest.mark.django_db
def test_a_changed_password_or_a_deactivated_account_is_refused(alice, bob, lobby) -> None:
    alice_key, bob_key = _key(alice), _key(bob)
    alice.set_password("a new one entirely")
    alice.save()
    bob.is_active = False
    bob.save()
    assert admit_many([Knock(alice_key, "lobby"), Knock(bob_key, "lobby")]) == [None, None]
    # As Django does on a password change: the stale session is gone, not only refused.
    assert not Session.objects.filter(session_key=alice_key).exists()


@pytest.mark.django_db
def test_someone_just_hung_up_on_for_flooding_is_refused(alice, bob, lobby) -> None:
    process_cache().set(handshake.flood_key(alice.pk), True, timeout=settings.CHAT_RATE_WINDOW)
    try:
        answers = admit_many([Knock(_key(alice), "lobby"), Knock(_key(bob), "lobby")])
    finally:
        process_cache().delete(handshake.flood_key(alice.pk))
    assert answers[0] is None and answers[1] is not None


@pytest.mark.django_db(transaction=True)
async def test_sockets_opening_together_all_open_and_each_is_its_own_user(
    make_user, lobby
) -> None:
    users = [await database_sync_to_async(make_user)(f"crowd{n}") for n in range(12)]
    async with asyncio.timeout(30):
        openings = [connect(user) for user in users]
        sockets = await asyncio.gather(*(opening.__aenter__() for opening in openings))
        try:
            await asyncio.gather(*(
                send_json(socket, action="send", body=f"hi from {user.username}")
                for socket, user in zip(sockets, users, strict=True)
            ))
            # Everyone sees twelve messages, each under its own author's name.
            seen = ""
            while seen.count("hi from crowd") < 12:
                seen += await sockets[0].receive_from(timeout=10)
        finally:
            for opening in openings:
                await opening.__aexit__(None, None, None)
    for user in users:
        assert f"hi from {user.username}" in seen
    authors = await database_sync_to_async(
        lambda: {m.body: m.author.username for m in Message.objects.select_related("author")}
    )()
    assert authors == {f"hi from {user.username}": user.username for user in users}


@pytest.mark.django_db
def test_the_rooms_list_sockets_share_a_lookup_of_users(
    make_user, django_assert_max_num_queries
) -> None:
    people = [make_user(f"reader{n}") for n in range(20)]
    keys: list[str | None] = [_key(person) for person in people] + ["forged", None]
    with django_assert_max_num_queries(2):
        found = handshake.users_many(keys)
    assert [u.username if u else None for u in found] == [p.username for p in people] + [None, None]


@pytest.mark.django_db
def test_sessions_kept_elsewhere_than_the_database_are_read_too(alice) -> None:
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.test import override_settings

    from config.deferred_auth import users_for_sessions

    with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.cache"):
        session = import_module("django.contrib.sessions.backends.cache").SessionStore()
        session[SESSION_KEY] = str(alice.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = alice.get_session_auth_hash()
        session.create()
        found = users_for_sessions({session.session_key, "no-such-session"})
    assert {key: user.username for key, user in found.items()} == {session.session_key: "alice"}
