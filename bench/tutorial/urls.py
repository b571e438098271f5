"""The project's ``urls.py`` (the tutorial's chat pages are not needed to measure sockets)."""
from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
