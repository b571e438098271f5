"""The runs behind ``python -m bench``'s standard scenarios (bench/runner.py): each
variant in turn, alternating order between runs (``figures.alternating``), medians over
the runs; ramps step the rate up while clean (``figures.step_up``)."""

from __future__ import annotations

import itertools
import statistics
import time
from typing import Any

from bench import accounts, capacity, drive, report, storm
from bench.environment import django_script
from bench.figures import alternating, step_up
from bench.servers import Server


def run_load_scenario(setup: drive.Setup, name: str, variants: list[str], runs: int,
                      duration: float, clients: int, senders: int, rate: float,
                      shape: str = "even", inboxes: int = 0) -> dict[str, Any]:
    # Each run draws its bursts once: every server of that run meets the same clusters of
    # sends (the run's number is the seed), so the runs differ and the servers do not.
    measured = itertools.count()
    return alternating(
        variants, runs,
        lambda variant: drive.load(setup, variant, label=name, clients=clients,
                                   senders=senders, rate=rate, duration=duration,
                                   users=clients, shape=shape, inboxes=inboxes,
                                   seed=next(measured) // len(variants)),
        lambda run, _variant, result: report.one_line(name, run, result),
    )


def run_ramp(setup: drive.Setup, variants: list[str], rates: list[float], duration: float,
             inboxes: int = 0) -> dict[str, Any]:
    return {variant: _ramp_one(setup, variant, rates, duration, inboxes)
            for variant in variants}


def _ramp_one(setup: drive.Setup, variant: str, rates: list[float], duration: float,
              inboxes: int) -> dict[str, Any]:
    return step_up(
        rates,
        lambda rate: drive.load(setup, variant, label="c", clients=200, senders=10,
                                rate=rate, duration=duration, users=200, inboxes=inboxes),
        lambda rate, result: report.one_line(f"c@{rate:g}/s", 1, result),
    )


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
    return alternating(
        variants, runs,
        lambda variant: storm.storm(setup, variant, clients=clients, max_wait=max_wait),
        lambda run, _variant, result: report.storm_line(run, result),
    )


def run_crowd(setup: drive.Setup, variants: list[str], clients: int, in_flight: int,
              runs: int) -> dict[str, Any]:
    return alternating(
        variants, runs,
        lambda variant: storm.crowd(setup, variant, clients=clients, in_flight=in_flight),
        lambda run, variant, r: (
            f"g run {run} {variant:>9}: {r['opened']}/{clients} open, {r['failed']} failed, "
            f"{r['handshakes_per_s']:.0f}/s, {r['server_cpu_ms_per_handshake']:.1f} ms CPU "
            f"each, attempts {r['attempts']}"
        ),
    )


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
