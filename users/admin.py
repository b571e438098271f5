from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from users.models import User


@admin.register(User)
class ChatUserAdmin(UserAdmin):
    fieldsets = (
        *(UserAdmin.fieldsets or ()), ("Profile", {"fields": ("display_name", "time_zone")})
    )
