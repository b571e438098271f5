"""The first full-text index of messages, over the Markdown source (``body``).

Frozen as it was: 0002 replaces it with today's index (search/schema.py) once
``body_text`` exists.
"""

from __future__ import annotations

from django.db import migrations

POSTGRES_CREATE = [
    "ALTER TABLE rooms_message ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, body)) STORED",
    "CREATE INDEX message_search_vector ON rooms_message USING gin (search_vector)",
]
POSTGRES_DROP = ["ALTER TABLE rooms_message DROP COLUMN search_vector"]
_FTS_DELETE = (
    "INSERT INTO rooms_message_fts(rooms_message_fts, rowid, body) "
    "VALUES ('delete', old.id, old.body);"
)
_FTS_INSERT = "INSERT INTO rooms_message_fts(rowid, body) VALUES (new.id, new.body);"
SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS rooms_message_fts USING fts5(body, "
    "content='rooms_message', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER rooms_message_fts_ai AFTER INSERT ON rooms_message BEGIN {_FTS_INSERT} END",
    f"CREATE TRIGGER rooms_message_fts_ad AFTER DELETE ON rooms_message BEGIN {_FTS_DELETE} END",
    "CREATE TRIGGER rooms_message_fts_au AFTER UPDATE OF body ON rooms_message "
    f"BEGIN {_FTS_DELETE} {_FTS_INSERT} END",
    "INSERT INTO rooms_message_fts(rooms_message_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS rooms_message_fts_ai",
    "DROP TRIGGER IF EXISTS rooms_message_fts_ad",
    "DROP TRIGGER IF EXISTS rooms_message_fts_au",
    "DROP TABLE IF EXISTS rooms_message_fts",
]


def _run(schema_editor, statements: dict[str, list[str]]) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def create(apps, schema_editor) -> None:
    _run(schema_editor, {"postgresql": POSTGRES_CREATE, "sqlite": SQLITE_CREATE})


def drop(apps, schema_editor) -> None:
    _run(schema_editor, {"postgresql": POSTGRES_DROP, "sqlite": SQLITE_DROP})


class Migration(migrations.Migration):
    dependencies = [("rooms", "0002_lobby")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
