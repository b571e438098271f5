"""The full-text index of message bodies, on PostgreSQL and on SQLite.

What is indexed is ``Message.body_text``: the message as its readers see it, in plain
text (rooms.formatting.plain_text), saved by the message services with the HTML. So
Markdown marks and link addresses are not searched, and snippets show plain text.

PostgreSQL: ``rooms_message.search_vector``, a stored generated column
(``to_tsvector('english', body_text)``), with a GIN index. The database recomputes it
on every insert and on every change of ``body_text``, so an edited message is found by
its new text only and a deleted one (its text is emptied) by nothing. Created by this
app's migrations.

SQLite: ``rooms_message_fts``, an FTS5 table whose content is ``rooms_message``,
kept in step by three triggers. Django rebuilds a SQLite table (and so drops its
triggers) for many schema changes, so the triggers are checked after every
``migrate`` and, if they are missing, created again and the index rebuilt.

Neither is a model field: the model is the same on both databases, and only
search/engines.py reads the index.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

LANGUAGE = "english"  # PostgreSQL text search configuration (see search/engines.py)
MESSAGE_TABLE = "rooms_message"
VECTOR_COLUMN = "search_vector"
TEXT_COLUMN = "body_text"
VECTOR_INDEX = "message_search_vector"
FTS_TABLE = "rooms_message_fts"

POSTGRES_CREATE = [
    f"ALTER TABLE {MESSAGE_TABLE} ADD COLUMN {VECTOR_COLUMN} tsvector "
    f"GENERATED ALWAYS AS (to_tsvector('{LANGUAGE}'::regconfig, {TEXT_COLUMN})) STORED",
    f"CREATE INDEX {VECTOR_INDEX} ON {MESSAGE_TABLE} USING gin ({VECTOR_COLUMN})",
]
POSTGRES_DROP = [f"ALTER TABLE {MESSAGE_TABLE} DROP COLUMN {VECTOR_COLUMN}"]

# Every statement below is built from the constants above only, never from input.
# Porter stemming over unicode61 words: the closest FTS5 has to PostgreSQL's 'english'.
SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({TEXT_COLUMN}, "
    f"content='{MESSAGE_TABLE}', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')"
)
_FTS_DELETE = (
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {TEXT_COLUMN}) "  # noqa: S608
    f"VALUES ('delete', old.id, old.{TEXT_COLUMN});"
)
_FTS_INSERT = (
    f"INSERT INTO {FTS_TABLE}(rowid, {TEXT_COLUMN}) VALUES (new.id, new.{TEXT_COLUMN});"  # noqa: S608
)
SQLITE_TRIGGERS = {
    f"{FTS_TABLE}_ai": f"AFTER INSERT ON {MESSAGE_TABLE} BEGIN {_FTS_INSERT} END",
    f"{FTS_TABLE}_ad": f"AFTER DELETE ON {MESSAGE_TABLE} BEGIN {_FTS_DELETE} END",
    f"{FTS_TABLE}_au": (
        f"AFTER UPDATE OF {TEXT_COLUMN} ON {MESSAGE_TABLE} BEGIN {_FTS_DELETE} {_FTS_INSERT} END"
    ),
}


def postgres_create(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in POSTGRES_CREATE:
            cursor.execute(statement)


def postgres_drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in POSTGRES_DROP:
            cursor.execute(statement)


def sqlite_ensure(connection: BaseDatabaseWrapper) -> bool:
    """Create the FTS5 table and triggers if any is missing; True if it had to."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name IN "  # noqa: S608
            f"({', '.join(['%s'] * (len(SQLITE_TRIGGERS) + 1))})",
            [FTS_TABLE, *SQLITE_TRIGGERS],
        )
        if len(cursor.fetchall()) == len(SQLITE_TRIGGERS) + 1:
            return False
        cursor.execute(SQLITE_TABLE)
        for name, body in SQLITE_TRIGGERS.items():
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
        # Whatever changed while the triggers were missing: index the table afresh.
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # noqa: S608
    return True


def sqlite_drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for name in SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def create_index(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "postgresql":
        postgres_create(connection)
    elif connection.vendor == "sqlite":
        sqlite_ensure(connection)


def drop_index(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "postgresql":
        postgres_drop(connection)
    elif connection.vendor == "sqlite":
        sqlite_drop(connection)


def after_migrate(using: str = "default", **kwargs: Any) -> None:
    """``post_migrate`` handler: put back what a SQLite table rebuild removed."""
    connection = connections[using]
    if connection.vendor == "sqlite" and MESSAGE_TABLE in connection.introspection.table_names():
        sqlite_ensure(connection)
