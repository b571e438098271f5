"""The worker is killed while it sends a batch of due email: after a restart (two workers
at once) each email arrives exactly once."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from notifications.models import Notification
from rooms import direct, services
from tests.notifications.conftest import verified_email, wait_settled
from tests.notifications.harness import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_worker_killed_mid_batch_sends_each_due_email_exactly_once_after_restart(
    make_worker, inbox, short_delay, make_user, alice
) -> None:
    people = [make_user(name) for name in ("bob", "carol", "dave", "erin", "frank")]
    for person in people:
        verified_email(person)
        room = direct.conversation_start(user=alice, usernames=[person.username])
        services.message_create(room=room, author=alice, body=f"Hello {person.username}")
    # All five are due before any worker runs: one batch of work for it.
    wait_until(lambda: not Notification.objects.filter(due_at__gt=_now()).exists(),
               timeout=5, what="the batches did not fall due")

    inbox.hold_after = 2  # the mail server stalls in the third session
    first = make_worker().start()
    inbox.wait_for_mail(2)
    # The third session has begun, so the second email's transaction has committed.
    inbox.wait(lambda: inbox.sessions_started >= 3, timeout=60, what="no third session")
    first.kill()
    inbox.release()
    assert len(inbox.messages) == 2

    # Two workers come back at once (a restart, and a second dyno): each sweeps what is due.
    restarted = [make_worker().start(), make_worker().start()]
    wait_settled(count=5)
    time.sleep(0.5)  # anything sent twice would arrive now
    for worker in restarted:
        worker.assert_running()
    received = Counter(mail["To"] for mail in inbox.messages)
    assert received == Counter(f"{p.username}@example.com" for p in people)
    assert set(Notification.objects.values_list("outcome", flat=True)) == {"sent"}


def _now():
    from django.utils import timezone

    return timezone.now()
