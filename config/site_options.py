"""Two settings too long to read inline: the Content-Security-Policy and the logging."""

from __future__ import annotations

import os
from typing import Any

from csp.constants import NONCE, SELF


def content_security_policy() -> dict[str, Any]:
    """Our own scripts and styles only; the one inline style block
    (who may edit what) carries a per-request nonce. htmx runs with eval disabled.
    https://django-csp.readthedocs.io/en/latest/configuration.html
    """
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF],
            "style-src": [SELF, NONCE],
            "img-src": [SELF, "data:"],
            "connect-src": [SELF],
            "font-src": [SELF],
            "form-action": [SELF],
            "frame-ancestors": ["'none'"],
            "base-uri": [SELF],
            "object-src": ["'none'"],
        },
    }


def logging_config() -> dict[str, Any]:
    """One line per event to stdout (Heroku's log router collects it)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"console": {"class": "logging.StreamHandler"}},
        "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
        "loggers": {
            "daphne": {"level": "WARNING"},
            "django.channels.server": {"level": "WARNING"},
        },
    }
