from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from config import views as site
from rooms.mention_views import mentions
from rooms.views import home

urlpatterns = [
    path("", home, name="home"),
    path("manifest.webmanifest", site.manifest, name="manifest"),
    path("rooms/", include("rooms.urls")),
    path("search/", include("search.urls")),
    path("mentions/", mentions, name="mentions"),
    # Before allauth, which owns the rest of /accounts/.
    path("", include("users.urls")),
    path("accounts/", include("allauth.urls")),
    path("notifications/", include("notifications.urls")),
    path("admin/", admin.site.urls),
]
