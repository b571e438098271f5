"""Fixtures for the hostile-client tests: more people, a second room, frame helpers."""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.core.cache import cache
from hypothesis import HealthCheck, settings

from rooms.models import Room
from tests.security.html import error_text
from users.models import User

# Fuzzing: a few hundred frames locally; the same frames on every CI run (derandomized),
# so a failure there is reproducible and never a fluke of one run.
settings.register_profile(
    "security",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "security-ci", parent=settings.get_profile("security"), derandomize=True, database=None
)
FUZZ_PROFILE = "security-ci" if os.environ.get("CI") else "security"


@pytest.fixture
def mallory(make_user) -> User:
    return make_user("mallory")


@pytest.fixture
def bobs_room(bob) -> Room:
    """A room Bob created, so Bob moderates it."""
    return Room.objects.create(name="Bob's corner", slug="bobs-corner", creator=bob)


def forget_rate_limit(user: User) -> None:
    """Drop the user's message counters (keys of the windows around now)."""
    window = django_settings.CHAT_RATE_WINDOW
    index = int(time.time() // window)
    cache.delete_many([f"rl:msg:{user.pk}:{i}" for i in range(index - 2, index + 3)])


def open_socket(cookie: bytes | None, slug: str = "lobby") -> WebsocketCommunicator:
    """A socket from our own page with this Cookie header (or none); not yet connected."""
    from config.asgi import application

    headers = [(b"origin", b"http://127.0.0.1")]
    if cookie is not None:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, f"/ws/rooms/{slug}/", headers=headers)


async def frames_until_quiet(
    communicator: WebsocketCommunicator, *, quiet: float = 0.3, limit: float = 10
) -> list[str]:
    """Every frame that arrives until none has come for ``quiet`` seconds."""
    # receive_nothing, unlike a receive that times out, leaves the application running.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    frames: list[str] = []
    while loop.time() < deadline:
        if await communicator.receive_nothing(timeout=quiet):
            return frames
        frames.append(await communicator.receive_from(timeout=1))
    raise AssertionError(f"frames kept coming for {limit} s")


async def next_error(communicator: WebsocketCommunicator, *, timeout: float = 5) -> str:
    """The next non-empty ``#composer-error`` text this socket receives."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError("no error frame arrived")
        text = error_text(await communicator.receive_from(timeout=remaining))
        if text:
            return text


async def close_code(communicator: WebsocketCommunicator, *, timeout: float = 5) -> int:
    """Wait for the server to close this socket; its close code."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError("the socket stayed open")
        output = await communicator.receive_output(timeout=remaining)
        if output["type"] == "websocket.close":
            return output.get("code", 1000)
