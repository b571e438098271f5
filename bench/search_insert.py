"""Scenario (s): what the search index adds to writing a message.

The same single-row INSERTs (each its own transaction, as a sent message is) go, in
alternation, into the message table (plain-text column, generated ``tsvector`` column,
search indexes) and into a copy of it without them that holds the same million rows,
the same other indexes and the same foreign keys. Alternating pairs cancel the drift
of a shared machine; the difference between the two is the search's cost. The copy
is made once.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

PLAIN = "search_bench_plain_message"


def _columns(cursor: Any) -> list[str]:
    from search import schema

    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "AND column_name NOT IN ('id', %s, %s) ORDER BY ordinal_position",
        [schema.MESSAGE_TABLE, schema.VECTOR_COLUMN, schema.TEXT_COLUMN],
    )
    return [row[0] for row in cursor.fetchall()]


def ensure_plain_copy() -> None:
    from django.db import connection

    from search import schema

    table = schema.MESSAGE_TABLE
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [PLAIN])
        if cursor.fetchone()[0]:
            return
        columns = ", ".join(_columns(cursor))
        cursor.execute(f"CREATE TABLE {PLAIN} (LIKE {table} INCLUDING ALL)")
        cursor.execute(f"ALTER TABLE {PLAIN} DROP COLUMN {schema.VECTOR_COLUMN}, "
                       f"DROP COLUMN {schema.TEXT_COLUMN}")
        for column, target in (("room_id", "rooms_room"), ("author_id", "users_user")):
            cursor.execute(f"ALTER TABLE {PLAIN} ADD FOREIGN KEY ({column}) REFERENCES "
                           f"{target}(id) DEFERRABLE INITIALLY DEFERRED")
        cursor.execute(f"INSERT INTO {PLAIN} (id, {columns}) "
                       f"SELECT id, {columns} FROM {table}")
        cursor.execute(f"SELECT max(id) + 1 FROM {PLAIN}")
        cursor.execute(f"ALTER TABLE {PLAIN} ALTER COLUMN id RESTART WITH {cursor.fetchone()[0]}")
        cursor.execute(f"VACUUM ANALYZE {PLAIN}")


def insert_overhead(room_id: int, author_id: int, bodies: list[str]) -> dict[str, Any]:
    """Median and p95 ms of one INSERT with and without the search index, alternated."""
    from django.db import connection
    from django.utils import timezone

    from search import schema

    ensure_plain_copy()
    from rooms.models import Message

    fields = [f for f in Message._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    # The plain copy has no body_text: the search's whole cost is what is measured.
    plain_fields = [f for f in fields if f.column != schema.TEXT_COLUMN]
    statements = {
        table: (f"INSERT INTO {table} ({', '.join(f.column for f in chosen)}) "
                f"VALUES ({', '.join(['%s'] * len(chosen))}) RETURNING id", chosen)
        for table, chosen in ((schema.MESSAGE_TABLE, fields), (PLAIN, plain_fields))
    }
    times: dict[str, list[float]] = {schema.MESSAGE_TABLE: [], PLAIN: []}
    made: dict[str, list[int]] = {schema.MESSAGE_TABLE: [], PLAIN: []}
    with connection.cursor() as cursor:
        for i, body in enumerate(bodies):
            row = {**defaults, "room_id": room_id, "author_id": author_id, "body": body,
                   "body_html": f"<p>{body}</p>", "body_text": body,
                   "created_at": timezone.now()}
            for table in list(times) if i % 2 else list(times)[::-1]:
                sql, chosen = statements[table]
                values = [row[f.attname] for f in chosen]
                started = time.perf_counter()
                cursor.execute(sql, values)
                times[table].append((time.perf_counter() - started) * 1000)
                made[table].append(cursor.fetchone()[0])
        for table, ids in made.items():
            cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [ids])

    def summary(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {"median_ms": round(statistics.median(ordered), 2),
                "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2)}

    with_index, without = times[schema.MESSAGE_TABLE], times[PLAIN]
    paired = [a - b for a, b in zip(with_index, without, strict=True)]
    return {"count": len(bodies), "with_index": summary(with_index),
            "without_index": summary(without),
            "median_difference_ms": round(statistics.median(paired), 3)}
