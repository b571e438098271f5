"""The room websocket: a thin edge between htmx's ws extension and the services.

Frames in are JSON from ``ws-send`` forms: ``{"action": "send"|"edit"|"delete"|"sync", ...}``.
Frames out are HTML fragments htmx swaps out-of-band. Changes are rendered once per
event by ``rooms.broadcast`` and forwarded here as the same bytes to every member.

Each room event carries the room's sequence number. This connection remembers the
last one it delivered, so it drops duplicates, fills gaps from the database, and
answers the client's ``sync`` (sent when the socket opens, with the newest seq the
page has seen) with exactly what the page missed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
import uuid
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form

from rooms import access, render, selectors, services
from rooms.forms import MessageDeleteForm, MessageEditForm, MessageForm, SyncForm
from rooms.groups import room_group, session_group
from rooms.presence import get_store
from rooms.presence_events import presence_html, schedule_presence_broadcast
from rooms.ratelimit import RateLimited

logger = logging.getLogger(__name__)

# Close code for "your session ended": not one htmx retries.
CLOSE_LOGGED_OUT = 4401

ERROR_NOT_JSON = "That message could not be read. Please try again."
ERROR_TOO_LARGE = "That message is too large to send."
ERROR_UNKNOWN_ACTION = "That action is not supported."
ERROR_INTERNAL = "Something went wrong on our side; nothing was changed."

# A connection may send this many frames per message it may post in a rate window
# (room for sync, edits and refused sends). Daphne parses every frame on the process's
# one event loop before any limit applies, so a client flooding beyond that slows
# everyone: it is hung up on, and the user may not reconnect for one window.
FRAMES_PER_MESSAGE = 3
CLOSE_FLOODING = 4429
ERROR_FLOODING = "Too many messages at once: you were disconnected. Wait a moment, then reload."


def _first_error(form: Form) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return ERROR_NOT_JSON


def _error_text(exc: Exception) -> str:
    if isinstance(exc, RateLimited):
        return f"You are sending messages too quickly. Try again in {round(exc.retry_after)} s."
    if isinstance(exc, ValidationError):
        return exc.messages[0] if exc.messages else ERROR_NOT_JSON
    return str(exc) or "You are not allowed to do that."


def _flood_key(user_id: int) -> str:
    return f"flooded:{user_id}"


class RoomConsumer(AsyncWebsocketConsumer):
    room_id: int | None = None

    # ----------------------------------------------------------------- lifecycle
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close()  # before accept: the handshake is refused (HTTP 403)
            return
        if await cache.aget(_flood_key(user.pk)):
            await self.close()  # hung up on for flooding moments ago
            return
        # One query: the room, and whether this user may see it.
        room = await database_sync_to_async(access.room_for_user)(
            slug=self.scope["url_route"]["kwargs"]["slug"], user=user
        )
        if room is None:
            await self.close()
            return
        self.room = room
        self.room_id = room.pk
        self.user = user
        self.connection_id = uuid.uuid4().hex
        self.groups_joined = [room_group(room.pk)]
        session_key = getattr(self.scope.get("session"), "session_key", None)
        if session_key:
            self.groups_joined.append(session_group(session_key))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        # Read the room's seq after joining the group: anything later arrives live.
        self.seq = await database_sync_to_async(self._current_seq)()
        # Held while deciding what to send by seq: the heartbeat's repair runs beside
        # the events and must not interleave with them.
        self.delivering = asyncio.Lock()
        self.delivered_live = False
        self.frames_since, self.frames_seen, self.hung_up = time.monotonic(), 0, False
        await self.accept()
        await self._touch_presence(send_to_self=True)
        self.heartbeat = asyncio.create_task(self._heartbeat())

    async def disconnect(self, code: int) -> None:
        if self.room_id is None:
            return
        heartbeat = getattr(self, "heartbeat", None)
        if heartbeat is not None:
            heartbeat.cancel()
        try:
            changed = await get_store().leave(
                room_id=self.room_id, user_id=self.user.pk, connection=self.connection_id
            )
            if changed:
                schedule_presence_broadcast(self.room_id)
        except Exception:
            logger.exception("presence leave failed")
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Group events that touch no database skip Channels' per-event hop to the
        # database thread (aclose_old_connections); the gap fill uses
        # database_sync_to_async, which closes stale connections itself.
        if message["type"] in {"room.event", "room.presence", "session.ended"}:
            await getattr(self, message["type"].replace(".", "_"))(message)
            return
        if message["type"] == "websocket.receive" and not self._within_frame_budget():
            # Checked before Channels' database-thread hop: a flood costs no thread time.
            await self._hang_up_on_flood()
            return
        await super().dispatch(message)

    # ----------------------------------------------------------------- from the client
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self.send_error(ERROR_NOT_JSON)
            return
        if len(text_data.encode()) > settings.CHAT_MAX_FRAME_BYTES:
            await self.send_error(ERROR_TOO_LARGE)
            return
        try:
            data = json.loads(text_data)
        except (ValueError, RecursionError):
            await self.send_error(ERROR_NOT_JSON)
            return
        if not isinstance(data, dict):
            await self.send_error(ERROR_NOT_JSON)
            return
        action = data.get("action", "send")
        handler = {
            "send": self.action_send,
            "edit": self.action_edit,
            "delete": self.action_delete,
            "sync": self.action_sync,
        }.get(action) if isinstance(action, str) else None
        if handler is None:
            await self.send_error(ERROR_UNKNOWN_ACTION)
            return
        try:
            await handler(data)
        except (ValidationError, PermissionDenied, RateLimited) as exc:
            await self.send_error(_error_text(exc))
        except Exception:
            logger.exception("room action %r failed", action)
            await self.send_error(ERROR_INTERNAL)

    async def action_send(self, data: dict[str, Any]) -> None:
        form = MessageForm(data=data)
        if not form.is_valid():
            raise ValidationError(_first_error(form))
        await database_sync_to_async(services.message_create)(
            room=self.room, author=self.user, body=form.cleaned_data["body"]
        )
        await self.send(text_data=render.composer_reset_frame())

    async def action_edit(self, data: dict[str, Any]) -> None:
        form = MessageEditForm(data=data)
        if not form.is_valid():
            raise ValidationError(_first_error(form))
        await database_sync_to_async(services.message_edit)(
            room=self.room, user=self.user,
            message_id=form.cleaned_data["message_id"], body=form.cleaned_data["body"],
        )
        await self.send(text_data=render.error_frame(""))

    async def action_delete(self, data: dict[str, Any]) -> None:
        form = MessageDeleteForm(data=data)
        if not form.is_valid():
            raise ValidationError(_first_error(form))
        await database_sync_to_async(services.message_delete)(
            room=self.room, user=self.user, message_id=form.cleaned_data["message_id"]
        )
        await self.send(text_data=render.error_frame(""))

    async def action_sync(self, data: dict[str, Any]) -> None:
        form = SyncForm(data=data)
        if not form.is_valid():
            raise ValidationError("That sync request could not be read.")
        after = form.cleaned_data["after"]
        async with self.delivering:
            if after >= self.seq:
                # The page has everything up to our position (or claims more: ignore that).
                return
            if self.delivered_live:
                # Live events already went out past a gap the page still has: appending
                # the gap now would put messages out of order, so redraw the list.
                await self._send_reset()
                return
            await self._catch_up(after)

    # ----------------------------------------------------------------- from the group
    async def room_event(self, event: dict[str, Any]) -> None:
        async with self.delivering:
            seq = event["seq"]
            if seq <= self.seq:
                return  # already delivered (catch-up or an earlier copy)
            if seq == self.seq + 1:
                self.seq = seq
                self.delivered_live = True
                await self.send(text_data=event["html"])
                return
            # A gap: events before this one were lost or are late. Their rows are
            # committed (the room lock orders commits by seq), so read them.
            self.delivered_live = True
            await self._catch_up(self.seq)

    async def room_presence(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["html"])

    async def session_ended(self, event: dict[str, Any]) -> None:
        await self.close(code=CLOSE_LOGGED_OUT)

    # ----------------------------------------------------------------- helpers
    def _within_frame_budget(self) -> bool:
        now = time.monotonic()
        if now - self.frames_since >= settings.CHAT_RATE_WINDOW:
            self.frames_since, self.frames_seen = now, 0
        self.frames_seen += 1
        return self.frames_seen <= FRAMES_PER_MESSAGE * settings.CHAT_RATE_LIMIT

    async def _hang_up_on_flood(self) -> None:
        if self.hung_up:
            return  # frames already queued before the close: dropped
        self.hung_up = True
        logger.warning("user %s flooded room %s: disconnected", self.user.pk, self.room_id)
        await cache.aset(_flood_key(self.user.pk), True, timeout=settings.CHAT_RATE_WINDOW)
        await self.send_error(ERROR_FLOODING)
        await self.close(code=CLOSE_FLOODING)

    async def send_error(self, text: str) -> None:
        await self.send(text_data=render.error_frame(text))

    def _current_seq(self) -> int:
        return type(self.room).objects.values_list("last_seq", flat=True).get(pk=self.room_id)

    async def _catch_up(self, after: int) -> None:
        limit = settings.CHAT_CATCHUP_LIMIT
        messages = await database_sync_to_async(selectors.messages_changed_after)(
            room_id=self.room_id, seq=after, limit=limit + 1
        )
        if len(messages) > limit:
            await self._send_reset()
            return
        if not messages:
            return
        seq = max(self.seq, messages[-1].seq)
        html = await database_sync_to_async(render.catchup_frame)(messages, after=after, seq=seq)
        if len(html.encode()) > settings.CHAT_MAX_SENT_FRAME_BYTES:
            # Long, link-heavy messages: more than Daphne would send in one frame.
            await self._send_reset()
            return
        self.seq = seq
        await self.send(text_data=html)

    async def _send_reset(self) -> None:
        def build() -> tuple[int, str]:
            seq = self._current_seq()
            limit = settings.CHAT_PAGE_SIZE
            while True:
                page = selectors.message_page(room=self.room, max_seq=seq, limit=limit)
                html = render.reset_frame(
                    room=self.room, messages=page.messages, has_more=page.has_more, seq=seq
                )
                # The newest messages that fit in one frame; older ones stay a click away.
                if limit == 1 or len(html.encode()) <= settings.CHAT_MAX_SENT_FRAME_BYTES:
                    return seq, html
                limit //= 2

        seq, html = await database_sync_to_async(build)()
        self.seq = max(self.seq, seq)
        await self.send(text_data=html)

    async def _touch_presence(self, *, send_to_self: bool = False) -> None:
        changed = await get_store().touch(
            room_id=self.room_id, user_id=self.user.pk, connection=self.connection_id
        )
        if changed:
            schedule_presence_broadcast(self.room_id)
        if send_to_self:
            await self.send(text_data=await presence_html(self.room_id))

    async def _heartbeat(self) -> None:
        interval = settings.CHAT_PRESENCE_INTERVAL
        while True:
            # Jitter spreads the heartbeats of many connections over the interval.
            await asyncio.sleep(interval * random.uniform(0.8, 1.0))  # noqa: S311
            try:
                changed, latest = await get_store().heartbeat(
                    room_id=self.room_id, user_id=self.user.pk, connection=self.connection_id
                )
                if changed:
                    schedule_presence_broadcast(self.room_id)
                await self._repair_missed_events(latest)
            except Exception:
                logger.exception("presence heartbeat failed")

    async def _repair_missed_events(self, latest: int) -> None:
        """Send changes whose live event never reached this socket (lost by the channel
        layer, e.g. while this process's Redis subscription reconnected), even when the
        room stays quiet and no later event reveals the gap. ``latest`` is the room's
        newest broadcast seq, read by the heartbeat."""
        if latest <= self.seq:
            return
        async with self.delivering:
            self.delivered_live = True
            await self._catch_up(self.seq)
