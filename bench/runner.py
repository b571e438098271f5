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
  o  overload: b at --overload-rate (default 8/s per sender: 16,000 deliveries/s)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench import accounts, dbsetup, drive, manyrooms, report, scaleout, search, storm
from bench.environment import (
    DEFAULT_DATABASE,
    create_postgres_database,
    database_url,
    django_script,
    machine,
    versions,
)
from bench.scenarios import (
    run_capacity,
    run_crowd,
    run_history,
    run_load_scenario,
    run_ramp,
    run_storm,
)
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
    parser.add_argument("--ramp-members", action="store_true",
                        help="c with every feature at work, as m: the 200 clients members "
                             "of the room, 20 with the rooms list open")
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
    parser.add_argument("--overload-rate", type=float, default=8.0,
                        help="scenario o: messages/s per sender (default 8: 16,000 "
                             "deliveries/s, twice the highest clean rate measured for ours)")
    parser.add_argument("--storm-clients", type=int, default=2000, help="scenario f clients")
    parser.add_argument("--storm-variants", default="ours,baseline",
                        help="servers for f (ours-unbounded: no handshake admission)")
    parser.add_argument("--relogin", action="store_true", help="ignore cached sessions")
    parser.add_argument("--profile", action="store_true",
                        help="record py-spy profiles (needs py-spy in the venv) during a/b")
    manyrooms.add_arguments(parser)
    scaleout.add_arguments(parser)
    return parser.parse_args(argv)


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
        if "o" in scenarios:
            # Overload: scenario b's shape at --overload-rate, both shapes. "lost" and
            # "late" count what had not arrived 5 s after the last send.
            for shape in shapes:
                key = "o" if shape == "even" else f"o~{shape}"
                results[key] = run_load_scenario(
                    setup, key, variants, runs, duration, clients=200, senders=10,
                    rate=args.overload_rate, shape=shape,
                )
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
            if not args.ramp_members:
                results["c"] = run_ramp(setup, ramp_variants, rates, 5.0 if quick else 8.0)
            else:  # every feature at work, as in m: members, read state, rooms lists
                django_script("bench.dbsetup", ["--users", str(users), "--members", "200"], env)
                try:
                    results["c"] = run_ramp(setup, ramp_variants, rates, 5.0 if quick else 8.0,
                                            inboxes=20)
                finally:
                    django_script("bench.dbsetup", ["--users", str(users), "--members", "0"],
                                  env)
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
