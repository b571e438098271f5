from __future__ import annotations

from django.db import migrations


def create_lobby(apps, schema_editor):
    Room = apps.get_model("rooms", "Room")
    Room.objects.get_or_create(slug="lobby", defaults={"name": "Lobby"})


def remove_lobby(apps, schema_editor):
    Room = apps.get_model("rooms", "Room")
    Room.objects.filter(slug="lobby", creator__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("rooms", "0001_initial")]

    operations = [migrations.RunPython(create_lobby, remove_lobby)]
