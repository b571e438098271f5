"""A live Daphne server for tests that need a real socket: browsers, websocket clients.

pytest-django's ``live_server`` speaks WSGI only, so it cannot carry websockets. This
runs the real ASGI application (``config.asgi``: HTTP, static files through
WhiteNoise, websockets through the Origin check) in a Daphne child process on a free
port, against the test database, exactly as Channels' ``ChannelsLiveServerTestCase``
does. The child shares the test database, so it must be a file (SQLite) or a server
(PostgreSQL), and tests must commit what the server should see: the
``live_server_url`` fixture brings ``transactional_db`` for that, and its table flush
after every test keeps one test's rows out of the next.

Use it from another test package by importing the fixtures into its ``conftest.py``::

    from tests.live import daphne_server, live_server_url  # noqa: F401
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from asgiref.sync import SyncToAsync
from channels.testing.live import make_application
from daphne.testing import DaphneProcess
from django.conf import settings
from django.db import connections

from tests.harness import HOST, STARTUP_TIMEOUT


def _prepare_child(database_name: str) -> None:
    """Runs in the server process before it serves: point it at the test database.

    The explicit name (rather than re-reading settings) keeps this right under any
    multiprocessing start method, since the settings name test databases per process.
    """
    settings.DATABASES["default"]["NAME"] = database_name
    # Browser tests allow sync ORM calls next to Playwright's event loop in the test
    # process; the server must keep Django's guard, as in production.
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    # asgiref runs database_sync_to_async calls (outside a request) on one shared
    # worker thread. If an async test started it before the fork, the child inherits
    # an executor whose thread does not exist there, and every such call hangs.
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)


class LiveServer:
    """Daphne serving ``config.asgi.application`` in a child process.

    A context manager: the process is always terminated on exit, also when startup
    fails (a stray server process would keep pytest from exiting).
    """

    def __init__(self, *, host: str = HOST, daphne_options: dict[str, object] | None = None):
        self.host = host
        self.daphne_options = daphne_options or {}
        self.process: DaphneProcess | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    def __enter__(self) -> LiveServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        allowed = settings.ALLOWED_HOSTS
        if self.host not in allowed and "*" not in allowed:
            raise RuntimeError(
                f"ALLOWED_HOSTS {allowed!r} does not contain {self.host!r}: the live server "
                "would refuse every request and websocket. Unset DJANGO_ALLOWED_HOSTS for tests."
            )
        for connection in connections.all():
            if connection.vendor == "sqlite" and connection.is_in_memory_db():
                raise RuntimeError("A live server needs a test database in a file, not :memory:.")
        database_name = connections["default"].settings_dict["NAME"]
        # The child is forked: it must not inherit (and later share) our open sockets.
        connections.close_all()
        self.process = DaphneProcess(
            host=self.host,
            get_application=partial(make_application, static_wrapper=None),
            setup=partial(_prepare_child, database_name),
            kwargs=self.daphne_options,
        )
        self.process.start()
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        waited = 0.0
        while not self.process.ready.wait(timeout=0.5):
            waited += 0.5
            if not self.process.is_alive() or waited >= STARTUP_TIMEOUT:
                detail = "no error reported"
                if not self.process.errors.empty():
                    detail = self.process.errors.get_nowait()[1]
                raise RuntimeError(f"The live Daphne server did not start: {detail}")
        self.port = self.process.port.value

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)


@pytest.fixture(scope="module")
def daphne_server(django_db_setup, django_db_blocker) -> Iterator[LiveServer]:
    """One Daphne process per test module (startup costs about a second)."""
    with django_db_blocker.unblock():
        server = LiveServer()
        server.start()
    try:
        yield server
    finally:
        server.stop()


def wait_until_server_idle(timeout: float = 10.0) -> None:
    """Wait until no other session is working in the test database (PostgreSQL).

    The flush after a test truncates every table at once. A query the server is still
    running then (a page load, a socket closing and saving how far its reader got) can
    lock the same tables in another order, and PostgreSQL aborts one side as a deadlock.
    """
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state <> 'idle'"
            )
            row = cursor.fetchone()
            if (row is None or row[0] == 0) or time.monotonic() > deadline:
                return
            time.sleep(0.05)


@pytest.fixture
def live_server_url(daphne_server: LiveServer, transactional_db) -> Iterator[str]:
    """The live server's origin, e.g. ``http://127.0.0.1:43817``.

    Brings ``transactional_db``: rows the test writes are committed (the server is
    another process), and every table is flushed after the test, once the server has
    finished what it was doing with them.
    """
    yield daphne_server.url
    time.sleep(0.1)  # a socket closed by the test reaches the server's disconnect
    wait_until_server_idle()
