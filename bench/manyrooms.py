"""Scenario r, many rooms: 1,000 rooms of 5 clients, one sender in each at 1 message/s.

5,000 clients on one process, each room's first client sending (so 1,000 messages/s
and 5,000 deliveries/s in all), the senders evenly spaced over each second or at
random offsets (``--shapes``). Each client counts only its own room's messages
(``bench.roomgen``); lost is what had not arrived when nothing more arrived for 5 s,
and ``late`` what arrived, but more than 5 s after the last send (``drive.drain``).
The baseline groups by the room in its URL, so it runs the same load.
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

from bench import report
from bench.dbsetup import room_slug
from bench.drive import Setup, call_all, drain, running, watched
from bench.figures import alternating, figures
from bench.servers import Watch

ROOM_SIZE = 5
SLUG = room_slug(0)[:-4] + "{room}"  # bench-r0000, bench-r0001, ...
QUICK_ROOMS = 200


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rooms", type=int, default=1000,
                        help="scenario r: rooms of 5 clients, 1 message/s in each "
                             f"(default 1000; quick {QUICK_ROOMS})")
    parser.add_argument("--rooms-rate", type=float, default=1.0,
                        help="scenario r: messages/s per room (default 1)")
    parser.add_argument("--rooms-variants", default="ours,baseline",
                        help="servers for r (default: ours,baseline)")


def rooms(args: argparse.Namespace) -> int:
    return min(args.rooms, QUICK_ROOMS) if args.quick else args.rooms


def measure(setup: Setup, variant: str, *, rooms: int, rate: float, duration: float,
            shape: str = "even", label: str = "r", settle: float = 3.0) -> dict[str, Any]:
    """``rooms`` rooms of ``ROOM_SIZE`` clients; each room's first client sends ``rate``
    messages/s for ``duration`` s."""
    clients = rooms * ROOM_SIZE
    with running(setup, variant, label, clients, len(setup.cookies), retries=10,
                 slug=SLUG, room_size=ROOM_SIZE, module="bench.roomgen") as (servers, workers):
        with Watch(watched(servers, workers, setup.redis)) as watch:
            opened = call_all(workers, [{"cmd": "open", "count": w.clients} for w in workers])
            time.sleep(settle)  # presence pushes of the joins die down
            commands = []
            first = 0
            for worker in workers:  # rooms are never split between generators
                senders = list(range(first, first + worker.clients, ROOM_SIZE))
                offsets = [(i // ROOM_SIZE) / rooms if shape == "even" else random.random()
                           for i in senders]
                commands.append({"cmd": "send", "senders": senders, "rate": rate,
                                 "duration": duration, "offsets": offsets})
                first += worker.clients
            cpu0 = watch.cpu()
            t0 = time.monotonic_ns() + 200_000_000
            sent = sum(r["sent"] for r in call_all(workers, [{**c, "t0": t0} for c in commands]))
            drained = drain(workers, [0] * len(workers), duration)  # each knows its rooms
            end_ns = time.monotonic_ns()
            cpu1 = watch.cpu()
    expected = sum(r["expected"] for r in drained)
    return {
        "variant": variant, "shape": shape, "rooms": rooms, "room_size": ROOM_SIZE,
        "clients": clients, "senders": rooms, "rate": rate, "duration": duration,
        **figures(opened, drained, sent, expected, t0, end_ns, cpu0, cpu1, watch),
    }


def run(setup: Setup, args: argparse.Namespace, runs: int, duration: float,
        shapes: list[str]) -> dict[str, Any]:
    """Every variant, every shape, ``runs`` times (the order of servers rotated)."""
    variants = [v.strip() for v in args.rooms_variants.split(",") if v.strip()]
    out: dict[str, Any] = {}
    for shape in shapes:
        key = "r" if shape == "even" else f"r~{shape}"
        out[key] = _one_shape(setup, args, variants, runs, duration, shape, key)
    return out


def _one_shape(setup: Setup, args: argparse.Namespace, variants: list[str], runs: int,
               duration: float, shape: str, key: str) -> dict[str, Any]:
    return alternating(
        variants, runs,
        lambda variant: measure(setup, variant, rooms=rooms(args), rate=args.rooms_rate,
                                duration=duration, shape=shape),
        lambda run, _variant, result: (
            report.one_line(key, run, result) + f", late {result['late']}"),
    )


def markdown(results: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for key in sorted(k for k in results if k == "r" or k.startswith("r~")):
        first = next(iter(results[key]["median"].values()))
        shape = "evenly spaced" if key == "r" else f"{key[2:]} (random offsets)"
        runs = len(next(iter(results[key]["runs"].values())))
        out += [f"## (r) {first['rooms']:.0f} rooms of {first['room_size']:.0f} clients, "
                f"{first['rate']:g} message/s each, {shape} — medians of {runs} runs", "",
                report.load_table(results[key]["median"]), "",
                "lost per run: " + report.runs_line(results[key]["runs"], "lost"), "",
                "arrived over 5 s after the last send, per run: "
                + report.runs_line(results[key]["runs"], "late"), ""]
    return out
