"""The room websocket: a thin edge between htmx's ws extension and the app.

It does I/O only; each decision is made elsewhere:

- frames in: ``rooms.frames`` reads them (and keeps the flood budget), ``rooms.actions``
  holds what each ``{"action": ...}`` does (add new actions there, not here);
- frames out: HTML fragments htmx swaps out-of-band, rendered once per event by
  ``rooms.broadcast`` and forwarded here as the same bytes to every member;
- order and catch-up: ``rooms.delivery.Delivery`` says, for each event, sync and
  heartbeat, whether to drop, send, read the missed changes or redraw the list;
- reads: ``rooms.selectors`` (no ORM here); presence: ``rooms.presence`` and
  ``rooms.heartbeat``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from config.process_cache import process_cache
from rooms import access, frames, handshake, publisher, render
from rooms.actions import ACTIONS
from rooms.delivering import DeliveringMixin
from rooms.delivery import Delivery
from rooms.groups import room_group, session_tag, user_group
from rooms.heartbeat import beat
from rooms.models import Room
from rooms.presence import get_store
from rooms.presence_events import (
    forget_recent,
    recent_presence_html,
    schedule_presence_broadcast,
)
from rooms.readstate import get_tracker
from rooms.sweep import get_sweep
from rooms.typing import Typist
from users.models import User

logger = logging.getLogger(__name__)

# Close code for "your session ended": not one htmx retries.
CLOSE_LOGGED_OUT = 4401
# Hung up on for flooding (rooms.frames.FRAMES_PER_MESSAGE): not retried either.
CLOSE_FLOODING = 4429
# No longer a member of this room, or the account was deactivated: not retried.
CLOSE_NOT_ALLOWED = 4403
ERROR_DEACTIVATED = "Your account has been deactivated."
ERROR_FLOODING = "Too many messages at once: you were disconnected. Wait a moment, then reload."
# Events that skip Channels' per-event database hop: group events that touch no
# database, and the socket's opening and closing, whose database work goes through
# database_sync_to_async (which closes stale connections itself).
NO_DATABASE_EVENTS = {
    "room.event", "room.presence", "room.typing", "session.ended", "membership.added",
    "membership.removed", "user.deactivated", "websocket.connect", "websocket.disconnect",
}


class RoomConsumer(DeliveringMixin, AsyncWebsocketConsumer):
    room_id: int | None = None
    room: Room
    user: User

    # ----------------------------------------------------------------- lifecycle
    async def connect(self) -> None:
        # The user, the room and the access rule; handshakes arriving together (a
        # restart's reconnect storm) share one lookup.
        found = await handshake.admit(self.scope)
        if found is None:
            await self.close()  # before accept: the handshake is refused (HTTP 403)
            return
        user, room = found
        self.room, self.room_id, self.user = room, room.pk, user
        self.connection_id = self.channel_name  # unique already: no second uuid4
        self.groups_joined = [room_group(room.pk), user_group(user.pk)]
        session_key = getattr(self.scope.get("session"), "session_key", None)
        self.session = session_tag(session_key) if session_key else None
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        # Read the room's seq after joining the group: anything later arrives live. The
        # newest broadcast seq comes with the presence refresh in one Redis round trip;
        # a room quiet for a day has none there, and the seq read with the room (before
        # joining) stands in: an event missed in between shows as a gap at the next
        # event or sweep, which fetches it. Whatever the page lacks below it, its sync
        # on open fetches.
        joined, seq = await beat(room_id=room.pk, user_id=user.pk, connection=self.connection_id)
        seq = max(seq, room.last_seq)
        self.delivery = Delivery(seq=seq, catchup_limit=settings.CHAT_CATCHUP_LIMIT,
                                 max_frame_bytes=settings.CHAT_MAX_SENT_FRAME_BYTES)
        # Held while deciding what to send by seq: the heartbeat's repair must not interleave.
        self.delivering, self.held = asyncio.Lock(), {}
        budget = frames.FRAMES_PER_MESSAGE * settings.CHAT_RATE_LIMIT
        self.budget = frames.FrameBudget(budget, settings.CHAT_RATE_WINDOW, since=time.monotonic())
        self.hung_up = self.left = False
        # "… is typing" names people as their messages do: display name, else username.
        self.typist = Typist(room_id=room.pk, user_id=user.pk, username=user.public_name)
        await self.accept()
        publisher.attach()
        self._note_read()
        if joined:
            schedule_presence_broadcast(room.pk, forget=False)
        await self.send(text_data=await recent_presence_html(room.pk))
        get_sweep().join(self, room.pk)

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def _leave(self) -> None:
        """Out of presence and every group. Once, whether the client or we end it."""
        if self.room_id is None or self.left:
            return
        self.left = True
        get_sweep().leave(self, self.room_id)
        try:
            # Everything this socket showed is read; the user may be opening the list.
            await get_tracker().leave(
                room_id=self.room_id, user_id=self.user.pk, seq=self.delivery.seq
            )
            await self.typist.stopped()
        except Exception:
            logger.exception("read state or typing on leaving failed")
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
        try:
            await self._dispatch(message)
        finally:
            # Channels' receive loop keeps the last message it dispatched until the next
            # one arrives, and every socket's copy is its own (the layer deserializes per
            # channel): an idle socket would hold its room's last presence list, ~12 KB.
            message.clear()

    async def _dispatch(self, message: dict[str, Any]) -> None:
        # Group events that touch no database skip Channels' per-event hop to the
        # database thread (aclose_old_connections); the gap fill uses
        # database_sync_to_async, which closes stale connections itself.
        if message["type"] in NO_DATABASE_EVENTS:
            await getattr(self, message["type"].replace(".", "_"))(message)
            return
        if message["type"] == "websocket.receive" and self.left:
            return  # frames that were on their way when we shut this socket out
        if message["type"] == "websocket.receive" and not self.budget.allow(time.monotonic()):
            # Checked before Channels' database-thread hop: a flood costs no thread time.
            await self._hang_up_on_flood()
            return
        await super().dispatch(message)

    # ----------------------------------------------------------------- from the client
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        action = None
        try:
            action, data = frames.parse(text_data, max_bytes=settings.CHAT_MAX_FRAME_BYTES)
            handler = ACTIONS.get(action)
            if handler is None:
                raise frames.BadFrame(frames.ERROR_UNKNOWN_ACTION)
            await handler(self, data)
        except frames.REFUSALS as exc:
            await self.send_frame(render.error_frame(frames.error_text(exc)))
        except Exception:
            logger.exception("room action %r failed", action)
            await self.send_frame(render.error_frame(frames.ERROR_INTERNAL))

    async def send_frame(self, html: str) -> None:
        await self.send(text_data=html)

    async def sync(self, after: int) -> None:
        async with self.delivering:
            await self._carry_out(self.delivery.sync(after))

    # ----------------------------------------------------------------- from the group
    async def room_event(self, event: dict[str, Any]) -> None:
        async with self.delivering:
            seq = event["seq"]
            await self._carry_out(self.delivery.event(seq), html=event["html"], seq=seq)

    async def room_presence(self, event: dict[str, Any]) -> None:
        forget_recent(self.room.pk)  # a socket opening after this push must not miss it
        await self.send(text_data=event["html"])

    async def room_typing(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["html"])

    async def session_ended(self, event: dict[str, Any]) -> None:
        if event.get("session") != self.session:
            return  # another of this user's sessions logged out
        # Said before closing with a code htmx does not retry: the tab stays, and says so.
        await self.send(text_data=render.session_ended_frame(next_url=self.room.get_absolute_url()))
        await self.close(code=CLOSE_LOGGED_OUT)

    async def membership_added(self, event: dict[str, Any]) -> None:
        """For the user's inbox sockets (they share user_group): nothing to do here."""

    async def membership_removed(self, event: dict[str, Any]) -> None:
        if event["room_id"] == self.room_id:
            await self._shut_out(access.NOT_A_MEMBER)

    async def user_deactivated(self, event: dict[str, Any]) -> None:
        await self._shut_out(ERROR_DEACTIVATED)

    async def _shut_out(self, reason: str) -> None:
        """Hear nothing more of the room, tell the page why, close with a code htmx
        does not retry."""
        await self._leave()
        await self.send_frame(render.shut_out_frame(reason))
        await self.close(code=CLOSE_NOT_ALLOWED)

    # ----------------------------------------------------------------- floods, presence
    async def _hang_up_on_flood(self) -> None:
        if self.hung_up:
            return  # frames already queued before the close: dropped
        self.hung_up = True
        logger.warning("user %s flooded room %s: disconnected", self.user.pk, self.room_id)
        await database_sync_to_async(process_cache().set)(
            handshake.flood_key(self.user.pk), True, timeout=settings.CHAT_RATE_WINDOW
        )
        await self.send_frame(render.error_frame(ERROR_FLOODING))
        await self.close(code=CLOSE_FLOODING)
