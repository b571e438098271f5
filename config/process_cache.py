"""One cache object per process, for the paths every socket takes.

``django.core.cache.cache`` is a different object in every asyncio context (Django keeps
cache connections context-local), and under Channels every websocket consumer is its
own context: each socket that touched the cache built its own RedisCache, its own
connection pool and its own Redis connection, and kept them open as long as it lived.
Measured: 300 open sockets held 310 Redis connections, and each handshake paid a new
TCP connection to Redis. This object is shared by the whole process (redis-py's pool
is thread-safe, as is LocMemCache), and made again when the ``CACHES`` setting changes
(tests switch it).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.cache import BaseCache, caches

_shared: tuple[str, BaseCache] | None = None


def process_cache() -> BaseCache:
    global _shared
    config = json.dumps(settings.CACHES["default"], sort_keys=True, default=str)
    if _shared is None or _shared[0] != config:
        _shared = (config, caches.create_connection("default"))
    return _shared[1]
