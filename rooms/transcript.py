"""A room's transcript, as plain text or JSON, streamed in constant memory.

Messages are read in keyset batches (``CHUNK`` at a time, by id) and written out as
they come, so a room of any size costs one batch of memory. Under ASGI the response
iterates an async generator; each batch is read in the database thread.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.utils.dateformat import format as date_format
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from config.http import AuthedRequest
from rooms import access
from rooms.models import Message, Reaction, Room
from rooms.timeline import zone_of

CHUNK = 500
FIELDS = ("id", "author__username", "author__display_name", "body", "created_at",
          "edited_at", "deleted_at", "reply_to_id")


def _batch(room_id: int, after_id: int) -> list[dict]:
    rows = list(
        Message.objects.filter(room_id=room_id, id__gt=after_id).order_by("id")
        .values(*FIELDS)[:CHUNK]
    )
    reactions: dict[int, dict[str, list[str]]] = {}
    for reaction in (
        Reaction.objects.filter(message_id__in=[row["id"] for row in rows]).order_by("id")
        .values("message_id", "emoji", "user__username")
    ):
        by_emoji = reactions.setdefault(reaction["message_id"], {})
        by_emoji.setdefault(reaction["emoji"], []).append(reaction["user__username"])
    for row in rows:
        row["reactions"] = reactions.get(row["id"], {})
    return rows


async def _batches(room_id: int) -> AsyncIterator[list[dict]]:
    after_id = 0
    while True:
        rows = await sync_to_async(_batch)(room_id, after_id)
        if rows:
            yield rows
        if len(rows) < CHUNK:
            return
        after_id = rows[-1]["id"]


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _json_message(row: dict) -> dict:
    deleted = row["deleted_at"] is not None
    return {
        "id": row["id"],
        "author": row["author__username"],
        "author_name": row["author__display_name"] or row["author__username"],
        "time": _iso(row["created_at"]),
        "text": "" if deleted else row["body"],
        "edited": row["edited_at"] is not None and not deleted,
        "edited_at": _iso(row["edited_at"]),
        "deleted": deleted,
        "deleted_at": _iso(row["deleted_at"]),
        "reply_to": row["reply_to_id"],
        "reactions": [{"emoji": e, "count": len(users), "users": users}
                      for e, users in row["reactions"].items()],
    }


async def _json_lines(room: Room) -> AsyncIterator[str]:
    head = {"id": room.pk, "name": room.name, "slug": room.slug}
    yield '{"room": ' + json.dumps(head, ensure_ascii=False) + ', "messages": [\n'
    separator = ""
    async for rows in _batches(room.pk):
        # One write per batch: a send per message would cost more than the JSON.
        yield separator + ",\n".join(
            json.dumps(_json_message(row), ensure_ascii=False) for row in rows
        )
        separator = ",\n"
    yield "\n]}\n"


def _text_message(row: dict, tz: dt.tzinfo) -> str:
    when = date_format(row["created_at"].astimezone(tz), "Y-m-d H:i")
    author = row["author__display_name"] or row["author__username"]
    if row["deleted_at"] is not None:
        return f"[{when}] {author}: [deleted]\n"
    edited = " (edited)" if row["edited_at"] else ""
    body = row["body"].replace("\n", "\n    ")
    line = f"[{when}] {author}{edited}: {body}\n"
    if row["reactions"]:
        listed = "; ".join(f"{e} {', '.join(names)}" for e, names in row["reactions"].items())
        line += f"    reactions: {listed}\n"
    return line


async def _text_lines(room: Room, tz: dt.tzinfo) -> AsyncIterator[str]:
    yield f"{room.name} (transcript; times in {tz})\n\n"
    async for rows in _batches(room.pk):
        yield "".join(_text_message(row, tz) for row in rows)


def _download(
    content: AsyncIterator[str], *, room: Room, ext: str, kind: str
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(content, content_type=f"{kind}; charset=utf-8")
    name = slugify(room.slug) or "room"
    response["Content-Disposition"] = f'attachment; filename="{name}-transcript.{ext}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def transcript_text(request: AuthedRequest, slug: str) -> StreamingHttpResponse:
    room = access.room_or_404(slug=slug, user=request.user)
    lines = _text_lines(room, zone_of(request.user))
    return _download(lines, room=room, ext="txt", kind="text/plain")


@login_required
@require_GET
def transcript_json(request: AuthedRequest, slug: str) -> StreamingHttpResponse:
    room = access.room_or_404(slug=slug, user=request.user)
    return _download(_json_lines(room), room=room, ext="json", kind="application/json")
