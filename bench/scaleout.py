"""Scenario x, scale-out: the load of scenario b on two server processes against one.

Two processes of the same server on two ports, sharing the private Redis and the
database; two generator processes, one connected to each port, so half the clients
(and half the senders) are on each process and most deliveries cross from one process
to the other through Redis. The same load on one process in the same run (the same two
generator processes, both on its port) is the reference: cross-process delivery should
cost at most ``P50_LIMIT`` times the single process's p50. With ``--scaleout-ramp``,
two processes' highest clean rate as well (scenario c's steps and rule).
"""

from __future__ import annotations

import argparse
from typing import Any

from bench import report
from bench.drive import Setup, load
from bench.figures import alternating, step_up

CLIENTS, SENDERS, RATE = 200, 10, 2.0  # scenario b: 4,000 deliveries/s
P50_LIMIT = 1.2
RAMP_RATES = [2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scaleout-variants", default="ours,baseline",
                        help="servers for x, each on one process and on two "
                             "(default: ours,baseline)")
    parser.add_argument("--scaleout-ramp", action="store_true",
                        help="x: also step the rate up on two processes until p99 > 500 ms "
                             "or anything is lost")


def measure(setup: Setup, variant: str, processes: int, *, rate: float, duration: float,
            shape: str, label: str = "x") -> dict[str, Any]:
    # Two generator processes whether one server or two, so only the servers differ.
    return load(setup, variant, label=f"{label}{processes}", clients=CLIENTS,
                senders=SENDERS, rate=rate, duration=duration, users=CLIENTS, shape=shape,
                processes=processes, generators=max(2, setup.workers))


def run(setup: Setup, args: argparse.Namespace, runs: int, duration: float,
        shapes: list[str]) -> dict[str, Any]:
    variants = [v.strip() for v in args.scaleout_variants.split(",") if v.strip()]
    servers = [(v, n) for v in variants for n in (1, 2)]
    out: dict[str, Any] = {}
    for shape in shapes:
        key = "x" if shape == "even" else f"x~{shape}"
        measured = _one_shape(setup, servers, runs, duration, shape, key)
        medians = measured["median"]
        out[key] = {"runs": measured["runs"], "median": medians,
                    "p50_two_over_one": {v: _ratio(medians, v, "p50_ms") for v in variants},
                    "p99_two_over_one": {v: _ratio(medians, v, "p99_ms") for v in variants}}
    if args.scaleout_ramp:
        out["x-ramp"] = {v: ramp(setup, v, duration) for v in variants}
    return out


def _ratio(medians: dict[str, dict[str, Any]], variant: str, key: str) -> float | None:
    one, two = medians[f"{variant} x1"].get(key), medians[f"{variant} x2"].get(key)
    return two / one if one else None


def _one_shape(setup: Setup, servers: list[tuple[str, int]], runs: int, duration: float,
               shape: str, key: str) -> dict[str, Any]:
    return alternating(
        servers, runs,
        lambda server: measure(setup, server[0], server[1], rate=RATE, duration=duration,
                               shape=shape),
        lambda run, server, result: report.one_line(f"{key} x{server[1]}", run, result),
        name=lambda server: f"{server[0]} x{server[1]}",
    )


def ramp(setup: Setup, variant: str, duration: float) -> dict[str, Any]:
    """Two processes, 200 clients, 10 senders, the rate stepped up while clean."""
    return step_up(
        RAMP_RATES,
        lambda rate: measure(setup, variant, 2, rate=rate, duration=duration, shape="even",
                             label="x-ramp"),
        lambda rate, result: report.one_line(f"x-ramp@{rate:g}/s", 1, result),
    )


def markdown(results: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for key in sorted(k for k in results if k == "x" or k.startswith("x~")):
        data = results[key]
        runs = len(next(iter(data["runs"].values())))
        shape = "evenly spaced" if key == "x" else f"{key[2:]} (random offsets)"
        out += [f"## (x) scenario b on one process (x1) and on two (x2), {shape} — "
                f"medians of {runs} runs", "", report.load_table(data["median"]), ""]
        for variant, ratio in data["p50_two_over_one"].items():
            p99 = data["p99_two_over_one"][variant]
            verdict = "–" if ratio is None else ("yes" if ratio <= P50_LIMIT else "no")
            out.append(f"- {variant}: p50 two/one {_fmt(ratio)}, p99 two/one {_fmt(p99)}; "
                       f"within {P50_LIMIT}x: {verdict}")
        out += ["", "lost per run: " + report.runs_line(data["runs"], "lost"), ""]
    if "x-ramp" in results:
        out += ["## (x) ramp on two processes: 200 clients, 10 senders, rate stepped up", "",
                report.ramp_table(results["x-ramp"]), ""]
    return out


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"
