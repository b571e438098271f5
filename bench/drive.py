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

from bench.figures import figures
from bench.servers import ROOT, Redis, Server, Watch, client_options

ROOM_SLUG = "bench"
LATE_AFTER = 5.0  # s after the last send: what arrives later is late


@dataclass
class Setup:
    """What every measurement shares: Redis, the database, the logged-in users."""

    redis: Redis
    env: dict[str, str]  # for the servers: REDIS_URL, DATABASE_URL, CHAT_RATE_LIMIT
    cookies: list[str]
    workers: int = 1
    # Handshakes in flight at once while clients are opened (scenario g tests 500 at once,
    # f a whole crowd): a steady ramp, as tabs open during a day.
    connect_concurrency: int = 16
    profile_dir: Path | None = None


class Worker:
    """A ``bench.loadgen`` process (or ``module``'s), spoken to in JSON lines."""

    def __init__(self, spec: dict[str, Any], module: str = "bench.loadgen", clients: int = 0
                 ) -> None:
        self.clients = clients  # how many clients it is to open
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module], cwd=ROOT,
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


def assignments(clients: int, generators: int, processes: int = 1, room_size: int = 0
                ) -> list[tuple[int, int, int]]:
    """(first client index, clients, server index) of each generator process: generator
    ``w`` connects to server ``w % processes``, so with two processes half the clients are
    on each; rooms of ``room_size`` are never split between generators."""
    parts = -(-max(generators, processes) // processes) * processes
    unit = max(1, room_size)
    counts = [n * unit for n in split(clients // unit, parts)]
    counts[-1] += clients % unit
    firsts = [sum(counts[:w]) for w in range(parts)]
    return [(firsts[w], counts[w], w % processes) for w in range(parts)]


@contextmanager
def running(setup: Setup, variant: str, label: str, clients: int, users: int,
            retries: int = 0, *, processes: int = 1, generators: int = 0,
            slug: str = ROOM_SLUG, room_size: int = 0, module: str = "bench.loadgen",
            ) -> Iterator[tuple[list[Server], list[Worker]]]:
    """Fresh servers of ``variant`` (``processes`` of them on their own ports, sharing
    Redis and the database) and generator processes for ``clients`` (``assignments``)."""
    setup.redis.flush()
    servers: list[Server] = []
    workers: list[Worker] = []
    try:
        for i in range(processes):
            name = f"{label}-{variant}" + (f"-{i}" if processes > 1 else "")
            servers.append(Server(variant, setup.env, log_name=name).start())
        cookies = setup.cookies[:users]
        run_tag = random.randrange(10**6)
        plan = assignments(clients, generators or setup.workers, processes, room_size)
        for first, count, server in plan:
            workers.append(Worker({
                **client_options(variant, servers[server].port, slug, cookies),
                "first_index": first, "run": run_tag, "room_size": room_size,
                "connect_concurrency": max(1, setup.connect_concurrency // len(plan)),
                "connect_retries": retries,
            }, module, count))
        yield servers, workers
    finally:
        for worker in workers:
            worker.stop()
        for one in servers:
            one.stop()


def watched(servers: list[Server], workers: list[Worker], redis: Redis) -> dict[str, int]:
    """The pids to watch: every server, every generator and the private Redis."""
    pids = {f"server{i}": one.pid for i, one in enumerate(servers)}
    pids.update({f"generator{i}": w.proc.pid for i, w in enumerate(workers)})
    if redis.pid:
        pids["redis"] = redis.pid
    return pids


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
         inboxes: int = 0, processes: int = 1, generators: int = 0,
         seed: int | None = None) -> dict[str, Any]:
    """Clients in one room; ``senders`` of them send ``rate`` messages/s for ``duration``.

    ``shape``: ``even`` spaces the senders evenly over each interval; ``bursty`` gives
    each a random offset, so sends cluster as real people's do (drawn from ``seed`` when
    given: every server in a run then meets the same clusters). ``inboxes``: that many
    of the same people also have the rooms list open (``/ws/inbox/``: counts pushed
    live), on our server only. ``processes``: servers sharing Redis and the database,
    the clients (and senders) split evenly between them (``assignments``)."""
    # A client whose handshake is refused retries with htmx's backoff: the load
    # scenarios measure messages, the capacity scenario measures connecting.
    with running(setup, variant, label, clients, users, retries=10, processes=processes,
                 generators=generators) as (servers, workers):
        with Watch(watched(servers, workers, setup.redis)) as watch:
            opened = call_all(workers, [{"cmd": "open", "count": w.clients} for w in workers])
            lists = _open_inboxes(setup, variant, servers[0], inboxes) if inboxes else None
            time.sleep(settle)  # presence pushes of the joins die down
            # Senders: spread over the generator processes, their first clients.
            per_worker: list[list[int]] = [[] for _ in workers]
            offsets: list[list[float]] = [[] for _ in workers]
            draw = random.Random(seed).random if seed is not None else random.random
            for s in range(senders):
                w = s % len(workers)
                per_worker[w].append(s // len(workers))
                offsets[w].append(s / senders if shape == "even" else draw())
            cpu0 = watch.cpu()
            t0 = time.monotonic_ns() + 200_000_000
            profiler = _py_spy(servers[0], setup, label, duration)
            sent = sum(r["sent"] for r in call_all(workers, [
                {"cmd": "send", "senders": per_worker[w], "rate": rate, "duration": duration,
                 "t0": t0, "offsets": offsets[w]} for w in range(len(workers))
            ]))
            drained = drain(workers, [sent] * len(workers), duration)
            end_ns = time.monotonic_ns()
            cpu1 = watch.cpu()
            inboxes_open = 0
            if lists is not None:
                lists.write({"cmd": "status"})
                inboxes_open = lists.read().get("open", 0)
                lists.stop()
            if profiler is not None:
                profiler.wait(60)
        connected = sum(r["ok"] for r in opened)
        return {
            "variant": variant, "shape": shape, "clients": clients, "senders": senders,
            "inboxes": inboxes, "inboxes_open_at_end": inboxes_open, "rate": rate,
            "duration": duration, "users": users, "processes": processes,
            **figures(opened, drained, sent, sent * connected, t0, end_ns, cpu0, cpu1, watch),
        }


def drain(workers: list[Worker], expected_per_client: list[float], duration: float
          ) -> list[dict[str, Any]]:
    """Wait for the deliveries, called as soon as the senders are done: first until 5 s
    after the last send (what arrives by then is on time), then, since lost means never
    arrived and a backlog may take long to drain, up to a minute more, stopping early only
    after 5 s without any arrival. Each reply's ``late``: deliveries of the second wait."""
    deadline = time.monotonic() + LATE_AFTER
    commands = [{"cmd": "drain", "expected_per_client": n} for n in expected_per_client]
    wait = max(0.0, deadline - time.monotonic())
    on_time = call_all(workers, [{**c, "quiet": 1e9, "max_wait": wait} for c in commands])
    rest = call_all(workers, [{**c, "quiet": 5.0, "max_wait": max(60.0, 3 * duration)}
                              for c in commands])
    for first, then in zip(on_time, rest, strict=True):
        then["late"] = len(then["latencies_us"])
        then["latencies_us"] = first["latencies_us"] + then["latencies_us"]
        then["last_arrival"] = max(first["last_arrival"], then["last_arrival"])
    return rest
