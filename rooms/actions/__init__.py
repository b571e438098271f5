"""What a room socket can be asked to do: ``{"action": <name>, ...fields}``.

Each action is ``async def name(socket: Socket, data: dict) -> None``: validate ``data``
with a form (``cleaned``), call a service through ``database_sync_to_async``, and answer
the sender with ``socket.send_frame`` if it needs an answer. What everyone sees comes from
the service's broadcast (``rooms.broadcast``), never from the action.

To add one (e.g. typing, react, reply):

1. write it in its own module here, e.g. ``rooms/actions/typing.py``;
2. add one line to ``ACTIONS`` below: ``"typing": typing.start,``;
3. raise ``ValidationError`` (bad input), ``PermissionDenied`` or ``RateLimited``: the
   consumer turns them into an error shown to the sender only; anything else is logged
   and the sender told "Something went wrong";
4. test it in ``tests/rooms/test_consumers.py`` (through the real ASGI application).

Actions never read the ORM themselves: reads are selectors, writes are services.
The consumer counts every frame against the flood budget before any action runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rooms.actions import conversation, messages, sync, typing
from rooms.actions.base import Socket

Action = Callable[[Socket, dict[str, Any]], Awaitable[None]]

ACTIONS: dict[str, Action] = {
    "send": messages.send,
    "edit": messages.edit,
    "delete": messages.delete,
    "sync": sync.sync,
    "typing": typing.typing,
    "react": conversation.react,
    "reply": conversation.reply,
}

__all__ = ["ACTIONS", "Action", "Socket"]
