"""``{"action": "typing"}``: the composer changed (htmx sends one every 3 s at most)."""

from __future__ import annotations

from typing import Any

from rooms.actions.base import Socket


async def typing(socket: Socket, data: dict[str, Any]) -> None:
    await socket.typist.typed()
