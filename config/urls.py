from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from rooms.views import home

urlpatterns = [
    path("", home, name="home"),
    path("rooms/", include("rooms.urls")),
    # Before allauth, which owns the rest of /accounts/.
    path("", include("users.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
