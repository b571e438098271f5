"""Handshake cost, memory per connection and CPU at rest of one server, in one minute.

    python -m bench.handshakes --clients 1000 --in-flight 16 [--tree DIR]

Starts a private Redis and a fresh server (``bench.servers``, the Procfile's Daphne
options) from this checkout or from ``--tree`` (an unpacked older commit: ``git archive
COMMIT | tar -x -C DIR``, with ``DIR/.venv`` linked to this one), opens ``--clients``
sockets to the bench rooms (50 a room) with ``--in-flight`` handshakes at a time, and
prints handshakes/s, server CPU per handshake, Redis connections, RSS per connection,
and the server's CPU over 20 s at rest. Needs the bench database and cached sessions
(run ``python -m bench --scenarios f --quick`` once).
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import json
import os
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument("--tree", help="serve from this unpacked checkout instead")
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/chatrooms_bench"))
    args = parser.parse_args()
    if args.tree:
        sys.path.insert(0, args.tree)
        for name in [n for n in sys.modules if n == "bench" or n.startswith("bench.")]:
            del sys.modules[name]
    import psutil
    import redis as redis_py
    from websockets.asyncio.client import connect

    from bench.servers import RESULTS, Redis, Server

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sessions = sorted(glob.glob(os.path.join(here, "bench", "results", "sessions-*.json")))
    cookies = list(json.load(open(sessions[0])).values())
    redis = Redis()
    server = Server("ours", {"REDIS_URL": redis.url, "DATABASE_URL": args.database_url},
                    log_name="handshakes").start()
    proc = psutil.Process(server.pid)

    async def run() -> None:
        gate = asyncio.Semaphore(args.in_flight)
        sockets, errors = [], 0

        async def one(i: int) -> None:
            nonlocal errors
            async with gate:
                try:
                    sockets.append(await connect(
                        f"ws://127.0.0.1:{server.port}/ws/rooms/bench-r{i // 50:04d}/",
                        origin=f"http://127.0.0.1:{server.port}", proxy=None,
                        additional_headers={"Cookie": cookies[i % len(cookies)]},
                        compression=None, ping_interval=None, open_timeout=60,
                    ))
                except Exception:
                    errors += 1

        await asyncio.sleep(2)
        rss0, cpu0 = proc.memory_info().rss, sum(proc.cpu_times()[:2])
        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(args.clients)))
        wall, cpu = time.perf_counter() - started, sum(proc.cpu_times()[:2]) - cpu0
        await asyncio.sleep(3)
        rss1 = proc.memory_info().rss
        rest0 = sum(proc.cpu_times()[:2])
        await asyncio.sleep(20)
        rest = sum(proc.cpu_times()[:2]) - rest0
        clients = redis_py.Redis.from_url(redis.url).info("clients")["connected_clients"]
        n = max(1, len(sockets))
        print(json.dumps({
            "tree": args.tree or here, "open": len(sockets), "failed": errors,
            "handshakes_per_s": round(len(sockets) / wall, 1),
            "cpu_ms_per_handshake": round(1000 * cpu / n, 1),
            "redis_connections": clients,
            "rss_mb": [round(rss0 / 2**20, 1), round(rss1 / 2**20, 1)],
            "kb_per_connection": round((rss1 - rss0) / 1024 / n, 1),
            "rest_cpu_pct": round(100 * rest / 20, 1),
        }))
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)

    try:
        RESULTS.mkdir(parents=True, exist_ok=True)
        asyncio.run(run())
    finally:
        server.stop()
        redis.stop()


if __name__ == "__main__":
    main()
