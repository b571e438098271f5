from __future__ import annotations

from django.contrib import admin

from rooms.models import Membership, Message, Room


class MembershipInline(admin.TabularInline):
    """Who is in the room, read-only: adding and removing go through the members page,
    whose service also closes a removed member's sockets."""

    model = Membership
    fields = ("user", "joined_at", "notify_level", "last_read_seq")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "creator", "created_at", "last_activity_at"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "room", "author", "created_at", "edited_at", "deleted_at"]
    list_filter = ["room"]
    raw_id_fields = ["room", "author"]
