"""The runs behind ``python -m bench``'s standard scenarios (bench/runner.py): each
variant in turn, alternating order between runs, medians over the runs."""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench import accounts, capacity, drive, report, storm
from bench.environment import django_script
from bench.figures import is_clean, median_of
from bench.servers import Server


def rotate(items: list[str], by: int) -> list[str]:
    by %= len(items)
    return items[by:] + items[:by]


def run_load_scenario(setup: drive.Setup, name: str, variants: list[str], runs: int,
                      duration: float, clients: int, senders: int, rate: float,
                      shape: str = "even", inboxes: int = 0) -> dict[str, Any]:
    per_variant: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
    for i in range(runs):
        for variant in rotate(variants, i):  # alternate order against drift
            result = drive.load(setup, variant, label=name, clients=clients, senders=senders,
                                rate=rate, duration=duration, users=clients, shape=shape,
                                inboxes=inboxes)
            per_variant[variant].append(result)
            print(report.one_line(name, i + 1, result), flush=True)
    return {
        "runs": per_variant,
        "median": {v: median_of(rs) for v, rs in per_variant.items()},
    }


def run_ramp(setup: drive.Setup, variants: list[str], rates: list[float], duration: float,
             inboxes: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for variant in variants:
        steps = []
        best = None
        for rate in rates:
            result = drive.load(setup, variant, label="c", clients=200, senders=10, rate=rate,
                                duration=duration, users=200, inboxes=inboxes)
            result["clean"] = is_clean(result)
            steps.append(result)
            print(report.one_line(f"c@{rate:g}/s", 1, result), flush=True)
            if not result["clean"]:
                break
            best = result
        out[variant] = {"steps": steps, "best": best}
    return out


def run_capacity(setup: drive.Setup, variants: list[str], target: int, rest: float
                 ) -> dict[str, Any]:
    out = {}
    for variant in variants:
        result = capacity.capacity(setup, variant, label="d", target=target,
                                step=max(500, target // 5), users=len(setup.cookies), rest=rest)
        out[variant] = result
        print(f"d {variant}: {result['opened']} open, {result['failed']} failed, "
              f"{result['kb_per_connection']:.1f} KB/conn, rest CPU {result['rest_cpu_pct']:.1f}%, "
              f"probe {result['probe_deliveries']}/{result['probe_expected']}", flush=True)
    return out


def run_storm(setup: drive.Setup, variants: list[str], clients: int, runs: int,
              max_wait: float) -> dict[str, Any]:
    per_variant: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
    for i in range(runs):
        for variant in rotate(variants, i):
            result = storm.storm(setup, variant, clients=clients, max_wait=max_wait)
            per_variant[variant].append(result)
            print(report.storm_line(i + 1, result), flush=True)
    return {"runs": per_variant, "median": {v: median_of(rs) for v, rs in per_variant.items()}}


def run_crowd(setup: drive.Setup, variants: list[str], clients: int, in_flight: int,
              runs: int) -> dict[str, Any]:
    per_variant: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
    for i in range(runs):
        for variant in rotate(variants, i):
            r = storm.crowd(setup, variant, clients=clients, in_flight=in_flight)
            per_variant[variant].append(r)
            print(f"g run {i + 1} {variant:>9}: {r['opened']}/{clients} open, {r['failed']} "
                  f"failed, {r['handshakes_per_s']:.0f}/s, {r['server_cpu_ms_per_handshake']:.1f}"
                  f" ms CPU each, attempts {r['attempts']}", flush=True)
    return {"runs": per_variant, "median": {v: median_of(rs) for v, rs in per_variant.items()}}


def run_history(setup: drive.Setup, messages: int, repeat: int) -> dict[str, Any]:
    result = django_script("bench.history", ["--messages", str(messages), "--repeat",
                                             str(repeat)], setup.env)
    # The same pages through the live server, as a browser gets them.
    server = Server("ours", setup.env, log_name="e-ours").start()
    try:
        live: dict[str, dict[str, float]] = {}
        for slug, paths in result["paths"].items():
            live[slug] = {}
            for what, path in paths.items():
                accounts.get(server.base_url, path, setup.cookies[0])  # warm
                times = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    status, _body = accounts.get(server.base_url, path, setup.cookies[0])
                    times.append((time.perf_counter() - started) * 1000)
                    if status != 200:
                        raise RuntimeError(f"{path}: HTTP {status}")
                live[slug][what] = statistics.median(times)
        result["live_median_ms"] = live
    finally:
        server.stop()
    print(report.history_lines(result), flush=True)
    return result
