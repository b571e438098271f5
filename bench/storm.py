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
