"""Settings of the baseline: no database, no templates, no auth, no sessions.

The channel layer is channels-redis' ``RedisChannelLayer``, as in the Channels
tutorial, with the two host options redis-py 8 needs to work at all under load
(no 5 s socket timeout on the layer's blocking read; a connection pool large enough
for hundreds of sockets joining at once). Our server gets the same two options.
"""

from __future__ import annotations

import os

SECRET_KEY = "baseline-benchmark-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["channels"]
DATABASES: dict[str, dict[str, str]] = {}
ASGI_APPLICATION = "bench.baseline.asgi.application"
USE_TZ = True

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": os.environ.get(
            "BASELINE_CHANNEL_LAYER", "channels_redis.core.RedisChannelLayer"
        ),
        "CONFIG": {
            "hosts": [
                {
                    "address": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                    "socket_timeout": None,
                    "max_connections": 1000,
                }
            ]
        },
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
