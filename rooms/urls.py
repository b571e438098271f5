from __future__ import annotations

from django.urls import path

# converters registers <room:…>.
from rooms import (  # noqa: F401
    connection_views,
    converters,
    history,
    member_views,
    message_views,
    transcript,
    views,
)

app_name = "rooms"

urlpatterns = [
    path("", views.room_list, name="list"),
    # "-" is never a room's slug (slugify drops a lone dash).
    path("-/connection/", connection_views.connection_notices, name="connection_notices"),
    path("-/session/", connection_views.session_check, name="session_check"),
    path("-/menu/<int:message_id>/", history.message_menu, name="message_menu"),
    path("<room:slug>/", views.room_detail, name="detail"),
    path("<room:slug>/members/", member_views.members, name="members"),
    path(
        "<room:slug>/members/<int:user_id>/remove/", member_views.member_remove,
        name="member_remove",
    ),
    path("<room:slug>/leave/", member_views.room_leave, name="leave"),
    path("<room:slug>/messages/", message_views.message_create, name="message_create"),
    path("<room:slug>/composer/", history.composer_field, name="composer_field"),
    path("<room:slug>/transcript.txt", transcript.transcript_text, name="transcript_txt"),
    path("<room:slug>/transcript.json", transcript.transcript_json, name="transcript_json"),
    path("<room:slug>/messages/older/", views.messages_older, name="messages_older"),
    path("<room:slug>/messages/newer/", history.messages_newer, name="messages_newer"),
    path("<room:slug>/messages/<int:message_id>/", history.message_permalink, name="message"),
    path(
        "<room:slug>/messages/<int:message_id>/fragment/", history.message_fragment,
        name="message_fragment",
    ),
    path(
        "<room:slug>/messages/<int:message_id>/edit/", message_views.message_edit,
        name="message_edit",
    ),
    path(
        "<room:slug>/messages/<int:message_id>/delete/", message_views.message_delete,
        name="message_delete",
    ),
]
