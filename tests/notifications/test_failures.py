"""The mail server is down: the batch stays due and is tried again later, never lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from notifications.models import Notification
from notifications.tasks import deliver
from rooms import direct, services
from tests.harness import free_port
from tests.notifications.conftest import verified_email

pytestmark = pytest.mark.django_db


def test_a_mail_server_that_refuses_leaves_the_batch_due_and_tries_again(
    settings, alice, bob, django_capture_on_commit_callbacks
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    settings.CHAT_NOTIFY_DELAY = 0
    verified_email(bob)
    room = direct.conversation_start(user=alice, usernames=["bob"])
    with django_capture_on_commit_callbacks(execute=True):
        services.message_create(room=room, author=alice, body="Lunch?")
    [batch] = Notification.objects.all()

    assert deliver.call(batch.pk) is None
    batch.refresh_from_db()
    assert batch.closed_at is None and batch.attempts == 1
    retry = DBTaskResult.objects.filter(args_kwargs__args=[batch.pk]).order_by("-enqueued_at")
    assert retry.count() == 2, "the first task and its retry"
    assert retry[0].run_after - timezone.now() > timedelta(seconds=50)
