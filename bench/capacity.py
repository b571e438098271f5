"""Scenario d, idle capacity: connections opened in steps on one process, memory per
connection, CPU at rest, and one probe message that proves every socket is live."""

from __future__ import annotations

import time
from typing import Any

from bench.drive import Setup, call_all, running, split
from bench.figures import percentile
from bench.servers import Watch


def capacity(setup: Setup, variant: str, *, label: str, target: int, step: int, users: int,
             rest: float, settle: float = 3.0) -> dict[str, Any]:
    """Open connections in steps up to ``target``; memory per connection; CPU at rest."""
    # A refused handshake is retried (up to 10 times) with htmx's backoff.
    with running(setup, variant, label, target, users, retries=10) as ([server], workers):
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
