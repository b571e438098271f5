"""Cross-site websocket hijacking: only pages of our own site may open a room socket.

A browser sends the victim's cookies with a websocket handshake from any site, so the
``Origin`` check is what keeps another site from chatting as the victim.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from tests.conftest import connect, session_cookie_for

pytestmark = pytest.mark.django_db(transaction=True)


async def handshake(user, origin: bytes | None) -> tuple[bool, object]:
    from config.asgi import application

    headers = [(b"cookie", await database_sync_to_async(session_cookie_for)(user))]
    if origin is not None:
        headers.append((b"origin", origin))
    communicator = WebsocketCommunicator(application, "/ws/rooms/lobby/", headers=headers)
    try:
        return await communicator.connect(timeout=5)
    finally:
        await communicator.disconnect()


@pytest.mark.parametrize(
    "origin",
    [
        b"https://evil.example",
        b"http://127.0.0.1.evil.example",  # our host as a prefix of theirs
        b"http://evil-127.0.0.1",
        b"null",  # sandboxed iframes and file:// pages
        b"",
        None,  # no Origin header at all
    ],
    ids=["foreign", "prefix", "suffix", "null", "empty", "missing"],
)
async def test_handshake_from_another_origin_is_refused(alice, lobby, origin) -> None:
    connected, _ = await handshake(alice, origin)
    assert not connected


async def test_handshake_from_our_own_pages_is_accepted(alice, lobby) -> None:
    for origin in (b"http://127.0.0.1", b"http://localhost:8000"):
        async with connect(alice, origin=origin):
            pass


def production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="chat.example.com",
    )
    env.update(overrides)
    return env


def start_django(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )


@pytest.mark.slow  # starts Django in a subprocess
@pytest.mark.parametrize("hosts", ["*", "chat.example.com,*", " * "])
def test_production_refuses_a_wildcard_allowed_host(hosts: str) -> None:
    result = start_django(production_env(DJANGO_ALLOWED_HOSTS=hosts))
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "DJANGO_ALLOWED_HOSTS may not contain '*' in production" in result.stderr


@pytest.mark.slow
def test_production_starts_with_named_hosts() -> None:
    result = start_django(production_env(DJANGO_ALLOWED_HOSTS="chat.example.com,www.example.com"))
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout
