"""The transcript's memory bound: RSS of a Daphne process while it streams a big room.

    DATABASE_URL=postgres://... REDIS_URL=redis://... python -m bench.transcript \
        --messages 100000 [--port 8199]

Fills room ``transcript-bench`` with ``--messages`` messages (once; kept for later
runs; every 10th has two reactions), starts Daphne on the app (``config.asgi``) as a
child process, and downloads ``transcript.txt`` and ``transcript.json`` as a signed-in
member, reading the body as it streams. A sampler reads the server's RSS every 20 ms.
Prints JSON: the RSS before, the peak during each download, the growth, the bytes
and the seconds. Not a timed test: it measures memory, the transcript's contract.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import django

SLUG = "transcript-bench"


def fill(count: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from rooms.models import Message, Reaction, Room
    from users.models import User

    room, _ = Room.objects.get_or_create(slug=SLUG, defaults={"name": "Transcript bench"})
    have = Message.objects.filter(room=room).count()
    if have >= count:
        return
    people = [User.objects.get_or_create(username=f"transcript-{n}")[0] for n in range(3)]
    start = timezone.now() - timedelta(seconds=count)
    seq = room.last_seq
    with transaction.atomic():
        for first in range(have, count, 5000):
            rows = []
            for i in range(first, min(first + 5000, count)):
                seq += 1
                body = f"Message {i}: the quick brown fox jumps over the lazy dog."
                rows.append(Message(room=room, author=people[i % 3], body=body,
                                    body_html=f"<p>{body}</p>", created_seq=seq, seq=seq))
            made = Message.objects.bulk_create(rows)
            Message.objects.filter(pk__in=[m.pk for m in made]).update(created_at=start)
            Reaction.objects.bulk_create(
                Reaction(message=m, user=people[k], emoji="👍")
                for m in made[::10] for k in (0, 1)
            )
        Room.objects.filter(pk=room.pk).update(last_seq=seq)


def session_for(username: str) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from users.models import User

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key or ""


def download(url: str, session: str, rss: Callable[[], int]) -> dict[str, float]:
    import requests

    peak = [rss()]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    before = rss()
    started = time.monotonic()
    sampler.start()
    size = 0
    with requests.get(url, cookies={"sessionid": session}, stream=True, timeout=600) as response:
        response.raise_for_status()
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
    done.set()
    sampler.join()
    mib = 1024 * 1024
    return {"rss_before_mib": round(before / mib, 1), "rss_peak_mib": round(peak[0] / mib, 1),
            "growth_mib": round((peak[0] - before) / mib, 1), "bytes": size,
            "seconds": round(time.monotonic() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=8199)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    import psutil
    import requests

    fill(args.messages)
    session = session_for("transcript-0")
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(args.port),
         "config.asgi:application"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{args.port}"
        for _ in range(100):
            try:
                requests.get(f"{base}/accounts/login/", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        process = psutil.Process(server.pid)
        # Warm up: the first request imports and connects.
        requests.get(f"{base}/rooms/{SLUG}/", cookies={"sessionid": session}, timeout=60)
        results = {"messages": args.messages}
        for ext in ("txt", "json"):
            url = f"{base}/rooms/{SLUG}/transcript.{ext}"
            results[ext] = download(url, session, lambda: process.memory_info().rss)
        print(json.dumps(results, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
