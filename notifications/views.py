"""Notification settings and the unsubscribe link. Thin: forms validate, services change."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from config.http import AuthedRequest
from notifications import selectors, services
from notifications.forms import NotifyLevelForm
from notifications.tokens import unsubscribe_from_token
from rooms import access
from rooms.models import Membership, Room
from users.models import User


# The token is the credential: mail clients POST the RFC 8058 one-click request with
# no cookies, so there is no session and no CSRF token to check.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    wanted = unsubscribe_from_token(token)
    user = User.objects.filter(pk=wanted.user_id).first() if wanted else None
    room = Room.objects.filter(pk=wanted.room_id).first() if wanted else None
    if user is None or room is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    context: dict[str, object] = {
        "conversation": selectors.conversation_name(room=room, user=user)
    }
    if request.method == "POST":
        services.unsubscribe(user_id=user.pk, room_id=room.pk)
        context["done"] = True
    return render(request, "notifications/unsubscribe.html", context)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return redirect(target)


@login_required
@require_POST
def notify_level(request: AuthedRequest, slug: str) -> HttpResponse:
    room = access.room_for_user(slug=slug, user=request.user)
    if room is None:
        raise Http404("No such room.")
    form = NotifyLevelForm(request.POST)
    if not form.is_valid():
        return render(
            request, "notifications/_level_form.html", {"room": room, "form": form}, status=400
        )
    try:
        services.notify_level_set(
            room=room, user=request.user, level=form.cleaned_data["notify_level"]
        )
    except Membership.DoesNotExist:
        raise Http404("You are not a member of this room.") from None
    if request.htmx:
        return render(
            request, "notifications/_level_form.html",
            {"room": room, "form": form, "saved": True},
        )
    return _back(request, room.get_absolute_url())
