from __future__ import annotations

from django.urls import path

from rooms import member_views, views

app_name = "rooms"

urlpatterns = [
    path("", views.room_list, name="list"),
    path("<slug:slug>/", views.room_detail, name="detail"),
    path("<slug:slug>/members/", member_views.members, name="members"),
    path(
        "<slug:slug>/members/<int:user_id>/remove/", member_views.member_remove,
        name="member_remove",
    ),
    path("<slug:slug>/leave/", member_views.room_leave, name="leave"),
    path("<slug:slug>/messages/", views.message_create, name="message_create"),
    path("<slug:slug>/messages/older/", views.messages_older, name="messages_older"),
    path("<slug:slug>/messages/<int:message_id>/", views.message_detail, name="message_detail"),
    path("<slug:slug>/messages/<int:message_id>/edit/", views.message_edit, name="message_edit"),
    path(
        "<slug:slug>/messages/<int:message_id>/delete/", views.message_delete,
        name="message_delete",
    ),
]
