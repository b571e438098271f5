"""What a page shows about reading: the "New messages" line, the sidebar's live list.

Opening a room reads it: the page records the viewer's position (one ``UPDATE``) after
working out where their unread messages begin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings

from rooms import readstate, selectors, unread
from rooms.inbox import Inbox

if TYPE_CHECKING:
    from rooms.models import Room
    from rooms.selectors import Page
    from users.models import User


def rooms_page(user: User) -> dict[str, Any]:
    """/rooms/: your rooms and direct messages with counts (live), then the public rooms
    you have not joined. Two queries, three with direct messages."""
    inbox = Inbox(unread.inbox_rows(user), user_id=user.pk, current_room_id=None).context()
    return {
        **inbox,
        "lists": {
            "yours": inbox["room_rows"], "direct": inbox["direct_rows"],
            "public": selectors.public_rooms_to_join(user),
        },
    }


def room_reading(
    *, room: Room, user: User, page: Page, seq: int, new_from: int | None
) -> dict[str, Any]:
    """The sidebar's lists, and where the viewer's unread messages began:
    ``first_unread_id`` (draw the line above it: it is on this page) or
    ``jump_to_unread`` (a link to the page that starts with it). Then ``room`` is
    marked read up to ``seq``: two more queries, only when something was unread."""
    rows = unread.inbox_rows(user)
    context: dict[str, Any] = {
        **Inbox(rows, user_id=user.pk, current_room_id=room.pk).context(),
        "first_unread_id": new_from, "jump_to_unread": None,
    }
    read_seq = next((row.read_seq for row in rows if row.room_id == room.pk), None)
    if read_seq is None or read_seq >= seq:
        return context
    first = unread.first_unread_id(room=room, user=user, read_seq=read_seq)
    if first is not None and page.messages:
        if first >= page.messages[0].pk:
            context["first_unread_id"] = first
        else:
            before = unread.page_starting_at(
                room=room, message_id=first, size=settings.CHAT_PAGE_SIZE
            )
            if before is not None:
                context["jump_to_unread"] = (
                    f"{room.get_absolute_url()}?before={before}&new={first}"
                )
    readstate.read_mark(room_id=room.pk, user_id=user.pk, seq=seq)
    return context
