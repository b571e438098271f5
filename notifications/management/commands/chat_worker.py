"""The background worker (the Procfile's ``worker``): django-tasks-db's ``db_worker``,
after queueing one sweep for batches a previous worker left due (killed mid-task)."""

from __future__ import annotations

from argparse import ArgumentParser

from django.core.management import call_command
from django.core.management.base import BaseCommand

from notifications.tasks import deliver_due


class Command(BaseCommand):
    help = "Run the background worker: notification email and any other task."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0,
            help="Seconds between looks for due tasks when idle (default 1).",
        )

    def handle(self, *, interval: float, verbosity: int, **options: object) -> None:
        deliver_due.enqueue()
        call_command(
            "db_worker", interval=interval, reload=False, startup_delay=False,
            queue_name="*", verbosity=verbosity,
        )
