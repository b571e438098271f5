"""Request-wide concerns of signed-in users: htmx requests whose session has ended go
to the login page, not into the page; every page is drawn in its reader's time zone."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from config.http import HtmxRequest
from rooms.timeline import zone_of


class HtmxLoginRedirectMiddleware:
    """``login_required`` answers a logged-out htmx request with a redirect to the login
    page, which the browser follows inside the request: htmx would then paste the login
    page where a message was. Tell htmx to take the whole tab there instead, with a
    ``next`` that returns to the page the request came from."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HtmxRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or response.status_code != 302:
            return response
        login_url = resolve_url(settings.LOGIN_URL)
        if not response["Location"].split("?", 1)[0] == login_url:
            return response
        back_to = request.htmx.current_url_abs_path or resolve_url(settings.LOGIN_REDIRECT_URL)
        return HttpResponseClientRedirect(f"{login_url}?{urlencode({'next': back_to})}")


def time_zone_middleware(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Every page is drawn in its reader's time zone (``User.time_zone``)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            with timezone.override(zone_of(user)):
                return get_response(request)
        return get_response(request)

    return middleware
