"""Prepare the bench database: migrate, the bench room, and the bench users.

Run by the runner as ``python -m bench.dbsetup --users N`` with ``DATABASE_URL`` and
``DJANGO_SETTINGS_MODULE=bench.settings``. Idempotent: a second run only adds what
is missing. Users share one password hash (hashed once, the real PBKDF2 hasher), so
creating hundreds of them is quick while logging in still costs what it costs.
"""

from __future__ import annotations

import argparse
import json

import django

PASSWORD = "bench-password-not-secret-42"
ROOM_SLUG = "bench"


def username(i: int) -> str:
    return f"bench{i:05d}"


def room_slug(i: int) -> str:
    return f"bench-r{i:04d}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--rooms", type=int, default=0,
                        help="also rooms bench-r0000... (the storm's rooms of 50)")
    parser.add_argument("--members", type=int, default=None,
                        help="make exactly the first N users members of the bench room")
    args = parser.parse_args()

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)

    from rooms.models import Room
    from users.models import User

    Room.objects.get_or_create(slug=ROOM_SLUG, defaults={"name": "Bench"})
    for i in range(args.rooms):
        Room.objects.get_or_create(slug=room_slug(i), defaults={"name": f"Bench {i:04d}"})
    wanted = [username(i) for i in range(args.users)]
    existing = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
    missing = [name for name in wanted if name not in existing]
    if missing:
        hashed = make_password(PASSWORD)
        User.objects.bulk_create(
            [User(username=name, password=hashed) for name in missing], batch_size=1000
        )
    if args.members is not None:
        from rooms.models import Membership

        room = Room.objects.get(slug=ROOM_SLUG)
        Membership.objects.filter(room=room).delete()
        Membership.objects.bulk_create([
            Membership(room=room, user=user, last_read_seq=room.last_seq)
            for user in User.objects.filter(username__in=wanted[: args.members])
        ])
    print(json.dumps({"users": len(wanted), "created": len(missing)}))


if __name__ == "__main__":
    main()
