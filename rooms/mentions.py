"""``@username`` in message text: who a message mentions, and the links drawn for them.

A mention counts only for an active user who can read the room (``rooms.access``):
anyone else's name stays plain text, links nowhere and notifies nobody. The message
services keep ``Mention`` rows in step with the text (create and every edit; a delete
leaves them, and readers skip deleted messages), so "who was mentioned where" is one
indexed query for the @ badge, ``/mentions/`` and email.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower

from rooms import access

if TYPE_CHECKING:
    from rooms.models import Message, Room
    from users.models import User

# Django usernames are letters, digits and @ . + - _. A mention starts after a space or
# punctuation (not inside an e-mail address or a URL path), never ends with a dot (the end
# of a sentence), and takes no @ of its own.
MENTION_RE = re.compile(r"(?<![\w.+@/-])@([\w.+-]*[\w+-])")
# Nobody is notified about more people than this in one message.
MAX_MENTIONS = 20


def mentioned_names(text: str) -> list[str]:
    """The distinct lower-cased usernames ``text`` mentions, in order of appearance."""
    seen: dict[str, None] = {}
    for match in MENTION_RE.finditer(text):
        seen.setdefault(match[1].lower(), None)
        if len(seen) >= MAX_MENTIONS:
            break
    return list(seen)


def mentionable_users(*, room: Room, text: str) -> list[User]:
    """The users ``text`` mentions who can read ``room``: one query for the names, one
    for membership when the room is not public."""
    names = mentioned_names(text)
    if not names:
        return []
    users = list(
        get_user_model()
        .objects.annotate(lower_name=Lower("username"))
        .filter(lower_name__in=names, is_active=True)
    )
    return [user for user in users if access.can_read(room=room, user=user)]


def mention_map(message: Message) -> dict[str, User]:
    """Lower-cased username -> user, for the users this message mentions (prefetched by
    the selectors that draw messages; one query otherwise)."""
    return {user.username.lower(): user for user in message.mentions.all()}


def mentions_save(*, message: Message, users: list[User]) -> None:
    """Make ``users`` the message's mentions (inside the service's transaction).

    Nothing is written when nothing changed, so an edit that keeps its mentions and a
    message without any cost no query here.
    """
    from rooms.models import Mention

    wanted = {user.pk for user in users}
    current = set() if message.created_seq == message.seq else set(
        Mention.objects.filter(message=message).values_list("user_id", flat=True)
    )
    if current - wanted:
        Mention.objects.filter(message=message, user_id__in=current - wanted).delete()
    if wanted - current:
        Mention.objects.bulk_create(
            [Mention(message=message, user_id=user_id) for user_id in sorted(wanted - current)]
        )
