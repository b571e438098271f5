"""Scenario (s): full-text search at a million messages (PostgreSQL only).

``python -m bench --scenarios s`` runs it through the runner; on its own:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chatrooms_search_bench \\
      CHAT_RATE_LIMIT=100000 DJANGO_SETTINGS_MODULE=bench.settings \\
      .venv/bin/python -m bench.search

Fills the database once (bench/search_data.py; about 3 minutes), then times, for a
reader of 50 of the 1,000 rooms, common-word, rare-word, phrase and filtered searches:
``search.selectors.message_search`` (every query a search makes: access, count, page,
snippets) and the whole ``/search/`` page through Django's test client (plus the
template). Also the index's size and the cost of adding a message without and with it.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from typing import Any

import django

from bench import search_data, search_insert

QUERIES = {
    # label: (query, sort)
    "rare word": (search_data.RARE_WORD, "relevance"),
    "common word": ("coffee", "relevance"),
    "common word, newest first": ("coffee", "newest"),
    "two words": ("budget review", "relevance"),
    "phrase": ('"deploy today"', "relevance"),
    "very common word (in half of all messages)": ("meeting", "relevance"),
    "very common word, newest first": ("meeting", "newest"),
    "very common word from one author": ("meeting from:search-bench-author-007", "relevance"),
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share + 0.5) - 1)]


def timed(calls: dict[Any, Any], repeat: int) -> dict[Any, dict[str, float]]:
    """p50/p95/max ms of each call, run in turns (one of each per round), so the load of
    a shared machine falls on all of them alike rather than on whichever ran during it."""
    for fn in calls.values():
        for _ in range(3):
            fn()  # warm: plans, caches
    times: dict[Any, list[float]] = {name: [] for name in calls}
    for _ in range(repeat):
        for name, fn in calls.items():
            started = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: {"p50_ms": round(statistics.median(t), 1),
                   "p95_ms": round(percentile(t, 0.95), 1), "max_ms": round(max(t), 1)}
            for name, t in times.items()}


def matches_everywhere(q: str) -> int:
    """How many messages in all 1,000 rooms match (what the access rule hides)."""
    from django.db import connection

    from search import schema
    from search.query import parse

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {schema.MESSAGE_TABLE} WHERE {schema.VECTOR_COLUMN} "
            "@@ websearch_to_tsquery(%s::regconfig, %s)",
            [schema.LANGUAGE, parse(q).websearch_text()],
        )
        return cursor.fetchone()[0]


def sizes() -> dict[str, float]:
    from django.db import connection

    from search import schema

    mb = 2**20
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pg_relation_size('{schema.VECTOR_INDEX}'), "
            f"pg_relation_size('{schema.MESSAGE_TABLE}'), "
            f"pg_total_relation_size('{schema.MESSAGE_TABLE}'), "
            f"(SELECT sum(pg_column_size({schema.VECTOR_COLUMN})) FROM {schema.MESSAGE_TABLE}), "
            f"(SELECT sum(pg_column_size(body)) FROM {schema.MESSAGE_TABLE})"
        )
        index, table, total, vectors, body = cursor.fetchone()
    return {"gin_index_mb": round(index / mb, 1), "table_mb": round(table / mb, 1),
            "table_with_indexes_mb": round(total / mb, 1),
            "tsvector_column_mb": round(vectors / mb, 1), "body_column_mb": round(body / mb, 1)}


def plan(client: Any, q: str) -> list[str]:
    """EXPLAIN ANALYZE of the query that finds and counts the matches of one search."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get("/search/", {"q": q})
    wanted = [x["sql"] for x in ctx.captured_queries if "@@" in x["sql"]][:2]
    plans = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0; "  # as the search does
                       "SET LOCAL random_page_cost = 1.1")
        for sql in wanted:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--inserts", type=int, default=1000,
                        help="INSERTs into each table for the index's write cost")
    parser.add_argument("--rebuild-index", action="store_true",
                        help="drop and rebuild the search index, timing inserts without and "
                             "with it (done anyway right after the fill)")
    args = parser.parse_args()
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from search.selectors import message_search
    from users.models import User

    if connection.vendor != "postgresql":
        raise SystemExit("scenario s needs PostgreSQL (DATABASE_URL=postgres://...)")
    call_command("migrate", verbosity=0, interactive=False)
    readable, others, reader_id = search_data.rooms_and_people()
    result: dict[str, Any] = {"load_before": os.getloadavg()}
    result["fill"] = search_data.fill(args.messages, readable, others, args.rebuild_index)
    result["rooms"] = {"all": len(readable) + len(others), "readable": len(readable)}
    reader = User.objects.get(pk=reader_id)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(reader)
    searches, calls = {}, {}
    for label, (q, sort) in QUERIES.items():
        found = message_search(user=reader, q=q, sort=sort)
        assert not found.problem and found.hits, (q, found)

        def page(q: str = q, sort: str = sort) -> None:
            assert client.get("/search/", {"q": q, "sort": sort}).status_code == 200

        searches[label] = {"q": q, "sort": sort, "results": found.count,
                           "capped": found.capped, "matches_in_all_rooms": matches_everywhere(q)}
        calls[(label, "selector")] = lambda q=q, sort=sort: message_search(
            user=reader, q=q, sort=sort)
        calls[(label, "page")] = page
    for (label, kind), figures in timed(calls, args.repeat).items():
        searches[label][kind] = figures
    result["searches"] = searches
    texts = search_data.bodies(args.inserts, random.Random(5))
    result["insert"] = search_insert.insert_overhead(readable[0], reader_id, texts)
    result["sizes"] = sizes()
    result["plans"] = [*plan(client, "coffee"), *plan(client, "meeting"),
                       *plan(client, search_data.RARE_WORD), *plan(client, '"deploy today"')]
    result["load_after"] = os.getloadavg()
    print(json.dumps(result, default=str))


def run(db_url: str, quick: bool) -> dict[str, Any]:
    """For the runner: this scenario in a database of its own next to ``db_url``."""
    from bench.runner import RATE_LIMIT, create_postgres_database, django_script

    if not db_url.startswith("postgres"):
        print("s: skipped (PostgreSQL only)", flush=True)
        return {"skipped": "PostgreSQL only"}
    name = "chatrooms_search_bench_quick" if quick else "chatrooms_search_bench"
    url = f"{db_url.rsplit('/', 1)[0]}/{name}"
    create_postgres_database(url)
    args = ["--messages", "100000" if quick else "1000000", "--repeat", "20" if quick else "50"]
    result = django_script("bench.search", args, {"DATABASE_URL": url,
                                                  "CHAT_RATE_LIMIT": RATE_LIMIT})
    print(markdown(result), flush=True)
    return result


def _load(values: list[float] | None) -> str:
    return " / ".join(f"{v:.1f}" for v in values) if values else "?"


def markdown(s: dict[str, Any]) -> str:
    if "skipped" in s:
        return f"Skipped: {s['skipped']}."
    lines = [
        f"{s['fill']['messages']:,} messages in {s['rooms']['all']:,} rooms; the reader can "
        f"read {s['rooms']['readable']}. Load average (1, 5, 15 min) before "
        f"{_load(s.get('load_before'))}, after {_load(s.get('load_after'))}.", "",
        "| search | query | results shown | matches in all rooms | selector p50 / p95 ms "
        "| page p50 / p95 ms |", "|---|---|---|---|---|---|",
    ]
    for label, r in s["searches"].items():
        sort = " (newest)" if r["sort"] == "newest" else ""
        shown = f"{r['results']:,}{'+' if r.get('capped') else ''}"
        lines.append(
            f"| {label} | `{r['q']}`{sort} | {shown} | {r['matches_in_all_rooms']:,} | "
            f"{r['selector']['p50_ms']} / {r['selector']['p95_ms']} | "
            f"{r['page']['p50_ms']} / {r['page']['p95_ms']} |"
        )
    z = s["sizes"]
    lines += ["", f"Sizes: GIN index {z['gin_index_mb']} MB, tsvector column "
              f"{z['tsvector_column_mb']} MB (bodies {z['body_column_mb']} MB), message table "
              f"{z['table_mb']} MB, with all its indexes {z['table_with_indexes_mb']} MB.", ""]
    ins = s["insert"]
    lines.append(
        f"Writing a message, {ins['count']} single-row INSERTs into each table, alternated: "
        f"with the search column and index median {ins['with_index']['median_ms']} ms / p95 "
        f"{ins['with_index']['p95_ms']} ms, without {ins['without_index']['median_ms']} / "
        f"{ins['without_index']['p95_ms']} ms; median paired difference "
        f"{ins['median_difference_ms']} ms."
    )
    fill = s["fill"]
    if "insert_with_index" in fill:
        before, after = fill["insert_without_index"], fill["insert_with_index"]
        lines.append(
            f"The whole `services.message_create`, {before['count']} before and after building "
            f"the index (not alternated, so machine load shows): median {before['median_ms']} "
            f"→ {after['median_ms']} ms, p95 {before['p95_ms']} → {after['p95_ms']} ms. Index "
            f"build {fill['index_build_seconds']} s."
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
