"""Markdown tables of bench results: ours, the baseline and the ratio ours/baseline."""

from __future__ import annotations

import math
from typing import Any

LOAD_ROWS = [
    # key, label, format
    ("connected", "connected", "{:.0f}"),
    ("connect_seconds", "seconds to connect them all", "{:.1f}"),
    ("connect_retries", "handshakes retried", "{:.0f}"),
    ("sent", "sent", "{:.0f}"),
    ("expected", "expected deliveries", "{:.0f}"),
    ("deliveries", "deliveries", "{:.0f}"),
    ("lost", "lost", "{:.0f}"),
    ("late", "arrived over 5 s after the last send", "{:.0f}"),
    ("duplicates", "duplicates", "{:.0f}"),
    ("p50_ms", "latency p50 (ms)", "{:.1f}"),
    ("p90_ms", "latency p90 (ms)", "{:.1f}"),
    ("p95_ms", "latency p95 (ms)", "{:.1f}"),
    ("p99_ms", "latency p99 (ms)", "{:.1f}"),
    ("max_ms", "latency max (ms)", "{:.1f}"),
    ("deliveries_per_s", "deliveries/s", "{:.0f}"),
    ("server_cpu_pct", "server CPU (% of one core)", "{:.0f}"),
    ("cpu_ms_per_1000", "server CPU ms per 1,000 deliveries", "{:.0f}"),
    ("server_peak_rss_mb", "server peak RSS (MB)", "{:.1f}"),
    ("bytes_per_delivery", "bytes per delivered message", "{:.0f}"),
    ("redis_cpu_pct", "Redis CPU (%)", "{:.0f}"),
    ("generator_cpu_pct", "load generator CPU (%)", "{:.0f}"),
]


def _fmt(value: Any, pattern: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return pattern.format(value)


def _ratio(ours: Any, base: Any) -> str:
    if not isinstance(ours, int | float) or not isinstance(base, int | float):
        return "–"
    if base == 0:
        return "–" if ours == 0 else "∞"
    return f"{ours / base:.2f}"


def one_line(name: str, run: int, r: dict[str, Any]) -> str:
    return (
        f"{name} run {run} {r['variant']:>9}: {r['connected']} clients, sent {r['sent']}, "
        f"{r['deliveries']}/{r['expected']} delivered, lost {r['lost']}, dup {r['duplicates']}, "
        f"refused {r['refused']}, p50 {r['p50_ms']:.1f} p99 {r['p99_ms']:.1f} max "
        f"{r['max_ms']:.1f} ms, {r['deliveries_per_s']:.0f}/s, CPU {r['server_cpu_pct']:.0f}%, "
        f"RSS {r['server_peak_rss_mb']:.0f} MB, gen CPU {r['generator_cpu_pct']:.0f}%"
    )


def load_table(medians: dict[str, dict[str, Any]]) -> str:
    variants = list(medians)
    ours = [v for v in variants if v != "baseline"]
    head = ["figure", *variants] + [f"{v}/baseline" for v in ours if "baseline" in medians]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, label, pattern in LOAD_ROWS:
        cells = [label] + [_fmt(medians[v].get(key), pattern) for v in variants]
        if "baseline" in medians:
            cells += [_ratio(medians[v].get(key), medians["baseline"].get(key)) for v in ours]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def runs_line(runs: dict[str, list[dict[str, Any]]], key: str) -> str:
    return "; ".join(
        f"{v}: " + ", ".join(_fmt(r[key], "{:.0f}") for r in rs) for v, rs in runs.items()
    )


def ramp_table(ramp: dict[str, Any]) -> str:
    lines = ["| server | msgs/s sent | offered deliveries/s | deliveries/s | lost | p50 ms | "
             "p99 ms | server CPU % | clean |", "|---|---|---|---|---|---|---|---|---|"]
    for variant, data in ramp.items():
        for s in data["steps"]:
            lines.append(
                f"| {variant} | {s['senders'] * s['rate']:.0f} | "
                f"{s['senders'] * s['rate'] * s['connected']:.0f} | "
                f"{s['deliveries_per_s']:.0f} | {s['lost']} | {s['p50_ms']:.1f} | "
                f"{s['p99_ms']:.1f} | {s['server_cpu_pct']:.0f} | "
                f"{'yes' if s['clean'] else 'no'} |"
            )
    best = {v: d["best"] for v, d in ramp.items()}
    lines.append("")
    lines.append("Highest clean rate (offered deliveries/s): " + ", ".join(
        f"{v} {b['senders'] * b['rate'] * b['connected']:.0f}" if b else f"{v} none"
        for v, b in best.items()
    ))
    return "\n".join(lines)


def capacity_table(cap: dict[str, Any]) -> str:
    rows = [
        ("opened", "connections opened", "{:.0f}"),
        ("failed", "failed (after 10 retries)", "{:.0f}"),
        ("retries", "handshakes retried", "{:.0f}"),
        ("still_open_after_rest", "still open after the rest", "{:.0f}"),
        ("rss_idle_mb", "RSS before connections (MB)", "{:.1f}"),
        ("rss_full_mb", "RSS with all connections (MB)", "{:.1f}"),
        ("kb_per_connection", "memory per connection (KB)", "{:.1f}"),
        ("rest_cpu_pct", "server CPU at rest (% of one core)", "{:.1f}"),
        ("rest_redis_cpu_pct", "Redis CPU at rest (%)", "{:.1f}"),
        ("probe_deliveries", "probe message deliveries", "{:.0f}"),
        ("probe_max_ms", "probe: last delivery after (ms)", "{:.0f}"),
    ]
    variants = list(cap)
    ours = [v for v in variants if v != "baseline"]
    head = ["figure", *variants] + [f"{v}/baseline" for v in ours if "baseline" in cap]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, label, pattern in rows:
        cells = [label] + [_fmt(cap[v].get(key), pattern) for v in variants]
        if "baseline" in cap:
            cells += [_ratio(cap[v].get(key), cap["baseline"].get(key)) for v in ours]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for v in variants:
        lines.append(f"{v} steps: " + ", ".join(
            f"{s['open']} open → {s['rss_mb']:.0f} MB ({s['connects_per_s']:.0f} connects/s)"
            for s in cap[v]["steps"]
        ))
    return "\n".join(lines)


def storm_line(run: int, r: dict[str, Any]) -> str:
    return (
        f"f run {run} {r['variant']:>9}: {r['reconnected']}/{r['connected']} back, "
        f"p50 {_fmt(r['p50_s'], '{:.1f}')} s, p90 {_fmt(r['p90_s'], '{:.1f}')} s, "
        f"all {_fmt(r['all_s'], '{:.1f}')} s after listening (down {r['down_seconds']:.1f} s), "
        f"attempts {r['attempts']}, server CPU {r['server_cpu_pct']:.0f}%"
    )


STORM_ROWS = [
    ("connected", "connected before the kill", "{:.0f}"),
    ("down_seconds", "seconds from kill to listening again", "{:.1f}"),
    ("reconnected", "reconnected", "{:.0f}"),
    ("not_reconnected", "not reconnected within the wait", "{:.0f}"),
    ("p50_s", "reconnected p50 (s after listening)", "{:.1f}"),
    ("p90_s", "reconnected p90 (s)", "{:.1f}"),
    ("all_s", "all reconnected (s)", "{:.1f}"),
    ("accepted_per_s", "handshakes accepted per s (to the last)", "{:.0f}"),
    ("attempts_total", "handshake attempts", "{:.0f}"),
    ("server_cpu_pct", "server CPU (% of one core)", "{:.0f}"),
]


def storm_table(storm: dict[str, Any]) -> str:
    medians = storm["median"]
    variants = list(medians)
    ours = [v for v in variants if v != "baseline"]
    head = ["figure", *variants] + [f"{v}/baseline" for v in ours if "baseline" in medians]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, label, pattern in STORM_ROWS:
        cells = [label] + [_fmt(medians[v].get(key), pattern) for v in variants]
        if "baseline" in medians:
            cells += [_ratio(medians[v].get(key), medians["baseline"].get(key)) for v in ours]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for v, rs in storm["runs"].items():
        for i, r in enumerate(rs, 1):
            lines.append(f"- {v} run {i}: all back after {_fmt(r['all_s'], '{:.1f}')} s; "
                         f"attempts {r['attempts']}")
    return "\n".join(lines)


CROWD_ROWS = [
    ("opened", "opened", "{:.0f}"),
    ("failed", "failed (after 10 retries)", "{:.0f}"),
    ("refused", "attempts refused at once (retried)", "{:.0f}"),
    ("dropped", "attempts dropped past the connect timeout", "{:.0f}"),
    ("seconds", "seconds for all", "{:.1f}"),
    ("handshakes_per_s", "handshakes accepted per s", "{:.0f}"),
    ("server_cpu_ms_per_handshake", "server CPU ms per handshake", "{:.1f}"),
]


def crowd_table(crowd: dict[str, Any]) -> str:
    medians = crowd["median"]
    variants = list(medians)
    lines = ["| figure | " + " | ".join(variants) + " |", "|" + "---|" * (len(variants) + 1)]
    for key, label, pattern in CROWD_ROWS:
        lines.append("| " + " | ".join([label] + [_fmt(medians[v].get(key), pattern)
                                                  for v in variants]) + " |")
    return "\n".join(lines)


def history_lines(e: dict[str, Any]) -> str:
    lines = ["| room | messages | request | queries | median ms (in process) | "
             "median ms (through Daphne) |", "|---|---|---|---|---|---|"]
    for slug, pages in e["pages"].items():
        for what in ("room_page", "older_middle", "older_oldest"):
            page = pages[what]
            live = e.get("live_median_ms", {}).get(slug, {}).get(what)
            lines.append(
                f"| {slug} | {pages['messages']} | `{page['path']}` | {page['queries']} | "
                f"{page['median_ms']:.1f} | {_fmt(live, '{:.1f}')} |"
            )
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    info = results["info"]
    out = [f"# Bench results ({'quick' if info['quick'] else 'full'})", ""]
    out.append(f"Machine: {info['machine']}")
    out.append(f"Versions: {info['versions']}")
    out.append(f"Database: {info['database']}; runs per scenario: {info['runs']}; "
               f"seconds of sending per run: {info['duration']}")
    out.append("")
    titles = {"a": "(a) 100 clients, 5 senders x 2/s", "b": "(b) 200 clients, 10 senders x 2/s"}
    for scenario in ("a", "b"):
        titles[f"{scenario}~bursty"] = titles[scenario] + ", bursty (random offsets)"
        titles[scenario] += ", evenly spaced"
    titles["b-members"] = ("(m) scenario b with all 200 clients members of the room and 20 "
                           "with the rooms list open")
    titles["o"] = "(o) overload: scenario b's shape at --overload-rate, evenly spaced"
    titles["o~bursty"] = "(o) overload: scenario b's shape at --overload-rate, bursty"
    for name in titles:
        if name in results:
            out += [f"## {titles[name]} — medians of {info['runs']} runs", "",
                    load_table(results[name]["median"]), "",
                    "p99 per run (ms): " + runs_line(results[name]["runs"], "p99_ms"),
                    "", "lost per run: " + runs_line(results[name]["runs"], "lost"), ""]
    if "c" in results:
        out += ["## (c) ramp: 200 clients, 10 senders, rate stepped up", "",
                ramp_table(results["c"]), ""]
    if "d" in results:
        out += ["## (d) idle capacity", "", capacity_table(results["d"]), ""]
    if "f" in results:
        out += ["## (f) reconnect storm", "", storm_table(results["f"]), ""]
    if "g" in results:
        first = next(iter(results["g"]["median"].values()))
        out += [f"## (g) {first['clients']:.0f} handshakes, {first['in_flight']:.0f} in flight",
                "", crowd_table(results["g"]), ""]
    if "e" in results:
        out += ["## (e) history", "", history_lines(results["e"]), "",
                "Plan of the 'older' query:", "", "```", results["e"]["older_plan"], "```", ""]
    from bench import manyrooms, scaleout

    out += manyrooms.markdown(results) + scaleout.markdown(results)
    if "s" in results:
        from bench.search import markdown as search_markdown

        out += ["## (s) search", "", search_markdown(results["s"]), ""]
    return "\n".join(out)
