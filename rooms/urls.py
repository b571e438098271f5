from __future__ import annotations

from django.urls import path

from rooms import views

app_name = "rooms"

urlpatterns = [
    path("", views.room_list, name="list"),
    path("<slug:slug>/", views.room_detail, name="detail"),
    path("<slug:slug>/messages/", views.message_create, name="message_create"),
    path("<slug:slug>/messages/older/", views.messages_older, name="messages_older"),
    path("<slug:slug>/messages/<int:message_id>/", views.message_detail, name="message_detail"),
    path("<slug:slug>/messages/<int:message_id>/edit/", views.message_edit, name="message_edit"),
    path(
        "<slug:slug>/messages/<int:message_id>/delete/", views.message_delete,
        name="message_delete",
    ),
]
