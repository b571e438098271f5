"""Index ``Message.body_text`` (the message as plain text) instead of its Markdown
source, so words in link addresses or formatting marks are not found and snippets
show plain text. Today's index: search/schema.py."""

from __future__ import annotations

from django.db import migrations

from search import schema


def replace(apps, schema_editor) -> None:
    schema.drop_index(schema_editor.connection)
    schema.create_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_message_index"), ("rooms", "0010_message_body_text")]

    operations = [migrations.RunPython(replace, migrations.RunPython.noop, elidable=False)]
