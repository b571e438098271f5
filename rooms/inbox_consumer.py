"""The inbox socket, ``/ws/inbox/``: one per rooms list (and per room page's sidebar).

It pushes what happens to the signed-in user's rooms: counts going up, a room moving to
the top, a room they were added to appearing, one they were removed from disappearing,
counts clearing when they read elsewhere. It listens on ``inbox_group(user_id)`` (read
positions), on ``user_group(user_id)`` (``membership.added``, ``membership.removed``) and
on ``activity_group(room_id)`` of each of their rooms (new, edited and deleted messages:
ids and authors only, no HTML). Rows are drawn with the
same partial as the page. Catch-up is a redraw: every (re)connect sends both lists.

``?room=<slug>`` says the page shows that room: it is being read, so it never counts.

A busy room would redraw its row on every message for every member with a list open.
So a row changes at once when the socket has been quiet for ``COALESCE_SECONDS``, and
otherwise with whatever else changed in that time, in one frame: at most a few frames a
second per socket, each showing the latest counts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.template.loader import render_to_string

from rooms import access, handshake, unread
from rooms.groups import activity_group, inbox_group, session_tag, user_group
from rooms.inbox import RELOAD, Change, Inbox

logger = logging.getLogger(__name__)

INBOX_TEMPLATE = "rooms/inbox.html"
# The inbox takes no input; a client sending this many frames in a window is hung up on.
MAX_FRAMES, FRAME_WINDOW = 10, 10.0
COALESCE_SECONDS = 0.25


def page_title(base: str, unread_elsewhere: int) -> str:
    return f"({unread_elsewhere}) {base}" if unread_elsewhere else base


class InboxConsumer(AsyncWebsocketConsumer):
    inbox: Inbox | None = None

    async def connect(self) -> None:
        user = await handshake.admit_user(self.scope)
        if user is None:
            await self.close()
            return
        self.user = user
        self.frames, self.frames_since = 0, time.monotonic()
        self.pending: dict[int, Change] = {}
        self.sent_at = 0.0
        self.flushing: asyncio.Task[None] | None = None
        query = parse_qs(self.scope.get("query_string", b"").decode())
        slug = (query.get("room") or [""])[0]
        # Join first, read second: an event in between is applied to what was read
        # (rows remember the seq they were read at, older events are ignored).
        self.groups_joined: list[str] = [user_group(user.pk), inbox_group(user.pk)]
        session_key = getattr(self.scope.get("session"), "session_key", None)
        self.session = session_tag(session_key) if session_key else None
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        self.inbox, self.base_title = await database_sync_to_async(self._load)(slug)
        for room_id in self.inbox.rows:
            await self._follow(room_id)
        await self.accept()
        await self.send(text_data=await database_sync_to_async(self._redraw)())

    def _load(self, slug: str) -> tuple[Inbox, str]:
        # The page's room, if this user may see it (its title goes in the tab's title).
        room = access.room_for_user(slug=slug, user=self.user) if slug else None
        current = room.pk if room is not None else None
        inbox = Inbox(unread.inbox_rows(self.user), user_id=self.user.pk, current_room_id=current)
        if room is None:
            return inbox, "Rooms · Chatrooms"
        row = inbox.rows.get(room.pk)
        return inbox, f"{row.title if row is not None else room.title} · Chatrooms"

    async def _follow(self, room_id: int) -> None:
        group = activity_group(room_id)
        if group not in self.groups_joined:
            self.groups_joined.append(group)
            await self.channel_layer.group_add(group, self.channel_name)

    async def dispatch(self, message: dict[str, Any]) -> None:
        if getattr(self, get_handler_name(message), None) is None:
            return  # an event for the user's room sockets (user_group is shared)
        await super().dispatch(message)

    async def disconnect(self, code: int) -> None:
        flushing = getattr(self, "flushing", None)
        if flushing is not None:
            flushing.cancel()
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        now = time.monotonic()
        if now - self.frames_since > FRAME_WINDOW:
            self.frames, self.frames_since = 0, now
        self.frames += 1
        if self.frames > MAX_FRAMES:
            await self.close(code=4429)

    # ------------------------------------------------------------------ rendering
    def _context(self) -> dict[str, Any]:
        assert self.inbox is not None
        return {
            "current_room_id": self.inbox.current_room_id,
            "page_title": page_title(self.base_title, self.inbox.unread_elsewhere()),
        }

    def _redraw(self) -> str:
        assert self.inbox is not None
        return render_to_string(
            f"{INBOX_TEMPLATE}#redraw-frame", {**self.inbox.context(), **self._context()}
        )

    async def _push(self, change: Change | str | None, room_id: int) -> None:
        if change is None:
            return
        if change == RELOAD:
            rows = await database_sync_to_async(unread.inbox_rows)(self.user, room_ids=[room_id])
            if not rows:
                return
            assert self.inbox is not None
            change = self.inbox.put(rows[0], to_top=False)
        assert isinstance(change, Change)
        earlier = self.pending.pop(change.room_id, None)  # re-added last: the latest on top
        if earlier is not None:
            change = dataclasses.replace(change, to_top=change.to_top or earlier.to_top)
        self.pending[change.room_id] = change
        wait = self.sent_at + COALESCE_SECONDS - time.monotonic()
        if wait <= 0:
            await self._flush()
        elif self.flushing is None:
            self.flushing = asyncio.create_task(self._flush_after(wait))

    async def _flush_after(self, delay: float) -> None:
        await asyncio.sleep(delay)
        self.flushing = None
        await self._flush()

    async def _flush(self) -> None:
        if not self.pending:
            return
        changes, self.pending = list(self.pending.values()), {}
        self.sent_at = time.monotonic()
        html = render_to_string(f"{INBOX_TEMPLATE}#changes-frame", {
            **self._context(), "changes": changes,
        })
        await self.send(text_data=html)

    # ------------------------------------------------------------------ events
    async def inbox_message(self, event: dict[str, Any]) -> None:
        if self.inbox is None:
            return
        change = self.inbox.message(
            room_id=event["room_id"], seq=event["seq"], created_seq=event["created_seq"],
            author_id=event["author_id"], mentions=event["mentions"], new=event["new"],
            at=event["at"],
        )
        await self._push(change, event["room_id"])

    async def inbox_read(self, event: dict[str, Any]) -> None:
        if self.inbox is None:
            return
        await self._push(self.inbox.read(room_id=event["room_id"], seq=event["seq"]),
                         event["room_id"])

    async def membership_added(self, event: dict[str, Any]) -> None:
        """The user became a member of a room: its row appears at the top."""
        if self.inbox is None:
            return
        room_id = event["room_id"]
        await self._follow(room_id)
        rows = await database_sync_to_async(unread.inbox_rows)(self.user, room_ids=[room_id])
        if rows:
            await self._push(self.inbox.put(rows[0], to_top=True), room_id)

    async def membership_removed(self, event: dict[str, Any]) -> None:
        """The user left or was removed: the row goes, and so do the room's events."""
        if self.inbox is None:
            return
        room_id = event["room_id"]
        group = activity_group(room_id)
        if group in self.groups_joined:
            self.groups_joined.remove(group)
            await self.channel_layer.group_discard(group, self.channel_name)
        await self._push(self.inbox.remove(room_id), room_id)

    async def session_ended(self, event: dict[str, Any]) -> None:
        if event.get("session") == self.session:  # not another session of this user
            await self.close(code=4401)

    async def user_deactivated(self, event: dict[str, Any]) -> None:
        await self.close(code=4403)
