"""Real server processes for the reliability tests: Daphne from the CLI, Redis, databases.

Daphne runs with the ``web`` command of the repository's ``Procfile`` (only the bind
address, the port and, where a test says so, the ping interval differ), so these
tests exercise the flags production runs with.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# One harness for every test that starts processes (re-exported for these tests).
from tests.harness import (
    HOST,
    REPO,
    STARTUP_TIMEOUT,
    VENV_BIN,
    RedisServer,
    daphne_command,
    free_port,
    log_tail,
    port_open,
    procfile,
    redis_server,
    stop_process,
    wait_for_port,
)
from tests.harness import server_env as harness_env

__all__ = [
    "HOST", "PASSWORD", "REPO", "STARTUP_TIMEOUT", "VENV_BIN", "Daphne", "Databases",
    "RedisServer", "daphne_command", "free_port", "log_tail", "manage", "port_open",
    "procfile", "redis_server", "seed", "server_env", "stop_process", "wait_for_port",
]

PASSWORD = "correct-horse-battery-staple"


class Daphne:
    """One Daphne process on a fixed port; can be killed and started again on that port."""

    def __init__(self, name: str, *, env: dict[str, str], log_dir: Path,
                 ping_interval: float | None = None) -> None:
        self.name = name
        self.env = env
        self.port = free_port()
        self.ping_interval = ping_interval
        self.log = log_dir / f"daphne-{name}.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def origin(self) -> str:
        return self.url

    def ws_url(self, slug: str) -> str:
        return f"ws://{HOST}:{self.port}/ws/rooms/{slug}/"

    def start(self) -> Daphne:
        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        with self.log.open("a") as log:
            log.write(f"---- start {self.starts}\n")
            log.flush()
            self.process = subprocess.Popen(
                daphne_command(self.port, ping_interval=self.ping_interval),
                cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port, process=self.process, log=self.log)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, like a crashed dyno or an OOM kill."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def terminate(self, *, timeout: float = 20.0) -> float:
        """SIGTERM, as Heroku sends on a restart. Returns how long the process took to exit."""
        assert self.process is not None
        started = time.monotonic()
        self.process.terminate()
        self.process.wait(timeout=timeout)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)


def server_env(*, redis_url: str, database_url: str, **extra: str | None) -> dict[str, str]:
    """The servers' environment (``tests.harness.server_env``) on this Redis and database,
    development settings unless ``extra`` says otherwise; ``None`` leaves a variable out
    (so the setting's own default applies)."""
    variables: dict[str, str | None] = {
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "1",
        "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
        **extra,
    }
    return harness_env(**variables)


def manage(*args: str, env: dict[str, str], cwd: Path = REPO, timeout: float = 120) -> str:
    result = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *args], cwd=cwd, env=env,
        capture_output=True, text=True, timeout=timeout,
    )
    assert result.returncode == 0, (
        f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


# --------------------------------------------------------------------------- databases
def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in {"postgres", "postgresql", "pgsql", "postgis"}


def database_url_named(base_url: str, name: str) -> str:
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class Databases:
    """Fresh databases for the servers, copied from one migrated template.

    PostgreSQL when ``DATABASE_URL`` names one (``CREATE DATABASE ... TEMPLATE``),
    otherwise SQLite files. Every database made here is dropped by ``close``.
    """

    def __init__(self, *, base_url: str, workdir: Path, redis_url: str) -> None:
        self.base_url = base_url
        self.postgres = bool(base_url) and is_postgres(base_url)
        self.workdir = workdir
        self.redis_url = redis_url
        self.prefix = f"chatrooms_rel_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.created: list[str] = []
        self.template = self._name("template")
        url = self._create(self.template, template=None)
        manage("migrate", "--no-input", env=server_env(redis_url=redis_url, database_url=url))

    def _name(self, label: str) -> str:
        return f"{self.prefix}_{label}"

    def _admin(self):
        import psycopg

        return psycopg.connect(self.admin_url, autocommit=True)

    @property
    def admin_url(self) -> str:
        """The server's maintenance database: ``DATABASE_URL``'s own database need not
        exist (the suite's test database is created per run, beside it)."""
        return database_url_named(self.base_url, "postgres")

    def _create(self, name: str, *, template: str | None) -> str:
        self.created.append(name)
        if self.postgres:
            with self._admin() as conn:
                suffix = f" TEMPLATE {template}" if template else ""
                conn.execute(f'CREATE DATABASE "{name}"{suffix}')
            return database_url_named(self.base_url, name)
        path = self.workdir / f"{name}.sqlite3"
        if template:
            shutil.copyfile(self.workdir / f"{template}.sqlite3", path)
        return f"sqlite:///{path}"

    def new(self, label: str) -> str:
        """A new migrated database; returns its URL."""
        return self._create(self._name(f"{label}_{len(self.created)}"), template=self.template)

    def new_empty_postgres(self, label: str) -> str:
        """An empty PostgreSQL database (for running ``migrate`` the way a release does)."""
        assert self.postgres
        return self._create(self._name(f"{label}_{len(self.created)}"), template=None)

    def close(self) -> None:
        if not self.postgres:
            return  # files live in the test's temporary directory
        with self._admin() as conn:
            for name in reversed(self.created):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(env: dict[str, str], room_name: str, *usernames: str) -> dict:
    """Users with sessions and a room, created by ``tests.reliability.seed``."""
    import json

    result = subprocess.run(
        [str(VENV_BIN / "python"), "-m", "tests.reliability.seed", room_name, *usernames],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, f"seeding failed:\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])
