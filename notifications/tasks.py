"""Background tasks (Django's tasks API; the database backend's worker runs them).

The task queue only says *when* to look; the ``Notification`` rows say *what* is due
and what was sent. So a task that is lost (a worker killed while running it) loses
nothing: ``deliver_due`` finds every due batch, and the worker queues it when it
starts (``manage.py chat_worker``).
"""

from __future__ import annotations

import logging
import smtplib

from django.utils import timezone
from django_tasks import task

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
    """Deliver every batch that is due (those whose own task was lost). Returns how many
    were settled here."""
    settled = 0
    for notification_id in selectors.due_notification_ids(timezone.now()):
        if deliver.call(notification_id) is not None:
            settled += 1
    return settled
