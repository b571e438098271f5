"""Floods and oversized frames: the flooder gets a clear error, everyone else carries on.

The per-user message limit (CHAT_RATE_LIMIT per CHAT_RATE_WINDOW seconds) lives in
Django's cache, which is Redis when REDIS_URL is set, so every process counts against
the same budget. Daphne's own frame cap is set in the Procfile; the consumer refuses
anything bigger than CHAT_MAX_FRAME_BYTES with an error and keeps the socket.
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import time

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client
from websockets.exceptions import ConnectionClosed, InvalidStatus

from rooms import services
from rooms.consumers import CLOSE_FLOODING, ERROR_FLOODING
from rooms.frames import ERROR_TOO_LARGE, FRAMES_PER_MESSAGE
from rooms.models import Message
from tests import harness
from tests.conftest import PASSWORD, connect, receive_until, send_json, session_cookie_for
from tests.security.conftest import (
    forget_rate_limit,
    frames_until_quiet,
    next_error,
    open_socket,
)
from tests.security.html import error_text, find
from tests.security.live import (
    Inbox,
    procfile_daphne,
    redis_server,
    ws_connect,
)
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)

TOO_QUICKLY = "You are sending messages too quickly"
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def bodies_of(user: User) -> list[str]:
    return list(Message.objects.filter(author=user).order_by("pk").values_list("body", flat=True))


async def frames_until(ws, *, answers: int, messages: int) -> list[str]:
    """Frames until this many answers to sends and message pushes came, and then quiet."""
    frames: list[str] = []
    while (
        sum('id="composer-error"' in f for f in frames) < answers
        or sum('id="msg-' in f for f in frames) < messages
    ):
        frames.append(await ws.receive_from(timeout=10))
    return frames + await frames_until_quiet(ws)


# ----------------------------------------------------------------- the message rate limit
async def test_a_flood_is_cut_at_the_limit_and_only_the_flooder_hears_it(
    alice, bob, lobby
) -> None:
    assert (settings.CHAT_RATE_LIMIT, settings.CHAT_RATE_WINDOW) == (10, 10)
    async with connect(bob) as ws_bob, connect(alice) as ws_alice:
        await frames_until_quiet(ws_bob)
        for n in range(15):
            await send_json(ws_alice, body=f"flood {n}")
        # Every send is answered (a composer reset or an error); each saved one is pushed.
        to_alice = await frames_until(ws_alice, answers=15, messages=10)
        to_bob = await frames_until(ws_bob, answers=0, messages=10)

        errors = [error_text(f) for f in to_alice if error_text(f)]
        assert len(errors) == 5
        assert all(re.fullmatch(rf"{TOO_QUICKLY}\. Try again in \d+ s\.", e) for e in errors)
        assert sum('id="msg-' in f for f in to_alice) == 10
        assert sum('id="msg-' in f for f in to_bob) == 10
        assert not any(error_text(f) for f in to_bob), "the flooder's errors reached Bob"

        # Bob is not held back by Alice's flood; Alice is still held back.
        await send_json(ws_bob, body="Bob is not rate limited")
        await receive_until(ws_alice, "Bob is not rate limited")
        await send_json(ws_alice, body="one more from Alice")
        assert (await next_error(ws_alice)).startswith(TOO_QUICKLY)
    assert await sync_to_async(bodies_of)(alice) == [f"flood {n}" for n in range(10)]


def test_the_http_path_shares_the_limit(alice, lobby, client_for) -> None:
    client: Client = client_for(alice)
    statuses = [
        client.post("/rooms/lobby/messages/", {"body": f"post {n}"}, headers={"HX-Request": "true"})
        for n in range(12)
    ]
    assert [r.status_code for r in statuses] == [200] * 10 + [429] * 2
    assert (error_text(statuses[-1].content.decode()) or "").startswith(TOO_QUICKLY)
    assert bodies_of(alice) == [f"post {n}" for n in range(10)]


@pytest.mark.slow
@pytest.mark.redis  # starts its own redis-server
async def test_the_limit_is_shared_by_every_process_through_redis(
    alice, lobby, settings
) -> None:
    """Two Daphne processes, as two Heroku dynos: the budget is per user, not per process."""
    await sync_to_async(forget_rate_limit)(alice)
    # A window far longer than the 15 round trips take, even on a loaded machine: the
    # test is about who counts (every process), not about when the window ends. (The
    # sliding window frees a tenth of the budget per tenth of a window once the test
    # straddles a window boundary: with an hour, that takes six minutes.)
    window = {"CHAT_RATE_WINDOW": "3600"}
    with redis_server() as redis_url, procfile_daphne(redis_url=redis_url, **window) as one, \
            procfile_daphne(redis_url=redis_url, **window) as two:
        inboxes = [Inbox(await ws_connect(one, alice)), Inbox(await ws_connect(two, alice))]
        outcomes = []
        for n in range(15):
            inbox = inboxes[n % 2]
            start = len(inbox.frames)
            await inbox.ws.send(json.dumps({"body": f"from dyno {n % 2 + 1}: {n}"}))
            # Each send is answered with a composer reset (saved) or an error (refused);
            # both carry the composer's error line, which presence pushes (their
            # "composer-waiting" notice) do not.
            await inbox.wait_for('id="composer-error"', start=start)
            answer = next(f for _, f in inbox.frames[start:] if 'id="composer-error"' in f)
            outcomes.append("refused" if TOO_QUICKLY in answer else "saved")
        for inbox in inboxes:
            await inbox.close()
    assert outcomes == ["saved"] * 10 + ["refused"] * 5
    assert len(await sync_to_async(bodies_of)(alice)) == 10


async def test_a_sustained_flood_is_hung_up_on(alice, bob, lobby) -> None:
    """Far more frames than any person sends: disconnected with a reason, and kept out
    for one window; everyone else carries on."""
    budget = FRAMES_PER_MESSAGE * settings.CHAT_RATE_LIMIT
    async with connect(bob) as ws_bob, connect(alice) as ws_alice:
        await frames_until_quiet(ws_bob)
        for n in range(budget + 20):
            await send_json(ws_alice, body=f"flood {n}")
        frames = []
        while True:
            output = await ws_alice.receive_output(timeout=10)
            if output["type"] == "websocket.close":
                break
            frames.append(output["text"])
        assert output["code"] == CLOSE_FLOODING
        errors = [error_text(f) for f in frames if error_text(f)]
        assert errors[-1] == ERROR_FLOODING
        assert errors.count(ERROR_FLOODING) == 1
        # Every frame within the budget was answered; none after it.
        assert len(errors) - 1 == budget - settings.CHAT_RATE_LIMIT

        cookie = await database_sync_to_async(session_cookie_for)(alice)
        again = open_socket(cookie)
        connected, _ = await again.connect(timeout=5)
        assert not connected, "a flooder may not reconnect straight away"
        await again.disconnect()

        await send_json(ws_bob, body="Bob carries on")
        await receive_until(ws_bob, "Bob carries on")
    assert await Message.objects.filter(author=alice).acount() == settings.CHAT_RATE_LIMIT


@pytest.mark.slow
@pytest.mark.redis
async def test_other_peoples_messages_go_through_during_a_flood(
    lobby, make_user, settings
) -> None:
    """Through Daphne as the Procfile runs it: a client floods frames at line rate and
    reconnects whenever it is hung up on, while others chat. Prints how long their
    messages take to reach another member, without and during the flood; asserts
    delivery and the flooder's fate, never timings."""
    settings.PASSWORD_HASHERS = FAST_HASHER
    carol, mallory = await sync_to_async(make_user)("carol"), await sync_to_async(make_user)("mallory")
    senders = [await sync_to_async(make_user)(f"honest{n}") for n in range(6)]
    # 24 messages a phase, one every half second: the flood outlasts a rate window, so
    # the flooder gets back in after its cool-down and floods again. Each person stays
    # under the limit and is never refused.
    per_sender = 8

    async def measure(host: str, people: list[User], reader: Inbox, label: str) -> list[float]:
        sockets = [Inbox(await ws_connect(host, person)) for person in people]
        latencies = []
        for round_ in range(per_sender):
            for person, inbox in zip(people, sockets, strict=True):
                text = f"{label} {person.username} #{round_}"
                start = len(reader.frames)
                sent = time.perf_counter()
                await inbox.ws.send(json.dumps({"body": text}))
                latencies.append(await reader.wait_for(text, start=start) - sent)
                await asyncio.sleep(0.45)  # people type; only the flooder does not
        for inbox in sockets:
            assert inbox.count(TOO_QUICKLY) == 0 and not inbox.closed
            await inbox.close()
        return latencies

    flood_log = {"frames": 0, "connections": 0, "hung_up": 0, "refused_handshakes": 0}

    async def flood(host: str, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                inbox = Inbox(await ws_connect(host, mallory, max_queue=None))
            except InvalidStatus:
                flood_log["refused_handshakes"] += 1
                await asyncio.sleep(0.05)
                continue
            flood_log["connections"] += 1
            try:
                while not stop.is_set():
                    await inbox.ws.send('{"action": "send", "body": "flood"}')
                    flood_log["frames"] += 1
                    await asyncio.sleep(0)
            except ConnectionClosed as closed:
                if closed.rcvd and closed.rcvd.code == CLOSE_FLOODING:
                    flood_log["hung_up"] += 1
            await inbox.close()

    with redis_server() as redis_url, procfile_daphne(redis_url=redis_url) as host:
        reader = Inbox(await ws_connect(host, carol))
        quiet = await measure(host, senders[:3], reader, "quiet")
        stop = asyncio.Event()
        flooding = asyncio.create_task(flood(host, stop))
        await asyncio.sleep(0.2)
        started = time.perf_counter()
        busy = await measure(host, senders[3:], reader, "busy")
        # Hung up, cooled down, back, hung up again: on a loaded machine the second round
        # can come after the others are done talking, so the flood goes on until it has
        # (for at most two more windows).
        deadline = time.perf_counter() + 2 * settings.CHAT_RATE_WINDOW
        while flood_log["hung_up"] < 2 and time.perf_counter() < deadline:
            await asyncio.sleep(0.1)
        duration = time.perf_counter() - started
        stop.set()
        await flooding
        await reader.close()

    saved = await Message.objects.filter(author=mallory).acount()
    assert flood_log["hung_up"] >= 2 and flood_log["refused_handshakes"] >= 1
    windows = 2 + int(duration // settings.CHAT_RATE_WINDOW)
    assert 0 < saved <= settings.CHAT_RATE_LIMIT * windows

    def summary(values: list[float]) -> str:
        ms = sorted(v * 1000 for v in values)
        p95 = ms[max(0, round(len(ms) * 0.95) - 1)]
        return f"median {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, max {ms[-1]:.0f} ms"

    print(
        f"\n[flood] other people's send->receive latency, {len(quiet)} messages each: "
        f"quiet: {summary(quiet)}; during the flood: {summary(busy)}. "
        f"The flooder wrote {flood_log['frames']} frames over {duration:.1f} s on "
        f"{flood_log['connections']} connection(s): hung up on {flood_log['hung_up']}x, "
        f"{flood_log['refused_handshakes']} reconnects refused, {saved} messages saved."
    )


# ----------------------------------------------------------------- frame sizes
def procfile_option(name: str) -> int:
    return int(harness.procfile_option(name))


def frame_of(size: int) -> str:
    """A send frame of exactly ``size`` bytes."""
    empty = json.dumps({"body": ""})
    return json.dumps({"body": "x" * (size - len(empty))})


def fragments_of(size: int, fragment: int) -> list[str]:
    """A send frame of ``size`` bytes, cut into websocket fragments of ``fragment`` bytes."""
    text = frame_of(size)
    return [text[i:i + fragment] for i in range(0, len(text), fragment)]


def test_daphnes_caps_are_in_the_procfile() -> None:
    # A single incoming frame: well below Daphne's 1 MiB default. The message cap also
    # limits what the server sends (a long catch-up), so it stays at 1 MiB.
    assert procfile_option("--websocket-max-frame-size") <= 64 * 1024
    assert procfile_option("--websocket-max-message-size") <= 1024 * 1024


@pytest.mark.slow  # a live Daphne
async def test_daphne_drops_oversized_frames_and_nobody_else_notices(
    alice, bob, carol, lobby
) -> None:
    frame_cap = procfile_option("--websocket-max-frame-size")
    message_cap = procfile_option("--websocket-max-message-size")
    attempts = [  # (what is sent, passed on to the app?)
        ([frame_of(frame_cap)], True),
        ([frame_of(frame_cap + 1)], False),
        ([frame_of(1024 * 1024)], False),
        # A browser never fragments a message this small, but a client can: Daphne
        # reassembles fragments up to the message cap.
        (fragments_of(message_cap, frame_cap), True),
        (fragments_of(message_cap + 1, frame_cap), False),
    ]
    with procfile_daphne() as host:
        honest = Inbox(await ws_connect(host, bob))
        reader = Inbox(await ws_connect(host, carol))
        for n, (fragments, passed_on) in enumerate(attempts):
            attacker = Inbox(await ws_connect(host, alice))
            await attacker.wait_for('id="presence"')
            await attacker.ws.send(fragments[0] if len(fragments) == 1 else iter(fragments))
            if passed_on:
                # The consumer reads no further, answers, and the socket stays open.
                await attacker.wait_for(ERROR_TOO_LARGE)
                assert not attacker.closed
            else:
                await attacker.wait_closed()  # Daphne drops the connection
                assert attacker.count(ERROR_TOO_LARGE) == 0
            await attacker.close()
            # The others in the room carry on as if nothing happened.
            await honest.ws.send(json.dumps({"body": f"Bob after attempt {n}"}))
            await reader.wait_for(f"Bob after attempt {n}")
            assert not honest.closed and not reader.closed
        page = await sync_to_async(Client().get)(f"http://{host}/accounts/login/")
        assert page.status_code == 200
        await honest.close()
        await reader.close()
    print(
        f"\n[frames] Daphne passes on single frames up to {frame_cap} bytes and fragmented "
        f"messages up to {message_cap} bytes; anything larger drops the connection"
    )


async def test_the_consumer_refuses_frames_over_its_limit_and_keeps_the_socket(
    alice, bob, lobby
) -> None:
    limit = settings.CHAT_MAX_FRAME_BYTES
    async with connect(alice) as ws, connect(bob) as ws_bob:
        await frames_until_quiet(ws_bob)
        # Within the limit the frame is read: this one fails the message length check.
        await ws.send_to(text_data=frame_of(limit))
        assert "at most 2000 characters" in await next_error(ws)
        for frame in (frame_of(limit + 1), frame_of(20 * 1024), json.dumps({"body": "€" * 6000})):
            await ws.send_to(text_data=frame)
            assert await next_error(ws) == ERROR_TOO_LARGE
        # A 1 MiB frame only reaches the consumer if something in front lets it through.
        await ws.send_to(text_data=frame_of(1024 * 1024))
        assert await next_error(ws) == ERROR_TOO_LARGE
        await send_json(ws, body="still connected")
        await receive_until(ws_bob, "still connected")
        assert not any(error_text(f) for f in await frames_until_quiet(ws_bob))
    assert await sync_to_async(bodies_of)(alice) == ["still connected"]
    print(f"\n[frames] largest frame the consumer reads: {limit} bytes")


# ----------------------------------------------------------------- allauth's limits
WRONG = "The username and/or password you specified are not correct."
BLOCKED = "Too many failed login attempts. Try again later."


@pytest.fixture
def fast_hashing(settings) -> None:
    """Every attempt hashes a password (even for unknown names); these tests make dozens."""
    settings.PASSWORD_HASHERS = FAST_HASHER


def log_in(client: Client, username: str, password: str = "wrong password", **headers: str):
    return client.post(
        "/accounts/login/", {"login": username, "password": password}, headers=headers
    )


def outcome(response) -> str:
    """What the person sees: logged in, a wrong-password error, blocked, or a 429 page."""
    if response.status_code == 302:
        return "logged in"
    if response.status_code == 429:
        return "429"
    html = response.content.decode()
    for label, text in (("wrong", WRONG), ("blocked", BLOCKED)):
        if text in html:
            return label
    raise AssertionError(f"unexpected answer {response.status_code}")


def test_guessing_passwords_from_one_address_is_blocked(fast_hashing, alice) -> None:
    client = Client(REMOTE_ADDR="198.51.100.10")
    seen = [outcome(log_in(client, f"guess{n}")) for n in range(10)]
    # Blocked, even with the right password: a guesser learns nothing more.
    seen.append(outcome(log_in(client, "alice", PASSWORD)))
    seen += [outcome(log_in(client, f"guess{n}")) for n in range(11, 30)]
    # Past 30 attempts a minute the login page itself answers 429 Too Many Requests.
    seen += [outcome(log_in(client, f"guess{n}")) for n in range(30, 32)]
    assert seen == ["wrong"] * 10 + ["blocked"] * 20 + ["429"] * 2


def test_guessing_one_accounts_password_from_many_addresses_is_blocked(
    fast_hashing, alice
) -> None:
    seen = [outcome(log_in(Client(REMOTE_ADDR=f"198.51.100.{20 + n}"), "alice")) for n in range(5)]
    seen.append(outcome(log_in(Client(REMOTE_ADDR="198.51.100.99"), "alice", PASSWORD)))
    assert seen == ["wrong"] * 5 + ["blocked"]


def test_signups_from_one_address_are_limited(fast_hashing, db) -> None:
    client = Client(REMOTE_ADDR="198.51.100.30")
    statuses = []
    for n in range(22):
        response = client.post(
            "/accounts/signup/",
            {"username": f"spammer{n}", "password1": "short", "password2": "different"},
        )
        statuses.append(response.status_code)
    assert statuses == [200] * 20 + [429] * 2


def test_login_limits_key_on_the_address_herokus_router_saw(
    fast_hashing, alice, settings
) -> None:
    """Behind Heroku the rightmost X-Forwarded-For entry is the router's; a client
    writing its own entries to the left of it cannot dodge the limit."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1  # the production value
    router = Client(REMOTE_ADDR="10.1.2.3")
    forged = [
        outcome(log_in(router, f"guess{n}", **{"X-Forwarded-For": f"203.0.113.{n}, 198.51.100.40"}))
        for n in range(12)
    ]
    assert forged == ["wrong"] * 10 + ["blocked"] * 2
    # Different people behind the same router are counted apart.
    others = [
        outcome(log_in(router, f"other{n}", **{"X-Forwarded-For": f"198.51.100.{50 + n}"}))
        for n in range(12)
    ]
    assert others == ["wrong"] * 12


# ----------------------------------------------------------------- frames we send
LINK_HEAVY = " ".join(["ab.com"] * 285)  # ~2,000 characters, ~24 KB of links once rendered


async def test_catch_up_frames_stay_within_what_daphne_will_send(
    alice, bob, lobby, settings
) -> None:
    """Daphne's message cap applies to what the server sends too: a catch-up of long,
    link-heavy messages must still fit in one frame (a smaller page, the rest a click
    away), or a reconnecting page would miss them."""
    settings.CHAT_RATE_LIMIT = 1000
    message_cap = procfile_option("--websocket-max-message-size")
    assert settings.CHAT_MAX_SENT_FRAME_BYTES <= message_cap
    for _ in range(settings.CHAT_CATCHUP_LIMIT):
        await sync_to_async(services.message_create)(room=lobby, author=alice, body=LINK_HEAVY)
    newest = await Message.objects.alatest("pk")
    for after in (0, 1):  # a full redraw, and a catch-up of all but the first
        async with connect(bob) as ws:
            await send_json(ws, action="sync", after=after)
            # (The presence push for bob's join may come first on a busy machine.)
            frame = await receive_until(ws, 'id="cursor"', timeout=10)
            assert len(frame.encode()) <= settings.CHAT_MAX_SENT_FRAME_BYTES
            assert f'id="msg-{newest.pk}"' in frame
            assert "Load older messages" in frame
            (cursor,) = find(frame, id="cursor")
            assert cursor.attrs["value"] == str(newest.seq)
