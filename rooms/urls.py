from __future__ import annotations

from django.urls import path

from rooms import converters, member_views, views  # noqa: F401  (registers <room:…>)

app_name = "rooms"

urlpatterns = [
    path("", views.room_list, name="list"),
    # "-" is never a room's slug (slugify drops a lone dash).
    path("-/connection/", views.connection_notices, name="connection_notices"),
    path("<room:slug>/", views.room_detail, name="detail"),
    path("<room:slug>/members/", member_views.members, name="members"),
    path(
        "<room:slug>/members/<int:user_id>/remove/", member_views.member_remove,
        name="member_remove",
    ),
    path("<room:slug>/leave/", member_views.room_leave, name="leave"),
    path("<room:slug>/messages/", views.message_create, name="message_create"),
    path("<room:slug>/messages/older/", views.messages_older, name="messages_older"),
    path("<room:slug>/messages/<int:message_id>/", views.message_detail, name="message_detail"),
    path("<room:slug>/messages/<int:message_id>/edit/", views.message_edit, name="message_edit"),
    path(
        "<room:slug>/messages/<int:message_id>/delete/", views.message_delete,
        name="message_delete",
    ),
]
