from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """One email's worth of news for one person about one conversation.

    Opened by the first message that should reach someone who is away, due
    ``CHAT_NOTIFY_DELAY`` seconds later; every later message of that conversation joins it
    until it is delivered. The row, not the task queue, is the record of what was sent:
    a worker claims it with ``SELECT ... FOR UPDATE SKIP LOCKED``, sends, and sets
    ``closed_at`` in the same transaction, so a crash before the commit leaves it due again
    and a second worker never sends it too.
    """

    class Outcome(models.TextChoices):
        PENDING = "", "Pending"
        SENT = "sent", "Email sent"
        READ = "read", "Read in time: no email"
        SKIPPED = "skipped", "Nothing to send (no access, level, address or switch)"
        FAILED = "failed", "The mail server refused it every time"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="+")
    # The room event number of the message that opened it: older messages are not news.
    first_seq = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField()
    # When the batch was settled: emailed, read in time, nothing to send, or given up.
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            # At most one open batch per person and conversation: messages join it.
            models.UniqueConstraint(
                fields=["user", "room"], condition=models.Q(closed_at__isnull=True),
                name="notification_one_open_batch",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"], condition=models.Q(closed_at__isnull=True),
                name="notification_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.room_id} due {self.due_at:%Y-%m-%d %H:%M:%S}"
