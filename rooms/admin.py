from __future__ import annotations

from django.contrib import admin

from rooms.models import Message, Room


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "creator", "created_at", "last_activity_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "room", "author", "created_at", "edited_at", "deleted_at"]
    list_filter = ["room"]
    raw_id_fields = ["room", "author"]
