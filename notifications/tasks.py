"""Background tasks (Django's tasks API; the database backend's worker runs them).

The task queue only says *when* to look; the ``Notification`` rows say *what* is due
and what was sent. So a task that is lost (a worker killed while running it) or fails
(a database error) loses nothing: ``deliver_due`` finds every due batch. The worker
queues one when it starts (``manage.py chat_worker``), and each queues the next.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from notifications import selectors, services

logger = logging.getLogger(__name__)


@task()
def deliver(notification_id: int) -> str | None:
    """Deliver one batch; if the mail server fails, try again later (see MAX_ATTEMPTS)."""
    try:
        return services.notification_deliver(notification_id=notification_id)
    except (OSError, smtplib.SMTPException) as exc:
        retry_at = services.notification_failed(notification_id=notification_id)
        logger.warning(
            "notification %s: the mail server failed (%s); %s", notification_id, exc,
            f"trying again at {retry_at:%H:%M:%S}" if retry_at else "giving up",
        )
        if retry_at is not None:
            deliver.using(run_after=retry_at).enqueue(notification_id)
        return None


@task()
def deliver_due() -> int:
    """Deliver every batch that is due (those whose own task was lost or failed), then
    look again in ``SWEEP_EVERY`` seconds. Returns how many were settled here."""
    settled = 0
    for notification_id in selectors.due_notification_ids(timezone.now()):
        if deliver.call(notification_id) is not None:
            settled += 1
    sweep_later()
    return settled


def sweep_later() -> None:
    """Queue the next sweep, unless one is already waiting: however many workers start,
    one sweep is pending at a time."""
    waiting = DBTaskResult.objects.filter(
        task_path=deliver_due.module_path, status=TaskResultStatus.READY
    )
    if not waiting.exists():
        deliver_due.using(
            run_after=timezone.now() + timedelta(seconds=settings.CHAT_NOTIFY_SWEEP)
        ).enqueue()
