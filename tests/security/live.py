"""Real servers for the security tests: Daphne started exactly as the Procfile starts it.

The tests that need a second process (a frame over Daphne's size cap, a rate limit
shared through Redis) run ``daphne`` from the Procfile's ``web:`` line in a
subprocess, against the test database and the given Redis.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from tests import harness
from tests.conftest import session_cookie_for
from users.models import User

BASE_DIR = Path(settings.BASE_DIR)


def database_url() -> str:
    """A DATABASE_URL for the database this test run uses (SQLite file or PostgreSQL)."""
    params = connection.settings_dict
    if params["ENGINE"] == "django.db.backends.sqlite3":
        name = str(params["NAME"])
        assert name != ":memory:" and "mode=memory" not in name, "tests need a file database"
        return f"sqlite:///{name}"
    assert params["ENGINE"] == "django.db.backends.postgresql", params["ENGINE"]
    user = quote(params.get("USER") or "")
    password = quote(params.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = f"{params.get('HOST') or 'localhost'}:{params.get('PORT') or 5432}"
    return f"postgres://{auth}{host}/{params['NAME']}"


@contextmanager
def redis_server() -> Iterator[str]:
    """``REDIS_URL`` when set (CI), otherwise a private redis-server for this test."""
    import os

    url = os.environ.get("REDIS_URL", "").strip()
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory() as workdir, harness.redis_server(Path(workdir)) as port:
        yield f"redis://{harness.HOST}:{port}/0"


@contextmanager
def procfile_daphne(*, redis_url: str | None = None, **env: str) -> Iterator[str]:
    """Daphne as the Procfile runs it, on the test database. Yields ``127.0.0.1:PORT``."""
    port = harness.free_port()
    child_env = harness.server_env(
        DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL=database_url(),
        REDIS_URL=redis_url, **env,
    )
    with tempfile.TemporaryDirectory() as logs:
        log = Path(logs) / "daphne.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                harness.daphne_command(port), cwd=BASE_DIR, env=child_env, stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            harness.wait_for_port(port, process=process, log=log, what="daphne")
            yield f"{harness.HOST}:{port}"
        finally:
            harness.stop_process(process)


async def ws_connect(host: str, user: User, slug: str = "lobby", **kwargs: object):
    """A websocket from a logged-in browser on our page (``websockets`` client)."""
    from channels.db import database_sync_to_async
    from websockets.asyncio.client import connect

    cookie = (await database_sync_to_async(session_cookie_for)(user)).decode()
    return await connect(
        f"ws://{host}/ws/rooms/{slug}/", origin=f"http://{host}",
        additional_headers={"Cookie": cookie}, open_timeout=10, **kwargs,
    )


class Inbox:
    """Reads one ``websockets`` connection in the background and keeps every frame.

    Keeping up with the server matters: a client that stops reading would slow the
    server's writes and skew what is measured.
    """

    def __init__(self, ws) -> None:
        import asyncio

        self.ws = ws
        self.frames: list[tuple[float, str]] = []
        self.closed = False
        self._new = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for frame in self.ws:
                self.frames.append((time.perf_counter(), frame))
                self._new.set()
        except ConnectionClosed:
            pass
        finally:
            self.closed = True
            self._new.set()

    async def wait_for(self, needle: str, *, start: int = 0, timeout: float = 15) -> float:
        """When the first frame from index ``start`` containing ``needle`` arrived."""
        import asyncio

        deadline = time.perf_counter() + timeout
        while True:
            self._new.clear()
            for arrived, frame in self.frames[start:]:
                if needle in frame:
                    return arrived
            if self.closed:
                raise AssertionError(f"the socket closed before {needle[:60]!r} arrived")
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise AssertionError(f"{needle[:60]!r} did not arrive within {timeout} s")
            try:
                await asyncio.wait_for(self._new.wait(), remaining)
            except TimeoutError:
                pass

    async def wait_closed(self, *, timeout: float = 10) -> None:
        """Until the server has closed (or dropped) the connection."""
        import asyncio

        await asyncio.wait_for(asyncio.shield(self._task), timeout)

    def count(self, needle: str) -> int:
        return sum(needle in frame for _, frame in self.frames)

    async def close(self) -> None:
        await self.ws.close()
        await self._task
