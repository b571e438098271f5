"""Per-user message rate limit, shared by every process through Django's cache.

A sliding window approximated from two fixed windows: the previous window's count
is weighted by how much of it still overlaps the last WINDOW seconds. A burst of
up to RATE messages is fine; a sustained flood is refused.
"""

from __future__ import annotations

import time

from django.conf import settings

from config.process_cache import process_cache


class RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after

    @property
    def text(self) -> str:
        """What the sender is told, on every path (page, fragment, socket)."""
        return f"You are sending messages too quickly. Try again in {round(self.retry_after)} s."


def hit(*, key: str, rate: int | None = None, window: int | None = None) -> None:
    """Count one action for ``key``; raise RateLimited when over the rate."""
    rate = settings.CHAT_RATE_LIMIT if rate is None else rate
    window = settings.CHAT_RATE_WINDOW if window is None else window
    now = time.time()
    index = int(now // window)
    elapsed = (now % window) / window
    current_key = f"rl:{key}:{index}"
    previous_key = f"rl:{key}:{index - 1}"
    cache = process_cache()
    cache.add(current_key, 0, timeout=window * 2)
    previous = cache.get(previous_key, 0)
    current = cache.incr(current_key)
    estimated = previous * (1 - elapsed) + current
    if estimated > rate:
        # Undo the count so a refused message does not extend the penalty.
        cache.decr(current_key)
        retry_after = max(1.0, window * (1 - elapsed))
        raise RateLimited(retry_after)
