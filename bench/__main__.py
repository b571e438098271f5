"""``python -m bench`` (``make bench``): see ``bench/runner.py`` and docs/performance.md."""

from __future__ import annotations

from bench.runner import main

main()
