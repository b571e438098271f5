from __future__ import annotations

from django.urls import path

from users import views

app_name = "users"

urlpatterns = [
    path("accounts/profile/", views.settings_page, name="settings"),
    path("users/<str:username>/", views.profile, name="profile"),
]
