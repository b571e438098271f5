"""Connection options shared by every Redis client of the app (layer, cache, presence)."""

from __future__ import annotations

from urllib.parse import urlsplit


def redis_connection_options(url: str) -> dict[str, object]:
    """Keyword arguments for redis-py's ``from_url``.

    redis-py 8 defaults to a 5 s socket timeout, which kills a channel layer's idle
    blocking read; keepalives and health checks find dead connections instead.
    Heroku Redis (``rediss://``) presents a self-signed certificate.
    """
    options: dict[str, object] = {
        "socket_timeout": None,
        "socket_connect_timeout": 5,
        "socket_keepalive": True,
        "health_check_interval": 30,
    }
    if urlsplit(url).scheme == "rediss":
        options["ssl_cert_reqs"] = None
    return options
