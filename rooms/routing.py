from __future__ import annotations

from django.urls import path

from rooms import converters  # noqa: F401  (registers <room:…>)
from rooms.consumers import RoomConsumer
from rooms.inbox_consumer import InboxConsumer

websocket_urlpatterns = [
    path("ws/rooms/<room:slug>/", RoomConsumer.as_asgi()),
    path("ws/inbox/", InboxConsumer.as_asgi()),
]
