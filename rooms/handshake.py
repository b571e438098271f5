"""The websocket handshakes' lookups, made for many sockets at once.

Each handshake needs the signed-in user (session row, user row), the room and whether
the user may see it, and whether the user was hung up on for flooding a moment ago. One
socket at a time, that is a hop to a worker thread, a pooled connection with its health
check and three queries per socket; when a restarted process meets every open tab at
once, those hops are what limits handshakes per second. Here the handshakes that arrive
while a lookup is in progress wait for the next one and share it: one hop, four queries
and one cache read for the whole batch, whatever its size. A socket that arrives alone
is looked up at once, with no added wait.

Access is still decided by ``rooms.access`` (``visible_to``), as for every other path.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from channels.db import database_sync_to_async

from config.deferred_auth import settle_user, users_for_sessions
from config.process_cache import process_cache
from rooms import access
from rooms.models import Membership, Room
from rooms.per_loop import PerLoop

if TYPE_CHECKING:
    from rooms.access import ViewedRoom
    from users.models import User

# At most this many handshakes share one lookup (a bounded IN list and batch).
MAX_BATCH = 200

Item = TypeVar("Item")
Result = TypeVar("Result")


def flood_key(user_id: int) -> str:
    return f"flooded:{user_id}"


@dataclass(frozen=True)
class Knock:
    """One handshake's question: whose session, which room."""

    session_key: str | None
    slug: str


def admit_many(knocks: Sequence[Knock]) -> list[tuple[User, ViewedRoom] | None]:
    """For each knock, its user and room if the socket may open, else None. Synchronous:
    four queries (sessions, users, rooms, memberships) and one cache read in all."""
    users = users_for_sessions({k.session_key for k in knocks if k.session_key})
    flooded = process_cache().get_many([flood_key(u.pk) for u in users.values()])
    callers: dict[Knock, User] = {}
    for knock in knocks:
        user = users.get(knock.session_key or "")
        if user is not None and flood_key(user.pk) not in flooded:
            callers[knock] = user
    rooms = {room.slug: room for room in Room.objects.filter(slug__in={k.slug for k in callers})}
    members = set(
        Membership.objects.filter(
            room_id__in=[room.pk for room in rooms.values()],
            user_id__in={u.pk for u in callers.values()},
        ).values_list("room_id", "user_id")
    )
    answers: list[tuple[User, ViewedRoom] | None] = []
    for knock in knocks:
        user, room = callers.get(knock), rooms.get(knock.slug)
        if user is None or room is None:
            answers.append(None)
            continue
        viewed: Any = copy.copy(room)  # each socket keeps its own, with its own mark
        viewed.viewer_is_member = (room.pk, user.pk) in members
        answers.append((user, viewed) if access.visible_to(viewed, user) else None)
    return answers


class Coalescer(Generic[Item, Result]):
    """Calls ``look_up`` (synchronous, in a worker thread) for everything asked while the
    previous call was running, in one call; callers each get their own answer."""

    def __init__(self, look_up: Callable[[list[Item]], list[Result]], *, max_batch: int) -> None:
        self.look_up, self.max_batch = look_up, max_batch
        self.queue: list[tuple[Item, asyncio.Future[Result]]] = []
        self.running = False

    async def ask(self, item: Item) -> Result:
        answer: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self.queue.append((item, answer))
        if not self.running:
            self.running = True
            asyncio.get_running_loop().create_task(self._drain())
        return await answer

    async def _drain(self) -> None:
        try:
            while self.queue:
                batch = [(i, a) for i, a in self.queue[: self.max_batch] if not a.done()]
                del self.queue[: self.max_batch]
                if not batch:
                    continue
                try:
                    results = await database_sync_to_async(self.look_up, thread_sensitive=False)(
                        [item for item, _ in batch]
                    )
                except Exception as exc:  # every waiter hears of it; the next batch tries
                    for _, answer in batch:
                        if not answer.done():
                            answer.set_exception(exc)
                    continue
                for (_, answer), result in zip(batch, results, strict=True):
                    if not answer.done():
                        answer.set_result(result)
        finally:
            self.running = False


def users_many(session_keys: Sequence[str | None]) -> list[User | None]:
    """For each session key, its signed-in user, else None (two queries in all)."""
    users = users_for_sessions({key for key in session_keys if key})
    return [users.get(key or "") for key in session_keys]


_rooms = PerLoop(lambda: Coalescer(admit_many, max_batch=MAX_BATCH))
_users = PerLoop(lambda: Coalescer(users_many, max_batch=MAX_BATCH))


async def admit(scope: dict[str, Any]) -> tuple[User, ViewedRoom] | None:
    """The room socket's user and room, or None: refuse the handshake."""
    session = scope.get("session")
    knock = Knock(getattr(session, "session_key", None), scope["url_route"]["kwargs"]["slug"])
    found = await _rooms.get().ask(knock)
    if found is not None:
        settle_user(scope, found[0])
    return found


async def admit_user(scope: dict[str, Any]) -> User | None:
    """The signed-in user of a socket that needs no room (the rooms list's), or None."""
    user = await _users.get().ask(getattr(scope.get("session"), "session_key", None))
    if user is not None:
        settle_user(scope, user)
    return user
