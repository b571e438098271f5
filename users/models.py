from __future__ import annotations

import functools
import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

DEFAULT_TIME_ZONE = "UTC"


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone this machine knows (tzdata), sorted; read once per process."""
    return tuple(sorted(zoneinfo.available_timezones()))


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError("Choose a time zone from the list.", code="invalid")


class User(AbstractUser):
    """The people who chat. Custom from the first migration so it can grow."""

    # Shown on messages and the profile; blank means the username is shown.
    display_name = models.CharField(max_length=50, blank=True)
    # An IANA name ("Europe/Paris"): the zone this user reads every time in.
    time_zone = models.CharField(
        max_length=64, default=DEFAULT_TIME_ZONE, validators=[validate_time_zone]
    )
    # The settings page's "Email notifications" switch: off means no notification email.
    email_notifications = models.BooleanField("Email notifications", default=True)

    class Meta:
        ordering = ["username"]

    @property
    def public_name(self) -> str:
        """The name other people see: the display name, else the username."""
        return self.display_name or self.username
