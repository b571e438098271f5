"""Fixtures for the notification tests: a real SMTP server, a real worker, short delays."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress

from notifications.models import Notification
from tests.notifications.harness import Inbox, Worker, start_smtp_server, wait_until
from users.models import User

# Seconds a message waits for its reader in these tests (CHAT_NOTIFY_DELAY, 120 by default).
DELAY = 1


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    controller, inbox = start_smtp_server()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


@pytest.fixture
def inbox(smtp_server: tuple[int, Inbox]) -> Inbox:
    _, inbox = smtp_server
    inbox.reset()
    return inbox


@pytest.fixture(scope="module")
def worker(
    django_db_setup, django_db_blocker, smtp_server, tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Worker]:
    """One worker process for the module's tests, like the Procfile's ``worker`` dyno."""
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with django_db_blocker.unblock():
        process = Worker(smtp_port=smtp_server[0], log=log).start()
    try:
        yield process
    finally:
        with django_db_blocker.unblock():
            process.stop()


@pytest.fixture
def make_worker(smtp_server, django_db_blocker, tmp_path: Path) -> Iterator:
    """Workers of one test's own (to kill and restart); all stopped at the end."""
    started: list[Worker] = []

    def make() -> Worker:
        started.append(Worker(smtp_port=smtp_server[0], log=tmp_path / "worker.log"))
        return started[-1]

    yield make
    with django_db_blocker.unblock():
        for process in started:
            process.stop()


@pytest.fixture
def short_delay(settings) -> int:
    settings.CHAT_NOTIFY_DELAY = DELAY
    return DELAY


def verified_email(user: User, address: str | None = None) -> str:
    address = address or f"{user.username}@example.com"
    EmailAddress.objects.create(user=user, email=address, verified=True, primary=True)
    return address


def wait_settled(*, count: int, timeout: float = 60) -> list[Notification]:
    """Wait until ``count`` batches are settled (sent, read, skipped); returns them."""
    wait_until(
        lambda: Notification.objects.exclude(closed_at=None).count() >= count,
        timeout=timeout, what=f"{count} notification batches were not settled",
    )
    return list(Notification.objects.exclude(closed_at=None).order_by("id"))
