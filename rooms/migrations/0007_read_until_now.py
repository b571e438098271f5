"""Memberships that existed before read state start with everything read: nobody opens
the app to find the whole history of every room marked unread."""

from __future__ import annotations

from django.db import migrations
from django.db.models import OuterRef, Subquery


def read_until_now(apps, schema_editor):
    Membership = apps.get_model("rooms", "Membership")
    Room = apps.get_model("rooms", "Room")
    Membership.objects.update(
        last_read_seq=Subquery(Room.objects.filter(pk=OuterRef("room_id")).values("last_seq")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [("rooms", "0006_mentions")]

    operations = [migrations.RunPython(read_until_now, migrations.RunPython.noop)]
