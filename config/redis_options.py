"""Connection options shared by every Redis client of the app (layer, cache, presence)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import redis.exceptions


def redis_prefix() -> str:
    """Every key and pub/sub channel of this deployment starts with this
    (``CHAT_REDIS_PREFIX``), so test runs and other apps sharing one Redis never meet.
    Pub/sub channels are not scoped by database number: a prefix is the only fence."""
    return os.environ.get("CHAT_REDIS_PREFIX", "").strip() or "chatrooms"


def redis_connection_options(url: str) -> dict[str, object]:
    """Keyword arguments for redis-py's ``from_url``.

    redis-py 8 defaults to a 5 s socket timeout, which kills a channel layer's idle
    blocking read; keepalives and health checks find dead connections instead.
    Heroku Redis closes connections idle for 300 s, and a pool built by ``from_url``
    does not retry by default: the first publish (or rate-limit count) after a quiet
    spell would fail. One retry on a fresh connection covers that.
    Heroku Redis (``rediss://``) presents a self-signed certificate.
    """
    options: dict[str, object] = {
        "socket_timeout": None,
        "socket_connect_timeout": 5,
        "socket_keepalive": True,
        "health_check_interval": 30,
        "retry_on_error": [redis.exceptions.ConnectionError],
    }
    if urlsplit(url).scheme == "rediss":
        options["ssl_cert_reqs"] = None
    return options


def channel_layers_for(
    url: str, *, kind: str = "pubsub", max_connections: int = 1000
) -> dict[str, dict[str, object]]:
    """CHANNEL_LAYERS for a Redis URL, or the in-memory layer when there is none.

    ``pubsub`` publishes each group message once per process subscribed to the room
    (RedisPubSubChannelLayer); ``core`` queues one copy per member (RedisChannelLayer).
    """
    if not url:
        return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    backend = {
        "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "core": "channels_redis.core.RedisChannelLayer",
    }[kind]
    host = {"address": url, "max_connections": max_connections, **redis_connection_options(url)}
    config = {"hosts": [host], "prefix": f"{redis_prefix()}:layer"}
    return {"default": {"BACKEND": backend, "CONFIG": config}}


def caches_for(url: str) -> dict[str, dict[str, object]]:
    """CACHES: Redis (shared by every process: rate limits) or this process's memory."""
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": redis_prefix(),
            "OPTIONS": redis_connection_options(url),
        }
    }
