"""A real SMTP server (aiosmtpd) and a real worker process for the notification tests.

The SMTP server runs on a thread of the test process and keeps every message it
accepted; the worker is ``manage.py chat_worker`` (the Procfile's ``worker``) in a child
process, against the test database, sending through that server.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import shlex
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from django.db import connection

from tests.harness import HOST, REPO, free_port, log_tail, procfile, server_env

# The workers' PostgreSQL sessions carry this name, so a test can wait for them to end.
WORKER_APPLICATION = "chatrooms-test-worker"
# aiosmtpd logs every SMTP command at INFO.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class Inbox:
    """What the SMTP server accepted, parsed.

    ``hold_after``: sessions after that many wait at RCPT until ``release()`` (a mail
    server that stalls), so a test can kill a worker in the middle of sending.
    """

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self.messages: list[EmailMessage] = []
        self.sessions_started = 0
        self.hold_after: int | None = None
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self.sessions_started = 0
            self.hold_after = None
            self._released.clear()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self._lock:
            self.sessions_started += 1
            held = self.hold_after is not None and self.sessions_started > self.hold_after
            self._lock.notify_all()
        while held and not self._released.is_set():
            await asyncio.sleep(0.02)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
            self._lock.notify_all()
        return "250 Message accepted for delivery"

    def wait(self, predicate, *, timeout: float, what: str) -> None:
        with self._lock:
            if not self._lock.wait_for(predicate, timeout=timeout):
                raise AssertionError(f"{what} within {timeout} s; got {len(self.messages)} mail")

    def wait_for_mail(self, count: int, *, timeout: float = 60) -> list[EmailMessage]:
        self.wait(lambda: len(self.messages) >= count, timeout=timeout,
                  what=f"no {count} mail arrived")
        return list(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]


def start_smtp_server() -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname=HOST, port=free_port())
    controller.start()
    return controller, inbox


def worker_database_url() -> str:
    """The URL of the database this test run uses (pytest-django's test database)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return (
        f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"
        f"?application_name={WORKER_APPLICATION}"
    )


def worker_command() -> list[str]:
    """The Procfile's ``worker`` line, with this interpreter."""
    args = shlex.split(procfile()["worker"])
    assert args[:2] == ["python", "manage.py"], f"the worker is not a manage.py command: {args}"
    return [sys.executable, *args[1:], "--interval", "0.1"]


class Worker:
    """``chat_worker`` in a child process; can be killed and started again."""

    def __init__(self, *, smtp_port: int, log: Path) -> None:
        self.log = log
        self.env = server_env(
            DATABASE_URL=worker_database_url(), EMAIL_URL=f"smtp://{HOST}:{smtp_port}",
            DJANGO_DEBUG="1", DJANGO_DB_POOL="0",
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                worker_command(), cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, like a crashed dyno or an OOM kill."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """At a test's end: SIGKILL, since a graceful exit costs seconds on a busy machine
        and nothing is left to finish (the test waited for what it checks)."""
        if self.process is not None and self.process.poll() is None:
            self.kill()
            _wait_for_worker_sessions_to_end()

    def assert_running(self) -> None:
        assert self.process is not None and self.process.poll() is None, (
            "the worker exited:\n" + log_tail(self.log)
        )


def _wait_for_worker_sessions_to_end() -> None:
    """PostgreSQL ends a killed worker's session a moment later; the test database can
    only be dropped (at the end of the run) once it has."""
    if connection.vendor != "postgresql":
        return

    def alone() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND application_name = %s", [WORKER_APPLICATION]
            )
            return cursor.fetchone()[0] == 0

    wait_until(alone, timeout=10, what="the killed worker's database session did not end")


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"{what} within {timeout} s")
