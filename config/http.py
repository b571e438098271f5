"""Request types for views, so the type checker knows what the middleware adds.

``HtmxRequest``: django-htmx's middleware sets ``request.htmx``. ``AuthedRequest``:
behind ``@login_required`` the user is a signed-in ``users.User``, never anonymous.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from users.models import User


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


class AuthedRequest(HtmxRequest):
    user: User  # narrower than HttpRequest's: login_required
