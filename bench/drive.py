"""One measurement: start a server, drive it with load generator processes, collect figures.

The runner process only orchestrates and watches (psutil on the server's pid); the
websocket clients live in ``bench.loadgen`` processes.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.servers import ROOT, Redis, Server, Watch, client_options

ROOM_SLUG = "bench"


@dataclass
class Setup:
    """What every measurement shares: Redis, the database, the logged-in users."""

    redis: Redis
    env: dict[str, str]  # for the servers: REDIS_URL, DATABASE_URL, CHAT_RATE_LIMIT
    cookies: list[str]
    workers: int = 1
    # Handshakes in flight at once: our server admits 16 at a time (CHAT_HANDSHAKE_LIMIT)
    # and refuses the rest, which then back off as htmx does (scenario g tests 500).
    connect_concurrency: int = 16
    profile_dir: Path | None = None


class Worker:
    """A ``bench.loadgen`` process, spoken to in JSON lines."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.loadgen"], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.write(spec)
        self.read()

    def write(self, payload: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(payload) + "\n")
        self.proc.stdin.flush()

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"load generator exited with {self.proc.wait()}")
        return json.loads(line)

    def stop(self) -> None:
        try:
            self.write({"cmd": "close"})
            self.read()
        except (OSError, RuntimeError, ValueError):
            pass
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def call_all(workers: list[Worker], commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for worker, command in zip(workers, commands, strict=True):
        worker.write(command)
    return [worker.read() for worker in workers]


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


@contextmanager
def running(setup: Setup, variant: str, label: str, clients: int, users: int,
            retries: int = 0) -> Iterator[tuple[Server, list[Worker]]]:
    """A fresh server of ``variant`` and enough generator processes for ``clients``."""
    setup.redis.flush()
    server = Server(variant, setup.env, log_name=f"{label}-{variant}").start()
    workers: list[Worker] = []
    try:
        cookies = setup.cookies[:users]
        run_tag = random.randrange(10**6)
        first = 0
        for count in split(clients, setup.workers):
            workers.append(Worker({
                **client_options(variant, server.port, ROOM_SLUG, cookies),
                "first_index": first, "run": run_tag,
                "connect_concurrency": max(1, setup.connect_concurrency // setup.workers),
                "connect_retries": retries,
            }))
            first += count
        yield server, workers
    finally:
        for worker in workers:
            worker.stop()
        server.stop()


def _open_inboxes(setup: Setup, variant: str, server: Server, count: int) -> Worker | None:
    """``count`` rooms lists (inbox sockets) of the first users, in their own generator
    process: they receive count updates, never messages, so they are not drained."""
    if variant in {"baseline", "tutorial"}:
        return None
    worker = Worker({
        "url": f"ws://127.0.0.1:{server.port}/ws/inbox/",
        "origin": f"http://127.0.0.1:{server.port}", "cookies": setup.cookies[:count],
        "first_index": 0, "run": 0, "connect_concurrency": 10, "connect_retries": 10,
    })
    worker.write({"cmd": "open", "count": count})
    worker.read()
    return worker


def percentile(sorted_values: list[int], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, int(q * len(sorted_values)))
    return sorted_values[index] / 1000  # µs -> ms


def _py_spy(server: Server, setup: Setup, label: str, seconds: float) -> subprocess.Popen | None:
    if setup.profile_dir is None:
        return None
    py_spy = Path(sys.executable).with_name("py-spy")
    setup.profile_dir.mkdir(parents=True, exist_ok=True)
    out = setup.profile_dir / f"{label}-{server.variant}.txt"
    return subprocess.Popen(
        [str(py_spy), "record", "--pid", str(server.pid), "--duration", str(int(seconds)),
         "--rate", "200", "--format", "raw", "--output", str(out), "--nonblocking",
         *os.environ.get("BENCH_PY_SPY_ARGS", "").split()],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def load(setup: Setup, variant: str, *, label: str, clients: int, senders: int, rate: float,
         duration: float, users: int, settle: float = 3.0, shape: str = "even",
         inboxes: int = 0) -> dict[str, Any]:
    """Clients in one room; ``senders`` of them send ``rate`` messages/s for ``duration``.

    ``shape``: ``even`` spaces the senders evenly over each interval; ``bursty`` gives
    each a random offset, so sends cluster as real people's do. ``inboxes``: that many
    of the same people also have the rooms list open (``/ws/inbox/``: counts pushed
    live), on our server only."""
    # A client whose handshake is refused retries with htmx's backoff: the load
    # scenarios measure messages, the capacity scenario measures connecting.
    with running(setup, variant, label, clients, users, retries=10) as (server, workers):
        pids = {"server": server.pid, "generator": workers[0].proc.pid}
        if setup.redis.pid:
            pids["redis"] = setup.redis.pid
        with Watch(pids) as watch:
            opened = call_all(workers, [
                {"cmd": "open", "count": n} for n in split(clients, len(workers))
            ])
            connected = sum(r["ok"] for r in opened)
            lists = _open_inboxes(setup, variant, server, inboxes) if inboxes else None
            time.sleep(settle)  # presence pushes of the joins die down
            # Senders: spread over the generator processes, their first clients.
            per_worker: list[list[int]] = [[] for _ in workers]
            offsets: list[list[float]] = [[] for _ in workers]
            for s in range(senders):
                w = s % len(workers)
                per_worker[w].append(s // len(workers))
                offsets[w].append(s / senders if shape == "even" else random.random())
            cpu0 = watch.cpu()
            t0 = time.monotonic_ns() + 200_000_000
            profiler = _py_spy(server, setup, label, duration)
            sent = sum(r["sent"] for r in call_all(workers, [
                {"cmd": "send", "senders": per_worker[w], "rate": rate, "duration": duration,
                 "t0": t0, "offsets": offsets[w]} for w in range(len(workers))
            ]))
            drained = call_all(workers, [
                # Lost means never arrived: a backlog may take long to drain, so wait
                # up to a minute, and stop early only after 5 s without any arrival.
                {"cmd": "drain", "expected_per_client": sent, "quiet": 5.0,
                 "max_wait": max(60.0, 3 * duration)} for _ in workers
            ])
            end_ns = time.monotonic_ns()
            cpu1 = watch.cpu()
            inboxes_open = 0
            if lists is not None:
                lists.write({"cmd": "status"})
                inboxes_open = lists.read().get("open", 0)
                lists.stop()
            if profiler is not None:
                profiler.wait(60)
        latencies = sorted(lat for r in drained for lat in r["latencies_us"])
        last_arrival = max((r["last_arrival"] for r in drained), default=0)
        expected = sent * connected
        deliveries = len(latencies)
        window = max(1e-9, (min(end_ns, max(last_arrival, t0)) - t0) / 1e9)
        wall = (end_ns - t0) / 1e9
        server_cpu = cpu1["server"] - cpu0["server"]
        result = {
            "variant": variant, "shape": shape, "clients": clients, "senders": senders,
            "inboxes": inboxes, "inboxes_open_at_end": inboxes_open,
            "rate": rate,
            "duration": duration, "users": users,
            "connected": connected,
            "connect_errors": [e for r in opened for e in r["errors"]],
            "connect_seconds": max(r["seconds"] for r in opened),
            "connect_retries": sum(r["retries"] for r in opened),
            "sent": sent, "expected": expected, "deliveries": deliveries,
            "lost": max(0, expected - deliveries),
            "duplicates": sum(r["duplicates"] for r in drained),
            "bytes_per_delivery": (
                sum(r["delivery_bytes"] for r in drained) / deliveries if deliveries else None
            ),
            "refused": sum(r["refused"] for r in drained),
            "closed": sum(r["closed"] for r in drained),
            # Redraws of the list (a gap too big to fill): what they skip counts as lost.
            "resets": sum(r.get("resets", 0) for r in drained),
            "p50_ms": percentile(latencies, 0.50), "p90_ms": percentile(latencies, 0.90),
            "p99_ms": percentile(latencies, 0.99), "max_ms": percentile(latencies, 1.0),
            "deliveries_per_s": deliveries / window if deliveries else 0.0,
            "server_cpu_pct": 100 * server_cpu / wall,
            "cpu_ms_per_1000": 1000 * 1000 * server_cpu / deliveries if deliveries else None,
            "server_peak_rss_mb": watch.peak_rss.get("server", 0) / 2**20,
            "redis_cpu_pct": (
                100 * (cpu1["redis"] - cpu0["redis"]) / wall if "redis" in cpu0 else None
            ),
            "generator_cpu_pct": 100 * (cpu1["generator"] - cpu0["generator"]) / wall,
        }
        return result


def capacity(setup: Setup, variant: str, *, label: str, target: int, step: int, users: int,
             rest: float, settle: float = 3.0) -> dict[str, Any]:
    """Open connections in steps up to ``target``; memory per connection; CPU at rest."""
    # A refused handshake is retried (up to 10 times) with htmx's backoff.
    with running(setup, variant, label, target, users, retries=10) as (server, workers):
        pids = {"server": server.pid}
        if setup.redis.pid:
            pids["redis"] = setup.redis.pid
        with Watch(pids) as watch:
            time.sleep(settle)
            rss0 = watch.rss("server")
            steps = []
            opened_total, failed = 0, 0
            errors: list[str] = []
            while opened_total < target and not failed:
                count = min(step, target - opened_total)
                started = time.monotonic()
                replies = call_all(workers, [
                    {"cmd": "open", "count": n} for n in split(count, len(workers))
                ])
                seconds = time.monotonic() - started
                opened_total += sum(r["ok"] for r in replies)
                failed += sum(r["failed"] for r in replies)
                retries = sum(r["retries"] for r in replies)
                errors += [e for r in replies for e in r["errors"]]
                time.sleep(settle)
                steps.append({
                    "open": opened_total, "failed": failed, "retries": retries,
                    "rss_mb": watch.rss("server") / 2**20,
                    "connects_per_s": sum(r["ok"] for r in replies) / seconds,
                })
            rss_full = watch.rss("server")
            cpu0 = watch.cpu()
            time.sleep(rest)
            cpu1 = watch.cpu()
            statuses = call_all(workers, [{"cmd": "status"}] * len(workers))
            still_open = sum(r["open"] for r in statuses)
            # One message to everyone proves every connection is live and in the room.
            t0 = time.monotonic_ns() + 200_000_000
            sent = sum(r["sent"] for r in call_all(workers, [
                {"cmd": "send", "senders": [0] if w == 0 else [], "rate": 1.0,
                 "duration": 1.0, "t0": t0, "offsets": [0.0] if w == 0 else []}
                for w in range(len(workers))
            ]))
            drained = call_all(workers, [
                {"cmd": "drain", "expected_per_client": sent, "quiet": 5.0, "max_wait": 60.0}
                for _ in workers
            ])
        latencies = sorted(lat for r in drained for lat in r["latencies_us"])
        return {
            "variant": variant, "target": target, "users": users,
            "opened": opened_total, "failed": failed, "errors": sorted(set(errors))[:5],
            "retries": steps[-1]["retries"] if steps else 0,
            "still_open_after_rest": still_open,
            "steps": steps,
            "rss_idle_mb": rss0 / 2**20, "rss_full_mb": rss_full / 2**20,
            "peak_rss_mb": watch.peak_rss.get("server", 0) / 2**20,
            "kb_per_connection": (rss_full - rss0) / 1024 / max(1, opened_total),
            "rest_seconds": rest,
            "rest_cpu_pct": 100 * (cpu1["server"] - cpu0["server"]) / rest,
            "rest_redis_cpu_pct": (
                100 * (cpu1["redis"] - cpu0["redis"]) / rest if "redis" in cpu0 else None
            ),
            "probe_expected": sent * opened_total,
            "probe_deliveries": len(latencies),
            "probe_max_ms": percentile(latencies, 1.0),
            "probe_p50_ms": percentile(latencies, 0.5),
        }
