"""``python -m bench``: run the standard scenarios against our server and the baseline.

Scenarios (docs/performance.md explains each):
  a  100 clients, 5 senders x 2/s        (1,000 deliveries/s)
  b  200 clients, 10 senders x 2/s       (4,000 deliveries/s)
  m  b with all 200 clients members of the room and 20 with the rooms list open
  c  200 clients, 10 senders, rate stepped up until p99 > 500 ms or anything is lost
  d  idle capacity: connections up to 5,000 on one process; memory each; CPU at rest
  e  room page and "load older" with 100,000 messages of history
  f  reconnect storm: 2,000 clients in rooms of 50, the process killed and restarted
  g  handshakes under concurrency: 2,000 handshakes, 500 in flight at once
  s  search: 1,000,000 messages in 1,000 rooms, a reader of 50 (bench/search.py)
  r  many rooms: 1,000 rooms of 5 clients, 1 message/s each (bench/manyrooms.py)
  x  scale-out: scenario b on two processes against one (bench/scaleout.py)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench import accounts, capacity, dbsetup, drive, manyrooms, report, scaleout, search, storm
from bench.environment import (
    DEFAULT_DATABASE,
    create_postgres_database,
    database_url,
    django_script,
    machine,
    versions,
)
from bench.figures import is_clean, median_of
from bench.servers import RESULTS, Redis, Server, raise_open_files_limit

RATE_LIMIT = "100000"  # per user per window: senders must never be refused


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", default="abcdefgsrx",
                        help="which scenarios to run, e.g. 'b' or 'abe' (default: abcdefgsrx)")
    parser.add_argument("--quick", action="store_true",
                        help="one short run of each (a smoke test, numbers not comparable)")
    parser.add_argument("--runs", type=int, help="runs per scenario a/b (default 3; quick 1)")
    parser.add_argument("--duration", type=float, help="seconds of sending per run (default 10)")
    parser.add_argument("--variants", default="ours,ours-core,baseline",
                        help="servers for a and b (ours = RedisPubSubChannelLayer, "
                             "ours-core = RedisChannelLayer, ours-nopool = ours without "
                             "the PostgreSQL connection pool, ours-uvicorn = ours served by "
                             "Uvicorn, baseline = tutorial echo)")
    parser.add_argument("--ramp-variants", default="ours,baseline",
                        help="servers for c and d (default: ours,baseline)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help=f"database for our server (default {DEFAULT_DATABASE}; "
                             "'sqlite' for a file in bench/results/)")
    parser.add_argument("--redis-url", help="use this Redis instead of starting a private one "
                        "(it is FLUSHED before every measurement)")
    parser.add_argument("--workers", type=int, default=1,
                        help="load generator processes (default 1)")
    parser.add_argument("--capacity", type=int, default=5000, help="scenario d target")
    parser.add_argument("--history", type=int, default=100_000, help="scenario e messages")
    parser.add_argument("--shapes", default="even,bursty",
                        help="load shapes for a and b: even (senders evenly spaced), bursty "
                             "(random offsets), or both (default)")
    parser.add_argument("--storm-clients", type=int, default=2000, help="scenario f clients")
    parser.add_argument("--storm-variants", default="ours,baseline",
                        help="servers for f (ours-unbounded: no handshake admission)")
    parser.add_argument("--relogin", action="store_true", help="ignore cached sessions")
    parser.add_argument("--profile", action="store_true",
                        help="record py-spy profiles (needs py-spy in the venv) during a/b")
    manyrooms.add_arguments(parser)
    scaleout.add_arguments(parser)
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------- scenarios
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


def run_ramp(setup: drive.Setup, variants: list[str], rates: list[float], duration: float
             ) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for variant in variants:
        steps = []
        best = None
        for rate in rates:
            result = drive.load(setup, variant, label="c", clients=200, senders=10, rate=rate,
                                duration=duration, users=200)
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


# ---------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    quick = args.quick
    runs = args.runs or (1 if quick else 3)
    duration = args.duration or (6.0 if quick else 10.0)
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    ramp_variants = [v.strip() for v in args.ramp_variants.split(",") if v.strip()]
    scenarios = set(args.scenarios)

    if args.profile and not (Path(sys.executable).parent / "py-spy").exists():
        raise SystemExit("--profile needs py-spy in the venv: .venv/bin/pip install py-spy")
    nofile = raise_open_files_limit()
    db_url = database_url(args.database_url)
    if db_url.startswith("postgres"):
        create_postgres_database(db_url)
    started = time.time()
    info = {"machine": machine(), "versions": versions(), "argv": sys.argv[1:],
            "database": db_url.split("@")[-1], "open_files_limit": nofile,
            "quick": quick, "runs": runs, "duration": duration}
    print(f"bench: {info['machine']}, database {info['database']}", flush=True)

    redis = Redis(args.redis_url)
    env = {"REDIS_URL": redis.url, "DATABASE_URL": db_url, "CHAT_RATE_LIMIT": RATE_LIMIT}
    results: dict[str, Any] = {"info": info}
    try:
        users = 200
        rooms = max(storm.rooms_for(args.storm_clients) if {"f", "g"} & scenarios else 0,
                    manyrooms.rooms(args) if "r" in scenarios else 0)
        info["setup"] = django_script(
            "bench.dbsetup", ["--users", str(users), "--rooms", str(rooms)], env
        )
        login_server = Server("ours", env, log_name="login").start()
        try:
            t = time.monotonic()
            cache = RESULTS / f"sessions-{hashlib.sha256(db_url.encode()).hexdigest()[:12]}.json"
            cookies, logins = accounts.sessions(
                login_server.base_url, [dbsetup.username(i) for i in range(users)],
                dbsetup.PASSWORD, cache, relogin=args.relogin,
            )
            info["logins"] = {"through_form": logins, "seconds": round(time.monotonic() - t, 1)}
        finally:
            login_server.stop()
        print(f"bench: {users} users ready ({logins} logged in through the form)", flush=True)
        profile_dir = RESULTS / "profiles" if args.profile else None
        setup = drive.Setup(redis=redis, env=env, cookies=cookies, workers=args.workers,
                            profile_dir=profile_dir)

        shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
        for name, clients, senders in (("a", 100, 5), ("b", 200, 10)):
            if name not in scenarios:
                continue
            for shape in shapes:
                # "b" is evenly spaced senders (as before), "b~bursty" random offsets.
                key = name if shape == "even" else f"{name}~{shape}"
                results[key] = run_load_scenario(setup, key, variants, runs, duration,
                                                 clients=clients, senders=senders, rate=2,
                                                 shape=shape)
        if "m" in scenarios:
            # Scenario b with read state, unread counts and mentions at work: all 200
            # clients are members of the room, 20 of them also have the rooms list open.
            django_script("bench.dbsetup", ["--users", str(users), "--members", "200"], env)
            try:
                results["b-members"] = run_load_scenario(
                    setup, "b-members", variants, runs, duration, clients=200, senders=10,
                    rate=2, inboxes=20,
                )
            finally:
                django_script("bench.dbsetup", ["--users", str(users), "--members", "0"], env)
        setup.profile_dir = None
        if "c" in scenarios:
            # Messages/s from 10 senders to 200 clients: x200 deliveries/s.
            levels = [5, 10, 20] if quick else [5, 10, 15, 20, 30, 40, 50, 60, 80, 100]
            rates = [level / 10 for level in levels]
            results["c"] = run_ramp(setup, ramp_variants, rates, 5.0 if quick else 8.0)
        if "d" in scenarios:
            target = min(args.capacity, 1000) if quick else args.capacity
            results["d"] = run_capacity(setup, ramp_variants, target, 10.0 if quick else 20.0)
        storm_variants = [v.strip() for v in args.storm_variants.split(",") if v.strip()]
        if "f" in scenarios:
            results["f"] = run_storm(setup, storm_variants, args.storm_clients, runs,
                                     max_wait=30.0 if quick else 90.0)
        if "g" in scenarios:
            results["g"] = run_crowd(setup, storm_variants, args.storm_clients, 500, runs)
        if "e" in scenarios:
            results["e"] = run_history(setup, min(args.history, 10_000) if quick else args.history,
                                       repeat=10 if quick else 30)
        if "r" in scenarios:
            results.update(manyrooms.run(setup, args, runs, duration, shapes))
        if "x" in scenarios:
            results.update(scaleout.run(setup, args, runs, duration, shapes))
        if "s" in scenarios:
            results["s"] = search.run(db_url, quick)
    finally:
        redis.stop()
    info["seconds"] = round(time.time() - started)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{stamp}.json").write_text(json.dumps(results, indent=1, default=str))
    markdown = report.markdown(results)
    (RESULTS / f"{stamp}.md").write_text(markdown)
    (RESULTS / "latest.md").write_text(markdown)
    print(markdown)
    print(f"bench: results in bench/results/{stamp}.json and .md ({info['seconds']} s)")
