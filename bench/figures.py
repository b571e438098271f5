"""A load measurement's figures: deliveries, loss, latency percentiles, CPU and memory."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any, TypeVar

from bench.servers import Watch

T = TypeVar("T")


def percentile(sorted_values: list[int], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, int(q * len(sorted_values)))
    return sorted_values[index] / 1000  # µs -> ms



def figures(opened: list[dict[str, Any]], drained: list[dict[str, Any]], sent: int,
            expected: int, t0: int, end_ns: int, cpu0: dict[str, float],
            cpu1: dict[str, float], watch: Watch) -> dict[str, Any]:
    """What a load measurement reports, from the generators' replies and the watch
    (CPU and RSS: the sum over every server process, and over every generator)."""
    latencies = sorted(lat for r in drained for lat in r["latencies_us"])
    last_arrival = max((r["last_arrival"] for r in drained), default=0)
    deliveries = len(latencies)
    window = max(1e-9, (min(end_ns, max(last_arrival, t0)) - t0) / 1e9)
    wall = (end_ns - t0) / 1e9

    def used(prefix: str) -> float:
        return sum(cpu1[k] - cpu0[k] for k in cpu0 if k.startswith(prefix))

    server_cpu = used("server")
    return {
        "connected": sum(r["ok"] for r in opened),
        "connect_errors": [e for r in opened for e in r["errors"]],
        "connect_seconds": max(r["seconds"] for r in opened),
        "connect_retries": sum(r["retries"] for r in opened),
        "sent": sent, "expected": expected, "deliveries": deliveries,
        "lost": max(0, expected - deliveries),
        # Arrived, but more than 5 s after the last send (``drive.drain``).
        "late": sum(r.get("late", 0) for r in drained),
        "duplicates": sum(r["duplicates"] for r in drained),
        "bytes_per_delivery": (
            sum(r["delivery_bytes"] for r in drained) / deliveries if deliveries else None
        ),
        "refused": sum(r["refused"] for r in drained),
        "closed": sum(r["closed"] for r in drained),
        # Redraws of the list (a gap too big to fill): what they skip counts as lost.
        "resets": sum(r.get("resets", 0) for r in drained),
        "p50_ms": percentile(latencies, 0.50), "p90_ms": percentile(latencies, 0.90),
        "p95_ms": percentile(latencies, 0.95), "p99_ms": percentile(latencies, 0.99),
        "max_ms": percentile(latencies, 1.0),
        "deliveries_per_s": deliveries / window if deliveries else 0.0,
        "server_cpu_pct": 100 * server_cpu / wall,
        "cpu_ms_per_1000": 1000 * 1000 * server_cpu / deliveries if deliveries else None,
        "server_peak_rss_mb": sum(
            v for k, v in watch.peak_rss.items() if k.startswith("server")) / 2**20,
        "redis_cpu_pct": 100 * used("redis") / wall if "redis" in cpu0 else None,
        "generator_cpu_pct": 100 * used("generator") / wall,
    }


def is_clean(result: dict[str, Any]) -> bool:
    return (result["lost"] == 0 and result["duplicates"] == 0 and result["refused"] == 0
            and result["p99_ms"] <= 500)


def alternating(items: list[T], runs: int, measure: Callable[[T], dict[str, Any]],
                line: Callable[[int, T, dict[str, Any]], str],
                name: Callable[[T], str] = str) -> dict[str, Any]:
    """Each of ``items`` (servers) measured ``runs`` times, the order rotated from run to
    run against drift; every run and the medians, by ``name``."""
    per: dict[str, list[dict[str, Any]]] = {name(item): [] for item in items}
    for i in range(runs):
        k = i % len(items)
        for item in items[k:] + items[:k]:
            result = measure(item)
            per[name(item)].append(result)
            print(line(i + 1, item, result), flush=True)
    return {"runs": per, "median": {n: median_of(rs) for n, rs in per.items()}}


def step_up(rates: list[float], measure: Callable[[float], dict[str, Any]],
            line: Callable[[float, dict[str, Any]], str]) -> dict[str, Any]:
    """The rate stepped up while every step is clean: each step, and the last clean one."""
    steps: list[dict[str, Any]] = []
    best = None
    for rate in rates:
        result = measure(rate)
        result["clean"] = is_clean(result)
        steps.append(result)
        print(line(rate, result), flush=True)
        if not result["clean"]:
            break
        best = result
    return {"steps": steps, "best": best}


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in runs[0].items():
        values = [r[key] for r in runs if isinstance(r.get(key), int | float)]
        if isinstance(value, int | float) and not isinstance(value, bool) and values:
            out[key] = statistics.median(values)
        else:
            out[key] = value
    return out
