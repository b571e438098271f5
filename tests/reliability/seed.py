"""Create users, their sessions and a room in the database named by ``DATABASE_URL``.

Run as ``python -m tests.reliability.seed ROOM_NAME USER [USER ...]`` with the same
environment as the servers (the session hash depends on ``SECRET_KEY``). Prints JSON:
``{"room": {"id", "slug"}, "users": {name: {"id", "session"}}}``.

Primary keys start at a random offset: the reliability tests share one Redis with the
rest of the suite, and presence keys, rate-limit counters and channel-layer groups
are named by primary key, so ids from this fresh database must not meet anyone else's.
"""

from __future__ import annotations

import json
import os
import random
import sys

from tests.reliability.processes import PASSWORD


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils.text import slugify

    from rooms.models import Room
    from users.models import User

    room_name, *usernames = argv
    offset = random.randrange(10**6, 10**9)
    users = {}
    for index, username in enumerate(usernames, start=1):
        user = User.objects.create_user(
            id=offset + index, username=username, password=PASSWORD
        )
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        users[username] = {"id": user.pk, "session": session.session_key}
    first = User.objects.get(username=usernames[0])
    room = Room.objects.create(id=offset, name=room_name, slug=slugify(room_name), creator=first)
    print(json.dumps({"room": {"id": room.pk, "slug": room.slug}, "users": users}))


if __name__ == "__main__":
    main(sys.argv[1:])
