"""The full-text index of messages: see search/schema.py."""

from __future__ import annotations

from django.db import migrations

from search import schema


def create(apps, schema_editor) -> None:
    schema.create_index(schema_editor.connection)


def drop(apps, schema_editor) -> None:
    schema.drop_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("rooms", "0002_lobby")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
