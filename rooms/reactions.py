"""Reactions: one emoji per person per message, toggled.

A change takes the room's next seq and stamps it on the message, so the message is
re-rendered and delivered (live and on catch-up) like an edit: reactions need no
delivery path of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from rooms import broadcast, ratelimit, services
from rooms.models import Reaction, Room

if TYPE_CHECKING:
    from users.models import User

EMOJI = tuple(choice.value for choice in Reaction.Emoji)
UNKNOWN_EMOJI = "Choose one of the reactions offered."
DELETED = "That message has been deleted."


@dataclass(frozen=True)
class Summary:
    emoji: str
    count: int
    names: str  # who reacted, in order: "alice, bob"
    user_ids: str  # " 3 7 " for the page's per-viewer rule ([data-by~="3"])

    @property
    def label(self) -> str:
        return f"{self.emoji} {self.count}: {self.names}"


def summarize(reactions: list[Reaction]) -> list[Summary]:
    """The reaction buttons of one message, in the offered order. ``reactions`` come
    with their users (prefetched by the selectors)."""
    by_emoji: dict[str, list[Reaction]] = {}
    for reaction in reactions:
        by_emoji.setdefault(reaction.emoji, []).append(reaction)
    return [
        Summary(
            emoji=emoji,
            count=len(group),
            names=", ".join(r.user.public_name for r in group),
            user_ids=" ".join(str(r.user_id) for r in group),
        )
        for emoji in EMOJI
        if (group := by_emoji.get(emoji))
    ]


def reaction_toggle(*, room: Room, user: User, message_id: int, emoji: str) -> bool:
    """Add ``user``'s ``emoji`` to the message, or take it away if it is there.
    Returns whether the reaction is now present."""
    if emoji not in EMOJI:
        raise ValidationError(UNKNOWN_EMOJI)
    services.check_can_read(room=room, user=user)
    # Each toggle is pushed to the whole room: the same budget as messages, kept apart.
    ratelimit.hit(key=f"react:{user.pk}")
    with transaction.atomic():
        message = services.message_for_change(room=room, message_id=message_id)
        if message.is_deleted:
            raise PermissionDenied(DELETED)
        removed, _ = Reaction.objects.filter(message=message, user=user, emoji=emoji).delete()
        if not removed:
            Reaction.objects.create(message=message, user=user, emoji=emoji)
        message.seq = services.next_seq(room.pk)
        message.save(update_fields=["seq"])
        transaction.on_commit(lambda: broadcast.message_changed(message.pk))
    return not removed
