"""Scenario (s), the data: a million chat messages across 1,000 rooms, one reader of 50.

Messages are drawn from a Zipf-shaped vocabulary (a few words in a large share of
messages, a long tail of rare ones) mixed with English stop words, as chat is. The
reader can read 50 rooms: 10 public and 40 private ones they belong to; the other
950 rooms are private. One made-up word is planted in exactly ``RARE_COUNT``
messages, 5 of them readable, so the rare-word search has a known answer.

Rows go in with COPY while the search column and its index are absent, then the
index is built once (``search.schema.postgres_create``): the build is timed, and the
cost of adding a message is measured through the real service before and after.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

PREFIX = "search-bench"
READER = f"{PREFIX}-reader"
PUBLIC_READABLE = 10
PRIVATE_READABLE = 40
AUTHORS = 200
RARE_WORD = "quokkapalooza"
RARE_COUNT = 40
RARE_READABLE = 5
CHAT_WORDS = (
    "meeting deploy today lunch tomorrow review release coffee thanks call team bug fix "
    "build week time people good great work need want think know look going get back "
    "morning plan issue test docs design client server data update merge branch ticket "
    "launch demo slides budget travel weekend holiday birthday cake pizza movie book music "
    "game photo trip office home remote standup sprint roadmap customer feedback invoice"
).split()
SYLLABLES = "ba be bi bo bu ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu " \
            "ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo vu za ze zi zo zu".split()
STOP_SHARE = 0.4


def vocabulary(size: int = 20_000) -> tuple[list[str], list[float]]:
    """Words by rank, and cumulative Zipf weights (exponent 1.07) for random.choices."""
    rng = random.Random(7)
    words = list(CHAT_WORDS)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen and word != RARE_WORD:
            seen.add(word)
            words.append(word)
    total, cumulative = 0.0, []
    for rank in range(1, size + 1):
        total += 1 / rank**1.07
        cumulative.append(total)
    return words, cumulative


def bodies(count: int, rng: random.Random) -> list[str]:
    from search.stopwords import STOP_WORDS

    words, cumulative = vocabulary()
    stops = sorted(STOP_WORDS)
    out = []
    for _ in range(count):
        length = rng.randint(3, 18)
        content = rng.choices(words, cum_weights=cumulative, k=length)
        out.append(" ".join(
            rng.choice(stops) if rng.random() < STOP_SHARE else word for word in content
        ).capitalize())
    return out


def rooms_and_people() -> tuple[list[int], list[int], int]:
    """(readable room ids, other room ids, reader id), created once."""
    from rooms.models import Membership, Room
    from users.models import User

    reader, _ = User.objects.get_or_create(username=READER)
    if not Room.objects.filter(slug__startswith=f"{PREFIX}-room-").exists():
        User.objects.bulk_create(
            [User(username=f"{PREFIX}-author-{i:03d}") for i in range(AUTHORS)],
            ignore_conflicts=True,
        )
        rooms = []
        for i in range(1000):
            kind = Room.Kind.PUBLIC if i < PUBLIC_READABLE else Room.Kind.PRIVATE
            rooms.append(Room(name=f"Bench room {i}", slug=f"{PREFIX}-room-{i:04d}", kind=kind))
        Room.objects.bulk_create(rooms)
    authors = list(
        User.objects.filter(username__startswith=f"{PREFIX}-author-").values_list("pk", flat=True)
    )
    ids = list(
        Room.objects.filter(slug__startswith=f"{PREFIX}-room-").order_by("slug")
        .values_list("pk", flat=True)
    )
    readable = ids[: PUBLIC_READABLE + PRIVATE_READABLE]
    if not Membership.objects.filter(user_id=reader.pk).exists():
        members = [Membership(room_id=r, user_id=reader.pk) for r in readable[PUBLIC_READABLE:]]
        members += [Membership(room_id=r, user_id=authors[(r + k * 41) % len(authors)])
                    for r in ids for k in range(5)]
        Membership.objects.bulk_create(members, ignore_conflicts=True)
    return readable, ids[len(readable):], reader.pk


def _index_exists() -> bool:
    from search import schema

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
            [schema.MESSAGE_TABLE, schema.VECTOR_COLUMN],
        )
        return cursor.fetchone() is not None


def fill(total: int, readable: list[int], others: list[int], rebuild: bool) -> dict[str, Any]:
    """COPY ``total`` messages in (once), without the search index; then, after a fill
    or when asked to ``rebuild``, time adding messages without the index, building
    it, and adding messages with it."""
    from rooms.models import Message
    from search import schema

    room_ids = readable + others
    have = Message.objects.filter(room_id__in=room_ids).count()
    result: dict[str, Any] = {"messages": have}
    if 0 < have < total:
        raise SystemExit(f"{have:,} of {total:,} bench messages: drop the database, run again")
    if have == 0:
        if _index_exists():
            schema.postgres_drop(connection)
        started = time.monotonic()
        result["messages"] = copy_messages(total, room_ids, readable_count=len(readable))
        result["copy_seconds"] = round(time.monotonic() - started, 1)
        rebuild = True
    if rebuild:
        if _index_exists():
            schema.postgres_drop(connection)
        result["insert_without_index"] = insert_cost(readable[0])
        started = time.monotonic()
        schema.postgres_create(connection)
        result["index_build_seconds"] = round(time.monotonic() - started, 1)
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {schema.MESSAGE_TABLE}")
        result["insert_with_index"] = insert_cost(readable[0])
    elif not _index_exists():
        schema.postgres_create(connection)
    return result


def copy_messages(total: int, room_ids: list[int], readable_count: int) -> int:
    from rooms.models import Message
    from search import schema
    from users.models import User

    rng = random.Random(42)
    authors = list(
        User.objects.filter(username__startswith=f"{PREFIX}-author-").values_list("pk", flat=True)
    )
    per_room = total // len(room_ids)
    # Rooms take turns at random, as live traffic does: a room's messages are spread
    # over the whole table, not stored together (which would flatter per-room scans).
    order = [room for room in room_ids for _ in range(per_room)]
    rng.shuffle(order)
    readable = set(room_ids[:readable_count])
    readable_rows = [n for n, room in enumerate(order) if room in readable]
    rare = set(rng.sample(readable_rows, RARE_READABLE))
    others = [n for n, room in enumerate(order) if room not in readable]
    rare |= set(rng.sample(others, RARE_COUNT - RARE_READABLE))
    start = timezone.now() - timedelta(days=365)
    step = timedelta(days=365) / len(order)
    seq = dict.fromkeys(room_ids, 0)
    # Every column the model has (other columns get their model default), so a new
    # message field does not break the fill.
    fields = [f for f in Message._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    columns = ", ".join(f.column for f in fields)
    texts = iter(bodies(len(order), rng))
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {schema.MESSAGE_TABLE} ({columns}) FROM STDIN") as copy:
            for n, room_id in enumerate(order):
                body = next(texts)
                if n in rare:
                    body = f"{body} {RARE_WORD}"
                seq[room_id] += 1
                # Saved as the message services save it (the words need no escaping).
                row = {**defaults, "room_id": room_id, "author_id": authors[n % len(authors)],
                       "body": body, "body_html": f"<p>{body}</p>", "body_text": body,
                       "created_at": start + step * n,
                       "created_seq": seq[room_id], "seq": seq[room_id]}
                copy.write_row([row[f.attname] for f in fields])
        cursor.execute("UPDATE rooms_room SET last_seq = %s WHERE id = ANY(%s)",
                       [per_room, room_ids])
    return len(order)


def insert_cost(room_id: int, count: int = 300) -> dict[str, float]:
    """Median and p95 ms of ``services.message_create`` (the whole write a user makes)."""
    from rooms import services
    from rooms.models import Message, Room
    from users.models import User

    room = Room.objects.get(pk=room_id)
    author = User.objects.get(username=READER)
    texts = bodies(count + 20, random.Random(3))
    made, times = [], []
    for i, text in enumerate(texts):
        started = time.perf_counter()
        message = services.message_create(room=room, author=author, body=text)
        if i >= 20:  # the first ones warm caches and the connection
            times.append((time.perf_counter() - started) * 1000)
        made.append(message.pk)
    Message.objects.filter(pk__in=made).delete()
    times.sort()
    return {"count": count, "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 2)}
