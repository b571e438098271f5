"""Account template tags."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def password_reset_available() -> bool:
    """Whether a password reset email can reach anyone (settings.PASSWORD_RESET_AVAILABLE)."""
    return bool(settings.PASSWORD_RESET_AVAILABLE)
