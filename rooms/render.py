"""Server-rendered fragments pushed over the websocket.

Every fragment comes from the templates in ``rooms/room.html`` (its partials), the
same ones that draw the page, so a message looks the same whether it arrived with
the page, with "load older" or live. Each top-level element of a frame is swapped
out-of-band by htmx's ws extension.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from rooms import selectors, timeline

if TYPE_CHECKING:
    from rooms.models import Message, Room
    from rooms.selectors import Page
    from users.models import User

ROOM_TEMPLATE = "rooms/room.html"


def message_html(message: Message, *, oob: bool = False) -> str:
    return render_to_string(f"{ROOM_TEMPLATE}#message", {"message": message, "oob": oob})


def message_menu(message: Message) -> str:
    return render_to_string(f"{ROOM_TEMPLATE}#message-menu", {"message": message})


def drawn_as_saved(
    message: Message, *, mentioned: list[User], previous: Mapping[str, Any] | None
) -> None:
    """Give a message just saved what drawing it reads (no reactions yet, these
    mentions, the time of the one before it), so its live event reads nothing again."""
    message.reacted = []  # type: ignore[attr-defined]
    message.mentioned = mentioned  # type: ignore[attr-defined]
    message.previous_at = previous["created_at"] if previous else None


def _for_everyone(message: Message, *, append: bool) -> None:
    """Drawn once for readers in every zone: one time per local rendering, and the
    zones in which a day starts with this message (rooms/timeline.py)."""
    zones = timeline.audience_zones()
    message.time_variants = timeline.time_variants(message.created_at, zones)
    if append:
        previous = (message.previous_at if hasattr(message, "previous_at")
                    else timeline.previous_created_at(message))
        message.day_zones = timeline.separator_zones(message.created_at, previous, zones)


def edit_closed(message: Message, *, said: str, oob: bool) -> str:
    """For the editor only: the message in place of its edit form, focus kept there."""
    return render_to_string(
        f"{ROOM_TEMPLATE}#edit-closed", {"message": message, "said": said, "send_oob": oob}
    )


def message_deleted(message_id: int) -> str:
    """For the one who deleted: keyboard focus stays where the message was."""
    return render_to_string(f"{ROOM_TEMPLATE}#message-deleted", {"message_id": message_id})


def edit_error_frame(message_id: int, text: str) -> str:
    """An edit refused: said in the edit form, which stays open with the text typed."""
    return render_to_string(
        f"{ROOM_TEMPLATE}#edit-error", {"message_id": message_id, "error": text}
    )


def session_ended_frame(*, next_url: str) -> str:
    """The socket's session ended (logged out elsewhere, expired): say so, with a way back."""
    return render_to_string(f"{ROOM_TEMPLATE}#session-ended", {"next_url": next_url})


def session_ended_notice(*, next_url: str) -> str:
    return render_to_string(f"{ROOM_TEMPLATE}#session-ended-notice", {"next_url": next_url})


def sockets_closed(*, room: bool) -> str:
    """Takes the page's sockets away (the inbox's; the room's with ``room``), keeping
    what the page shows: htmx stops reopening a socket whose element has left the page."""
    return render_to_string(f"{ROOM_TEMPLATE}#sockets-closed", {"room_socket": room})


def event_frame(message: Message, *, append: bool) -> str:
    """The frame for one change: a new message is appended, a changed one replaced.
    Rendered once and sent to everyone in the room."""
    _for_everyone(message, append=append)
    return render_to_string(
        f"{ROOM_TEMPLATE}#event-frame",
        {"appended": [message] if append else [], "replaced": [] if append else [message],
         "seq": message.seq},
    )


def catchup_frame(
    messages: Iterable[Message], *, after: int, seq: int, tz: tzinfo
) -> str:
    """Everything changed after ``after``: new messages appended in order, others
    replaced. Drawn for one socket, in its reader's zone ``tz``."""
    appended: list[Message] = []
    replaced: list[Message] = []
    for message in messages:
        (appended if message.created_seq > after else replaced).append(message)
    appended.sort(key=lambda m: m.pk)
    with timezone.override(tz):
        if appended:
            previous = timeline.previous_created_at(appended[0])
            timeline.mark_days(appended, previous=previous)
        return render_to_string(
            f"{ROOM_TEMPLATE}#event-frame",
            {"appended": appended, "replaced": replaced, "seq": seq},
        )


def reset_frame(*, room: Room, page: Page, seq: int, tz: tzinfo) -> str:
    """Replace the whole message list with the latest page (gap too large to replay),
    drawn for one socket, in its reader's zone ``tz``."""
    with timezone.override(tz):
        timeline.mark_days(page.messages, previous=page.previous_at)
        return render_to_string(
            f"{ROOM_TEMPLATE}#reset-frame",
            {"room": room, "messages": page.messages, "has_more": page.has_more, "seq": seq,
             "oldest_id": page.oldest_id},
        )


def fitting_reset_frame(
    *, room: Room, smaller_page: Callable[..., int | None], tz: tzinfo
) -> tuple[int, str]:
    """(room seq, a reset frame of the latest page as of that seq), shrunk by
    ``smaller_page(limit=, size=)`` (``rooms.delivery``) until it fits one frame."""
    seq = selectors.room_seq(room_id=room.pk)
    limit = settings.CHAT_PAGE_SIZE
    while True:
        page = selectors.message_page(room=room, max_seq=seq, limit=limit)
        html = reset_frame(room=room, page=page, seq=seq, tz=tz)
        smaller = smaller_page(limit=limit, size=len(html.encode()))
        if smaller is None:
            return seq, html
        limit = smaller


def presence_frame(*, users: Sequence[str], extra: int = 0) -> str:
    # Every socket gets it when it opens: it also clears "Reconnecting…".
    return render_to_string(
        f"{ROOM_TEMPLATE}#presence", {"online_users": users, "online_extra": extra, "oob": True}
    ) + render_to_string(f"{ROOM_TEMPLATE}#connection-live")


def error_frame(message: str) -> str:
    return render_to_string(f"{ROOM_TEMPLATE}#composer-error", {"error": message, "oob": True})


def shut_out_frame(reason: str) -> str:
    """The last frame to someone no longer allowed in the room: why, and no composer
    and no "Reconnecting…" (the close that follows is never retried)."""
    return render_to_string(f"{ROOM_TEMPLATE}#shut-out", {"error": reason, "oob": True})


def message_error_html(message: str) -> str:
    """An error about one message, shown under it (for the person who acted only)."""
    return render_to_string(f"{ROOM_TEMPLATE}#message-error", {"error": message})


def new_composer_key() -> str:
    """The idempotency key of the next message composed (``Message.client_key``)."""
    return uuid.uuid4().hex
def reply_frame(reply: Message | None) -> str:
    """For one socket: show "Replying to ..." above its composer, or clear it."""
    return render_to_string(f"{ROOM_TEMPLATE}#reply-frame", {"reply": reply, "error": ""})


def composer_reset_frame() -> str:
    return render_to_string(
        f"{ROOM_TEMPLATE}#composer-reset", {"composer_key": new_composer_key()}
    )


def typing_sentence(names: Sequence[str]) -> str:
    if not names:
        return ""
    if len(names) == 1:
        return f"{names[0]} is typing…"
    if len(names) == 2:
        return f"{names[0]} and {names[1]} are typing…"
    return "Several people are typing…"


def typing_frame(typists: Sequence[tuple[int, str]]) -> str:
    """``#typing`` for everyone in the room: the sentence onlookers read, and for each
    typist the sentence without their own name (the page shows each viewer theirs)."""
    names = [name for _, name in typists]
    if len(typists) > 3:
        # Every typist has at least three others typing: one sentence for all.
        typists = []
    personal = [
        (uid, typing_sentence([n for other, n in typists if other != uid]))
        for uid, _ in typists
    ]
    return render_to_string(
        f"{ROOM_TEMPLATE}#typing-frame",
        {"typing_all": typing_sentence(names), "typing_personal": personal,
         "typing_ids": " ".join(str(uid) for uid, _ in typists)},
    )
