from __future__ import annotations

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """The people who chat. Custom from the first migration so it can grow."""

    class Meta:
        ordering = ["username"]
