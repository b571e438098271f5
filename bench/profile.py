"""Summarise a py-spy ``--format raw`` profile: the frames that take the most samples.

    python -m bench.profile bench/results/profiles/b-ours.txt [--top 40]

With ``--threads`` profiles (``BENCH_PY_SPY_ARGS="--idle --threads"``) each thread is
summarised on its own, so the event loop and the database thread can be told apart.
Shares are inclusive: a frame counts every sample it is on the stack of.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path


def summarise(path: Path, top: int) -> str:
    totals: Counter[str] = Counter()
    frames: dict[str, Counter[str]] = defaultdict(Counter)
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        stack, count = line.rsplit(" ", 1)
        parts = stack.split(";")
        thread = parts[0].split(":")[-1].strip() if parts[0].startswith("thread") else "all"
        if thread != "all":
            parts = parts[1:]
        totals[thread] += int(count)
        for frame in set(parts):
            frames[thread][frame] += int(count)
    out = []
    for thread, total in totals.most_common():
        out.append(f"== {thread}: {total} samples")
        for frame, count in frames[thread].most_common(top):
            out.append(f"{100 * count / total:5.1f}%  {frame}")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    print(summarise(args.profile, args.top))


if __name__ == "__main__":
    main()
