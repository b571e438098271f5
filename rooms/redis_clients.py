"""The app's own Redis clients (presence, the room's newest seq), one pool per URL.

The channel layer and the cache build their own; these are for the stores in
``rooms.presence`` and ``rooms.room_seq``. Blocking pools wait for a free connection
instead of raising when hundreds of sockets connect at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import redis
import redis.asyncio as aredis
from django.conf import settings

from config.redis_options import redis_connection_options
from rooms.per_loop import PerLoop

# An asyncio client belongs to the loop it was made on (tests run several loops).
_async: PerLoop[dict[str, aredis.Redis]] = PerLoop(dict)
_sync: dict[str, redis.Redis] = {}


def async_client(url: str) -> aredis.Redis:
    clients = _async.get()
    client = clients.get(url)
    if client is None:
        pool = aredis.BlockingConnectionPool.from_url(
            url, max_connections=50, timeout=20, **redis_connection_options(url)
        )
        client = clients[url] = aredis.Redis(connection_pool=pool)
    return client


def sync_client(url: str) -> redis.Redis:
    client = _sync.get(url)
    if client is None:
        pool = redis.BlockingConnectionPool.from_url(
            url, max_connections=20, timeout=20, **redis_connection_options(url)
        )
        client = _sync[url] = redis.Redis(connection_pool=pool)
    return client


T = TypeVar("T")
_stores: dict[str, tuple[str, Any]] = {}


def store_for_settings(
    name: str, redis_store: Callable[[str], T], memory_store: Callable[[], T]
) -> T:
    """Store ``name`` for the current ``REDIS_URL``: Redis, or this process's memory when
    there is none. Made again when the URL changes (tests switch it)."""
    url = settings.REDIS_URL
    current = _stores.get(name)
    if current is None or current[0] != url:
        current = _stores[name] = (url, redis_store(url) if url else memory_store())
    return current[1]
