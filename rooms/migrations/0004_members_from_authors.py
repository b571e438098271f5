"""Existing rooms (the Lobby included) stay public; the people who wrote in a room, and
its creator, become its members."""

from __future__ import annotations

from django.db import migrations


def authors_become_members(apps, schema_editor):
    Message = apps.get_model("rooms", "Message")
    Membership = apps.get_model("rooms", "Membership")
    Room = apps.get_model("rooms", "Room")
    pairs = set(Message.objects.values_list("room_id", "author_id").distinct())
    pairs |= set(
        Room.objects.filter(creator__isnull=False).values_list("id", "creator_id")
    )
    Membership.objects.bulk_create(
        [Membership(room_id=room_id, user_id=user_id) for room_id, user_id in sorted(pairs)],
        batch_size=1000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("rooms", "0003_membership")]

    # Rooms gained kind="public" by the column default. Backwards: the table goes.
    operations = [migrations.RunPython(authors_become_members, migrations.RunPython.noop)]
