"""``{{ username|profile_url }}``: where a username links to (``/users/<username>/``)."""

from __future__ import annotations

import functools

from django import template
from django.urls import reverse

register = template.Library()


@register.filter
@functools.lru_cache(maxsize=4096)
def profile_url(username: str) -> str:
    # Cached: a room page links every author and every online person.
    return reverse("users:profile", kwargs={"username": username})
