"""Fixtures for the reliability tests: several real Daphne processes on one Redis and one
database, websocket peers and Chromium.

These tests need a real Redis: ``REDIS_URL`` must be set (CI sets it); without it they
fail with a message saying so. ``DATABASE_URL`` picks PostgreSQL; without it the
servers share a SQLite file. Every test gets a fresh database copied from one migrated
template, and its servers are stopped when it ends, whatever happened.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser

from tests import harness
from tests.reliability.peers import Peer
from tests.reliability.processes import Daphne, Databases, manage, seed, server_env
from tests.reliability.tabs import chromium


def _redis_url() -> str:
    url = os.environ.get("REDIS_URL", "").strip()
    if not url:
        pytest.fail(
            "The reliability tests run several server processes on one real Redis: set "
            "REDIS_URL (e.g. redis://127.0.0.1:6379/0)."
        )
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.fail(f"REDIS_URL={url} does not answer: {exc}")
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    return _redis_url()


@pytest.fixture(scope="session")
def databases(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(
        base_url=os.environ.get("DATABASE_URL", "").strip(),
        workdir=tmp_path_factory.mktemp("reliability-db"),
        redis_url=redis_url,
    )
    try:
        yield dbs
    finally:
        dbs.close()


@pytest.fixture(scope="session")
def production_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What makes a cluster run the production settings path (``DJANGO_DEBUG=0``: the
    PostgreSQL connection pool, hashed static files, secure cookies), over plain HTTP on
    127.0.0.1: ``make_cluster(..., **production_env)``. Collects static files once."""
    import secrets

    static_root = tmp_path_factory.mktemp("static")
    env = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(static_root),
    }
    manage("collectstatic", "--no-input", env=harness.server_env(DJANGO_ALLOWED_HOSTS="x", **env))
    return env


class Cluster:
    """Daphne processes sharing one Redis and one fresh database, with seeded users.

    ``users`` maps a username to ``{"id", "session"}``; ``slug`` is the seeded room.
    """

    def __init__(self, *, env: dict[str, str], log_dir: Path, room: str,
                 usernames: tuple[str, ...]) -> None:
        self.env = env
        self.log_dir = log_dir
        self.servers: list[Daphne] = []
        self.peers: list[Peer] = []
        seeded = seed(env, room, *usernames)
        self.slug: str = seeded["room"]["slug"]
        self.users: dict[str, dict] = seeded["users"]

    def daphne(self, name: str, *, ping_interval: float | None = None,
               **env: str | None) -> Daphne:
        server = Daphne(
            name, env={**self.env, **env} if env else self.env, log_dir=self.log_dir,
            ping_interval=ping_interval,
        )
        self.servers.append(server)
        return server.start()

    def path(self) -> str:
        return f"/rooms/{self.slug}/"

    async def peer(self, username: str, server: Daphne, *, url: str | None = None,
                   **options: object) -> Peer:
        """A websocket to the room on ``server`` (or through ``url`` to it)."""
        peer = await Peer.open(
            username, url=url or server.ws_url(self.slug), origin=server.origin,
            session=self.users[username]["session"], **options,
        )
        self.peers.append(peer)
        return peer

    async def aclose(self) -> None:
        for peer in self.peers:
            if not peer.is_closed:
                try:
                    await peer.close()
                except Exception:  # the server may be gone already
                    pass
        for server in self.servers:
            server.stop()


@pytest.fixture
async def make_cluster(
    databases: Databases, redis_url: str, tmp_path: Path,
) -> AsyncIterator[Callable[..., Cluster]]:
    """``make_cluster("alice", "bob", room="Ops", CHAT_PRESENCE_TTL="6")``: a fresh
    database seeded with those users and a room; start servers with ``.daphne(name)``.
    Keyword arguments other than ``room`` are environment variables (``None`` unsets)."""
    clusters: list[Cluster] = []

    def make(*usernames: str, room: str = "Reliability", **env: str | None) -> Cluster:
        database_url = databases.new("t")
        cluster = Cluster(
            env=server_env(redis_url=redis_url, database_url=database_url, **env),
            log_dir=tmp_path, room=room, usernames=usernames,
        )
        clusters.append(cluster)
        return cluster

    try:
        yield make
    finally:
        for cluster in clusters:
            await cluster.aclose()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as browser:
        yield browser
