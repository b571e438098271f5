"""Scenario (e): the room page and "load older" with a long history.

Run by the runner as ``python -m bench.history`` (Django settings from the
environment). Fills a room with ``--messages`` messages (once; kept for later runs)
and a small room with 100, then, through Django's test client, counts the queries of
each request (``CaptureQueriesContext``) and times ``--repeat`` requests of each.
The runner also times the same pages through the live Daphne server.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import timedelta

import django

BIG_SLUG = "history"
SMALL_SLUG = "history-small"


def fill(slug: str, name: str, count: int) -> tuple[int, int, float]:
    """Make sure room ``slug`` holds ``count`` messages; return its id, size, seconds."""
    from django.db import transaction
    from django.utils import timezone

    from rooms.models import Message, Room
    from users.models import User

    room, _ = Room.objects.get_or_create(slug=slug, defaults={"name": name})
    have = Message.objects.filter(room=room).count()
    started = time.monotonic()
    if have < count:
        authors = list(User.objects.order_by("pk")[:20]) or [
            User.objects.create_user(username="history-author", password=None)
        ]
        start = timezone.now() - timedelta(seconds=count)
        seq = room.last_seq
        batch = 5000
        with transaction.atomic():
            for first in range(have, count, batch):
                rows = []
                for i in range(first, min(first + batch, count)):
                    seq += 1
                    body = f"History message {i}: the quick brown fox jumps over the lazy dog."
                    rows.append(Message(
                        room=room, author=authors[i % len(authors)], body=body,
                        # What rooms.formatting renders for this plain text.
                        body_html=f"<p>{body}</p>", created_seq=seq, seq=seq,
                    ))
                created = Message.objects.bulk_create(rows)
                # created_at is auto_now_add: spread it out so the history looks real.
                Message.objects.filter(pk__in=[m.pk for m in created]).update(created_at=start)
            Room.objects.filter(pk=room.pk).update(last_seq=seq)
    return room.pk, max(have, count), time.monotonic() - started


def measure(client, path: str, repeat: int) -> dict[str, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)  # warm: the first request of a process sets up the handler
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    # Read now: every request starts by clearing the connection's query log.
    queries = [q["sql"] for q in ctx.captured_queries]
    assert response.status_code == 200, (path, response.status_code)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return {
        "path": path,
        "queries": len(queries),
        "sql": [sql[:200] for sql in queries],
        "median_ms": statistics.median(times),
        "p90_ms": sorted(times)[int(len(times) * 0.9) - 1],
        "bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    django.setup()

    from django.test import Client

    from rooms.models import Message
    from users.models import User

    results: dict[str, object] = {}
    rooms = {}
    for slug, name, count in (
        (SMALL_SLUG, "History small", 100), (BIG_SLUG, "History", args.messages),
    ):
        room_id, size, seconds = fill(slug, name, count)
        rooms[slug] = room_id
        results[f"fill_{slug}"] = {"messages": size, "seconds": round(seconds, 1)}

    user = User.objects.order_by("pk").first()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    pages = {}
    middles = {}
    for slug, room_id in rooms.items():
        ids = list(
            Message.objects.filter(room_id=room_id).order_by("id").values_list("id", flat=True)
        )
        middle, near_start = ids[len(ids) // 2], ids[min(60, len(ids) - 1)]
        middles[slug] = middle
        pages[slug] = {
            "messages": len(ids),
            "room_page": measure(client, f"/rooms/{slug}/", args.repeat),
            "older_middle": measure(
                client, f"/rooms/{slug}/messages/older/?before={middle}", args.repeat
            ),
            "older_oldest": measure(
                client, f"/rooms/{slug}/messages/older/?before={near_start}", args.repeat
            ),
        }
    results["pages"] = pages
    # How the database answers "the 50 before X" in the big room (an index walk).
    results["older_plan"] = (
        Message.objects.filter(room_id=rooms[BIG_SLUG], id__lt=middles[BIG_SLUG])
        .select_related("author", "room").order_by("-id")[:51]
        .explain()
    )
    results["paths"] = {
        slug: {"room_page": f"/rooms/{slug}/",
               "older_middle": f"/rooms/{slug}/messages/older/?before={middles[slug]}"}
        for slug in rooms
    }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
