"""Direct rooms: one-to-one and group conversations with a fixed set of people.

The same set of people always gets the same room, whoever starts it and however
often: ``Room.direct_key`` (the sorted member ids) is unique in the database, so two
people starting it at the same moment still end up in one room.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from rooms.membership import MEMBERSHIP_ADDED, tell_user
from rooms.models import Membership, Room
from rooms.services import rate_limit_creation

if TYPE_CHECKING:
    from users.models import User

MAX_OTHERS = 8
NOBODY = "Name at least one person to start a conversation with."
TOO_MANY = f"A conversation can have at most {MAX_OTHERS} other people."
YOURSELF = "You cannot message yourself."
NO_SUCH_PEOPLE = "There is no one called %(names)s."
DEACTIVATED = "You cannot message %(names)s: their account is deactivated."


def direct_key(user_ids: Sequence[int]) -> str:
    return "-".join(str(pk) for pk in sorted(set(user_ids)))


def _others(*, user: User, usernames: Sequence[str]) -> list[User]:
    from users.models import User

    names = list(dict.fromkeys(n.strip().lstrip("@") for n in usernames if n.strip("@ ")))
    if not names:
        raise ValidationError(NOBODY)
    found = {u.username: u for u in User.objects.filter(username__in=names)}
    missing = [n for n in names if n not in found]
    if missing:
        raise ValidationError(NO_SUCH_PEOPLE, params={"names": ", ".join(missing)})
    inactive = [n for n in names if not found[n].is_active]
    if inactive:
        raise ValidationError(DEACTIVATED, params={"names": ", ".join(inactive)})
    others = [found[n] for n in names if found[n].pk != user.pk]
    if not others:
        raise ValidationError(YOURSELF)
    if len(others) > MAX_OTHERS:
        raise ValidationError(TOO_MANY)
    return others


def conversation_start(*, user: User, usernames: Sequence[str]) -> Room:
    """The direct room of ``user`` and these people, created the first time.

    Errors: ValidationError (nobody, yourself, unknown or deactivated people, too
    many), ratelimit.RateLimited (creating conversations too quickly).
    """
    others = _others(user=user, usernames=usernames)
    key = direct_key([user.pk, *(o.pk for o in others)])
    room = Room.objects.filter(direct_key=key).first()
    if room is None:
        rate_limit_creation(user)
        try:
            with transaction.atomic():
                room = Room.objects.create(
                    kind=Room.Kind.DIRECT, direct_key=key, slug=f"dm-{secrets.token_hex(6)}"
                )
        except IntegrityError:
            # The other side created it a moment ago: the unique key kept it to one room.
            room = Room.objects.get(direct_key=key)
    # Everyone in the key is a member (again, if they had left a group conversation).
    members = set(Membership.objects.filter(room=room).values_list("user_id", flat=True))
    # In id order: two people starting it at once insert the same rows in the same
    # order, so one waits for the other instead of deadlocking on the unique index.
    everyone = sorted([user, *others], key=lambda person: person.pk)
    joining = [person for person in everyone if person.pk not in members]
    Membership.objects.bulk_create(
        [
            Membership(room=room, user=person, notify_level=Membership.NotifyLevel.ALL)
            for person in joining
        ],
        ignore_conflicts=True,
    )
    for person in joining:
        # Their rooms lists show the conversation at once.
        tell_user(person.pk, MEMBERSHIP_ADDED, room_id=room.pk)
    return room
