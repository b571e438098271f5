"""Real servers for the security tests: Daphne started exactly as the Procfile starts it.

The tests that need a second process (a frame over Daphne's size cap, a rate limit
shared through Redis) run ``daphne`` from the Procfile's ``web:`` line in a
subprocess, against the test database and the given Redis.
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from tests.conftest import session_cookie_for
from users.models import User

BASE_DIR = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_web_command(port: int) -> list[str]:
    """The Procfile's ``web:`` command, bound to localhost on ``port``."""
    for line in (BASE_DIR / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            command = line.removeprefix("web:").strip().replace("$PORT", str(port))
            args = shlex.split(command)
            args[args.index("--bind") + 1] = "127.0.0.1"
            return args
    raise AssertionError("the Procfile has no web: line")


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
    url = os.environ.get("REDIS_URL", "").strip()
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise AssertionError("this test needs Redis: set REDIS_URL or install redis-server")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process, what="redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for_port(port: int, process: subprocess.Popen, *, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{what} did not listen on port {port} within {timeout} s")


@contextmanager
def procfile_daphne(*, redis_url: str | None = None, **env: str) -> Iterator[str]:
    """Daphne as the Procfile runs it, on the test database. Yields ``127.0.0.1:PORT``."""
    port = free_port()
    child_env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "REDIS_URL", "DATABASE_URL", "CHANNEL_LAYER"))
    }
    child_env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url(),
        PYTHONUNBUFFERED="1",
        **env,
    )
    if redis_url:
        child_env["REDIS_URL"] = redis_url
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        procfile_web_command(port), cwd=BASE_DIR, env=child_env, stdout=log, stderr=log
    )
    try:
        try:
            _wait_for_port(port, process, what="daphne")
        except AssertionError:
            log.seek(0)
            raise AssertionError(log.read().decode(errors="replace")[-3000:]) from None
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


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
