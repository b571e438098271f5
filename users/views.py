"""The signed-in user's own settings page, and everyone's public profile."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from config.http import AuthedRequest
from rooms import timeline
from users.forms import ProfileForm
from users.models import User


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: AuthedRequest) -> HttpResponse:
    form = ProfileForm(instance=request.user)
    status = 200
    if request.method == "POST":
        form = ProfileForm(data=request.POST, instance=request.user)
        if form.is_valid():
            form.save()
            # Live messages carry a time for each zone in use: this one may be new.
            timeline.forget_audience_zones()
            messages.success(request, "Your profile is saved.")
            return redirect("users:settings")
        status = 400
    return render(request, "users/settings.html", {"form": form}, status=status)


@login_required
@require_GET
def profile(request: AuthedRequest, username: str) -> HttpResponse:
    """Someone's profile, with the Message button. Deactivated accounts are gone (404)."""
    person = get_object_or_404(User, username=username, is_active=True)
    return render(
        request, "users/profile.html", {"person": person, "is_you": person.pk == request.user.pk}
    )
