"""Scenario f, the reconnect storm: a process with many open tabs dies and comes back.

C clients (rooms of 50) connect to one process. The process is killed (SIGKILL, like
a crashed dyno; a deploy's SIGTERM sends the same crowd) and a new one is started on
the same port. Every client reconnects as htmx's ws extension does (``bench.backoff``:
full-jitter backoff, every failed handshake retried), and on reopening sends the
page's ``sync`` with the newest seq it had. Reported: how many are back, and when,
counted from the moment the new process listens; what every attempt met (accepted,
refused, dropped by Daphne's connect timeout, nothing listening yet).
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from bench.dbsetup import room_slug
from bench.drive import Setup, Worker, call_all, split
from bench.servers import Server, Watch, client_options, wait_for_port

ROOM_SIZE = 50


def rooms_for(clients: int) -> int:
    return -(-clients // ROOM_SIZE)


def storm(setup: Setup, variant: str, *, clients: int, max_wait: float, label: str = "f"
          ) -> dict[str, Any]:
    setup.redis.flush()
    server = Server(variant, setup.env, log_name=f"{label}-{variant}").start()
    workers: list[Worker] = []
    try:
        first = 0
        run_tag = random.randrange(10**6)
        slugs = room_slug(0)[:-4] + "{room}"  # bench-r0000, bench-r0001, ...
        for count in split(clients, setup.workers):
            workers.append(Worker({
                **client_options(variant, server.port, slugs, setup.cookies),
                "room_size": ROOM_SIZE, "first_index": first, "run": run_tag,
                "connect_concurrency": max(1, setup.connect_concurrency // setup.workers),
                "connect_retries": 10,
            }))
            first += count
        started = time.monotonic()
        opened = call_all(workers, [{"cmd": "open", "count": n}
                                    for n in split(clients, len(workers))])
        connect_seconds = time.monotonic() - started
        connected = sum(r["ok"] for r in opened)
        time.sleep(3.0)
        call_all(workers, [{"cmd": "arm"}] * len(workers))
        server.kill()
        killed = time.monotonic_ns()
        time.sleep(0.5)  # the crashed dyno's replacement boots (Daphne itself adds more)
        server.start(warm=False)
        wait_for_port(server.port, 60, server.proc)
        listening = time.monotonic_ns()
        with Watch({"server": server.pid}) as watch:
            cpu0 = watch.cpu()
            replies = call_all(workers, [{"cmd": "reconnected", "since": listening,
                                          "max_wait": max_wait}] * len(workers))
            cpu1 = watch.cpu()
            window = (time.monotonic_ns() - listening) / 1e9
        times = sorted(t for r in replies for t in r["after_ms"])
        attempts: dict[str, int] = {}
        for r in replies:
            for outcome, n in r["attempts"].items():
                attempts[outcome] = attempts.get(outcome, 0) + n
        back = len(times)
        return {
            "variant": variant, "clients": clients, "connected": connected,
            "connect_seconds": connect_seconds,
            "down_seconds": (listening - killed) / 1e9,
            "reconnected": back, "not_reconnected": connected - back,
            "p50_s": statistics.median(times) / 1000 if times else None,
            "p90_s": times[int(0.9 * (back - 1))] / 1000 if times else None,
            "all_s": times[-1] / 1000 if back == connected and times else None,
            "attempts": attempts,
            "attempts_total": sum(attempts.values()),
            "server_cpu_pct": 100 * (cpu1["server"] - cpu0["server"]) / window,
            "accepted_per_s": back / (times[-1] / 1000) if times else 0.0,
            "max_wait": max_wait,
        }
    finally:
        for worker in workers:
            worker.stop()
        server.stop()


def crowd(setup: Setup, variant: str, *, clients: int, in_flight: int, label: str = "g"
          ) -> dict[str, Any]:
    """Scenario g: ``clients`` handshakes, ``in_flight`` of them started at once (each
    that ends starts the next); a failed one is retried as htmx retries (up to 10 times).
    Reported: handshakes accepted per second, and what every attempt met."""
    setup.redis.flush()
    server = Server(variant, setup.env, log_name=f"{label}-{variant}").start()
    worker = None
    try:
        worker = Worker({
            **client_options(variant, server.port, room_slug(0)[:-4] + "{room}", setup.cookies),
            "room_size": ROOM_SIZE, "first_index": 0, "run": random.randrange(10**6),
            "connect_concurrency": in_flight, "connect_retries": 10,
        })
        with Watch({"server": server.pid}) as watch:
            cpu0 = watch.cpu()
            started = time.monotonic()
            [reply] = call_all([worker], [{"cmd": "open", "count": clients}])
            seconds = time.monotonic() - started
            cpu1 = watch.cpu()
        attempts = reply["attempts"]
        return {
            "variant": variant, "clients": clients, "in_flight": in_flight,
            "opened": reply["ok"], "failed": reply["failed"], "seconds": seconds,
            "handshakes_per_s": reply["ok"] / seconds,
            "refused": sum(n for k, n in attempts.items() if k.startswith("HTTP")),
            "dropped": attempts.get("no valid HTTP response", 0) + attempts.get("timeout", 0),
            "attempts": attempts,
            "server_cpu_ms_per_handshake": 1000 * (cpu1["server"] - cpu0["server"])
            / max(1, reply["ok"]),
        }
    finally:
        if worker is not None:
            worker.stop()
        server.stop()
