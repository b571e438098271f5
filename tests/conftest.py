"""Shared fixtures: users, rooms, logged-in clients and websocket connections."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from rooms.models import Room
from users.models import User

# ---------------------------------------------------------------- markers
# Applied here from what a test uses, so no module can forget one (each is described
# in pyproject.toml). `make test-fast` runs what has none of them.
SLOW_DIRS = ("tests/browser/", "tests/reliability/", "tests/bench/")
# Fixtures that start processes: a live Daphne (and a browser on it), a cluster.
LIVE_FIXTURES = {"daphne_server", "live_server_url", "browser", "make_cluster", "cluster"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = config.rootpath
    for item in items:
        path = item.path.relative_to(root).as_posix()
        names = set(getattr(item, "fixturenames", ()))
        if path.startswith("tests/browser/") or "browser" in names:
            item.add_marker(pytest.mark.browser)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("channel_backend") == "redis":
            item.add_marker(pytest.mark.redis)
        if path.startswith(SLOW_DIRS) or names & LIVE_FIXTURES or item.get_closest_marker(
            "browser"
        ):
            item.add_marker(pytest.mark.slow)


PASSWORD = "correct-horse-battery-staple"
ORIGIN = (b"origin", b"http://127.0.0.1")


def _password_hash() -> str:
    from django.conf import settings

    # Keyed by the hashers in force: some test modules switch to a faster one.
    return _hash_with(tuple(settings.PASSWORD_HASHERS))


@functools.cache
def _hash_with(hashers: tuple[str, ...]) -> str:
    from django.contrib.auth.hashers import make_password

    return make_password(PASSWORD)


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def make(username: str = "alice") -> User:
        # A real PBKDF2 hash of PASSWORD, computed once: hashing is slow on purpose.
        return User.objects.create(username=username, password=_password_hash())

    return make


@pytest.fixture
def alice(make_user) -> User:
    return make_user("alice")


@pytest.fixture
def bob(make_user) -> User:
    return make_user("bob")


@pytest.fixture
def lobby(db) -> Room:
    # The migration creates it, but transactional tests flush every table afterwards.
    return Room.objects.get_or_create(slug="lobby", defaults={"name": "Lobby"})[0]


@pytest.fixture
def carol(make_user) -> User:
    return make_user("carol")


def add_members(room: Room, *users: User) -> Room:
    from rooms.models import Membership

    Membership.objects.bulk_create([Membership(room=room, user=u) for u in users])
    return room


@pytest.fixture
def private_room(alice) -> Room:
    """Alice's private room; she is its owner and only member."""
    room = Room.objects.create(
        name="Alice's den", slug="alices-den", creator=alice, kind=Room.Kind.PRIVATE
    )
    return add_members(room, alice)


@pytest.fixture
def direct_room(alice, bob) -> Room:
    """The one-to-one conversation of Alice and Bob."""
    room = Room.objects.create(
        slug="dm-test-alice-bob", kind=Room.Kind.DIRECT,
        direct_key="-".join(str(pk) for pk in sorted([alice.pk, bob.pk])),
    )
    return add_members(room, alice, bob)


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def session_cookie_for(user: User) -> bytes:
    """A real session for ``user``, as the Cookie header a browser would send."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}".encode()


@asynccontextmanager
async def connect(
    user: User | None, slug: str = "lobby", *, origin: bytes | None = b"http://127.0.0.1",
    cookie: bytes | None = None,
) -> AsyncIterator[WebsocketCommunicator]:
    """An accepted websocket to a room through the real ASGI application.

    Drains the presence frame sent on connect. Always disconnects.
    """
    from config.asgi import application

    headers = []
    if origin is not None:
        headers.append((b"origin", origin))
    if cookie is None and user is not None:
        cookie = await database_sync_to_async(session_cookie_for)(user)
    if cookie is not None:
        headers.append((b"cookie", cookie))
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{slug}/", headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    try:
        assert connected, "the websocket handshake was refused"
        first = await communicator.receive_from(timeout=5)
        assert 'id="presence"' in first
        yield communicator
    finally:
        await communicator.disconnect()


async def send_json(communicator: WebsocketCommunicator, **data: object) -> None:
    await communicator.send_to(text_data=json.dumps(data))


async def receive_until(
    communicator: WebsocketCommunicator, needle: str, *, timeout: float = 5
) -> str:
    """The next frame containing ``needle``, skipping others (presence pushes)."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(f"no frame containing {needle!r} within {timeout} s")
        frame = await communicator.receive_from(timeout=remaining)
        if needle in frame:
            return frame


def clear_own_redis_keys() -> None:
    """Delete this run's keys (its CHAT_REDIS_PREFIX) and nothing else: never FLUSHDB."""
    import os

    import redis

    from config.redis_options import redis_prefix

    url = os.environ.get("REDIS_URL", "").strip()
    if not url:
        return
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{redis_prefix()}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(autouse=True)
def _fresh_cache(settings) -> None:
    """Rate-limit counters live in the cache: every test starts with none (nor with the
    zones of the last test's users, held in this process)."""
    from django.core.cache import cache

    from rooms import timeline

    timeline.forget_audience_zones()
    if "locmem" in settings.CACHES["default"]["BACKEND"]:
        cache.clear()
    else:
        clear_own_redis_keys()


def redis_url_or_fail() -> str:
    import os

    url = os.environ.get("REDIS_URL", "").strip()
    if not url:
        pytest.fail(
            "These tests need a real Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/0). "
            "`make test` and .ci/run set it for you."
        )
    return url


@pytest.fixture(params=["memory", "redis"])
def channel_backend(request, settings) -> str:
    """Run a test on the in-memory layer and again on real Redis (layer, cache, presence)."""
    from config.redis_options import caches_for, channel_layers_for

    url = "" if request.param == "memory" else redis_url_or_fail()
    settings.REDIS_URL = url
    settings.CHANNEL_LAYERS = channel_layers_for(url)
    settings.CACHES = caches_for(url)
    return request.param


async def receive_each(
    communicator: WebsocketCommunicator, *needles: str, timeout: float = 5
) -> list[str]:
    """Frames until each needle has been seen (in any order); returns those frames."""
    wanted = list(needles)
    found: list[str] = []
    while wanted:
        frame = await receive_until(communicator, "", timeout=timeout)
        hits = [n for n in wanted if n in frame]
        if hits:
            found.append(frame)
            wanted = [n for n in wanted if n not in hits]
    return found
