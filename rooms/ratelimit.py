"""Per-user message rate limit, shared by every process through Django's cache.

A sliding window approximated from two fixed windows: the previous window's count
is weighted by how much of it still overlaps the last WINDOW seconds. A burst of
up to RATE messages is fine; a sustained flood is refused.
"""

from __future__ import annotations

import time

from django.conf import settings

from config.process_cache import process_cache
from config.redis_options import redis_prefix
from rooms.redis_clients import sync_client


class RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after

    @property
    def text(self) -> str:
        """What the sender is told, on every path (page, fragment, socket)."""
        return f"You are sending messages too quickly. Try again in {round(self.retry_after)} s."


# KEYS: this window's count, the previous window's. ARGV: the share of the previous
# window still inside the last WINDOW seconds, the rate, the count's expiry in s.
# Returns 1 when counted, 0 when refused (and not counted).
_HIT = """
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * tonumber(ARGV[1]) + current > tonumber(ARGV[2]) then
  redis.call('DECR', KEYS[1])
  return 0
end
return 1
"""


def hit(*, key: str, rate: int | None = None, window: int | None = None) -> None:
    """Count one action for ``key``; raise RateLimited when over the rate. With Redis,
    one round trip (every process shares the count); else this process's cache."""
    rate = settings.CHAT_RATE_LIMIT if rate is None else rate
    window = settings.CHAT_RATE_WINDOW if window is None else window
    now = time.time()
    index = int(now // window)
    elapsed = (now % window) / window
    current_key = f"rl:{key}:{index}"
    previous_key = f"rl:{key}:{index - 1}"
    if settings.REDIS_URL:
        keys = [f"{redis_prefix()}:{current_key}", f"{redis_prefix()}:{previous_key}"]
        counted = sync_client(settings.REDIS_URL).eval(
            _HIT, 2, *keys, repr(1 - elapsed), rate, window * 2
        )
        if not counted:
            raise RateLimited(max(1.0, window * (1 - elapsed)))
        return
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
