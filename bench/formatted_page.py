"""A room page of 50 formatted messages: how long it takes to render.

    DATABASE_URL=postgres://... python -m bench.formatted_page [--repeat 50]

Fills room ``formatted-bench`` with 50 messages through the services (Markdown with
code blocks, quotes, lists and links; replies; three reactions on every other one;
three authors, so some are grouped), then requests the room page ``--repeat`` times
through Django's test client (the whole view: queries, template, middleware) and
prints the median and 90th percentile in milliseconds, the median CPU time of this
process per page (steadier than wall time on a shared machine), and the page's size.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import django

SLUG = "formatted-bench"
BODIES = [
    "**Deploy** is done: see https://example.com/releases/42 and `make check`.",
    "Steps:\n1. pull\n2. `make migrate`\n3. restart the *web* dynos",
    "> the quick brown fox\n\nIs that a quote from the style guide?",
    "```python\ndef greet(name: str) -> str:\n    return f\"Hello, {name}!\"\n```",
    "Plain message with an emoji 🎉 and a link www.example.org/docs",
]


def fill() -> None:
    from django.test import override_settings

    from rooms import reactions, services
    from rooms.models import Room
    from users.models import User

    room, created = Room.objects.get_or_create(slug=SLUG, defaults={"name": "Formatted"})
    if not created and room.messages.count() >= 50:
        return
    people = [User.objects.get_or_create(username=f"format-{n}")[0] for n in range(3)]
    with override_settings(CHAT_RATE_LIMIT=100_000):
        previous = None
        for i in range(50):
            message = services.message_create(
                room=room, author=people[(i // 2) % 3], body=BODIES[i % len(BODIES)],
                reply_to_id=previous.pk if previous and i % 7 == 0 else None,
            )
            if i % 2 == 0:
                for person, emoji in zip(people, ("👍", "👍", "🎉"), strict=True):
                    reactions.reaction_toggle(
                        room=room, user=person, message_id=message.pk, emoji=emoji
                    )
            previous = message


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings
    from django.test import Client

    from users.models import User

    # The test client's host. (Not setup_test_environment(): its instrumented template
    # rendering copies the context at every partial, which would be measured too.)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    fill()
    client = Client()
    client.force_login(User.objects.get(username="format-0"))
    url = f"/rooms/{SLUG}/"
    response = client.get(url)
    assert response.status_code == 200 and response.content.count(b"<article") == 50
    times, cpu = [], []
    for _ in range(args.repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    times.sort()
    print(json.dumps({
        "messages": 50, "repeat": args.repeat,
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": round(times[int(len(times) * 0.9) - 1], 1),
        # This process's CPU per page (the database's is not in it): what the wall
        # time would be on an idle machine, less the queries' own time.
        "cpu_median_ms": round(statistics.median(cpu), 1),
        "page_bytes": len(response.content),
    }, indent=2))


if __name__ == "__main__":
    main()
