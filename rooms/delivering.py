"""How a room socket carries out what its delivery state (``rooms.delivery``) decides:
send a live event, fetch and render a catch-up, or redraw the list, and note what was
shown as read. Mixed into ``rooms.consumers.RoomConsumer``; the process's sweep
(``rooms.sweep``) calls ``repair`` through it."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from channels.db import database_sync_to_async
from django.conf import settings

from rooms import render, selectors
from rooms.delivery import Decision, Delivery, Step
from rooms.readstate import get_tracker
from rooms.timeline import zone_of

if TYPE_CHECKING:
    from rooms.models import Room
    from users.models import User

logger = logging.getLogger(__name__)


def events_waiting(consumer: object) -> int:
    """How many messages wait in the channel layer's queue for this consumer's channel:
    the Redis pub/sub layer and the in-memory one keep ``channels``, channels-redis'
    core layer a ``receive_buffer``, each of asyncio queues. 0 when it cannot tell."""
    layer = getattr(consumer, "channel_layer", None)
    name = getattr(consumer, "channel_name", None)
    for attribute in ("channels", "receive_buffer"):
        queues = getattr(layer, attribute, None)
        queue = queues.get(name) if isinstance(queues, dict) and name else None
        if isinstance(queue, asyncio.Queue):
            return queue.qsize()
    return 0


class DeliveringMixin:
    room_id: int | None
    room: Room
    user: User
    delivery: Delivery
    # Held while deciding what to send by seq: the sweep's repair runs beside events.
    delivering: asyncio.Lock
    # Events that came before the ones preceding them (seq: frame), and the wait for those.
    held: dict[int, str]
    gap_wait: asyncio.Task[None] | None = None
    left: bool

    if TYPE_CHECKING:  # provided by the consumer (AsyncWebsocketConsumer.send)
        async def send(self, text_data: str | None = None) -> None: ...

    async def _carry_out(self, decision: Decision, *, html: str = "", seq: int = 0) -> None:
        """Do what ``self.delivery`` decided (``seq``: the event's, for HOLD). Called with
        ``self.delivering`` held."""
        await self._carry_out_one(decision, html=html, seq=seq)
        await self._send_held()

    async def _carry_out_one(self, decision: Decision, *, html: str, seq: int) -> None:
        if decision.step is Step.HOLD:
            self.held[seq] = html
            if len(self.held) > self.delivery.catchup_limit:
                await self._catch_up(self.delivery.seq)
            elif self.gap_wait is None:
                self.gap_wait = asyncio.create_task(self._close_gap_later())
        elif decision.step is Step.SEND:
            await self.send(text_data=html)
            self._note_read()
        elif decision.step is Step.FETCH:
            await self._catch_up(decision.seq)
        elif decision.step is Step.REDRAW:
            seq, frame = await database_sync_to_async(render.fitting_reset_frame)(
                room=self.room, smaller_page=self.delivery.smaller_page, tz=zone_of(self.user)
            )
            self.delivery.redrawn(seq)
            await self.send(text_data=frame)
            self._note_read()

    async def _send_held(self) -> None:
        """Held events that now follow on are sent, in order; those already shown dropped."""
        while self.held:
            for seq in [s for s in self.held if s <= self.delivery.seq]:
                del self.held[seq]
            html = self.held.pop(self.delivery.seq + 1, None)
            if html is None:
                break
            self.delivery.event(self.delivery.seq + 1)
            await self.send(text_data=html)
            self._note_read()
        if not self.held and self.gap_wait is not None:
            self.gap_wait.cancel()
            self.gap_wait = None

    async def _close_gap_later(self) -> None:
        await asyncio.sleep(settings.CHAT_REORDER_WAIT)
        async with self.delivering:
            self.gap_wait = None
            if not self.left:  # the socket closed meanwhile
                await self._carry_out(self.delivery.gap(self.held))
            self.held.clear()  # anything still missing: the sweep's repair finds it

    def _note_read(self) -> None:
        """What this socket showed counts as read (written in batches: rooms.readstate)."""
        get_tracker().note(room_id=self.room.pk, user_id=self.user.pk, seq=self.delivery.seq)

    async def _catch_up(self, after: int) -> None:
        messages = await database_sync_to_async(selectors.messages_changed_after)(
            room_id=self.room.pk, seq=after, limit=self.delivery.fetch_limit
        )
        newest = messages[-1].seq if messages else 0
        decision = self.delivery.fetched(count=len(messages), newest=newest)
        html = ""
        if decision.step is Step.RENDER:
            html = await database_sync_to_async(render.catchup_frame)(
                messages, after=after, seq=decision.seq, tz=zone_of(self.user)
            )
            decision = self.delivery.rendered(seq=decision.seq, size=len(html.encode()))
        await self._carry_out(decision, html=html)

    @property
    def user_id(self) -> int:
        return self.user.pk

    @property
    def seq(self) -> int:
        return self.delivery.seq

    async def repair(self, latest: int) -> None:
        """The room's newest broadcast seq is ``latest`` (read by the process's sweep):
        send changes whose live event never reached this socket (lost by the channel
        layer), even when the room stays quiet and no later event shows the gap.

        Not while events wait in this socket's queue: under load a socket is behind
        because its events are still on their way, not lost, and a "repair" then would
        read them again or, past the catch-up limit, redraw the list over them. The
        next sweep looks again; a later event that shows a gap fetches it meanwhile."""
        try:
            async with self.delivering:
                if events_waiting(self):
                    return
                await self._carry_out(self.delivery.heartbeat(latest))
        except Exception:
            logger.exception("repair of room %s failed", self.room_id)
