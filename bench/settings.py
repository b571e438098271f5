"""Settings for benchmarking our server: the app's own settings, run as in production.

Only what a load test from one machine needs differs:
- ``DEBUG`` is off (no query log, no debug pages), as on Heroku;
- allauth's per-address login limits are off, because every benchmark user logs in
  from 127.0.0.1;
- static files are served from the finders, so no ``collectstatic`` is needed.

Redis, the database, the channel layer kind and the per-user message rate limit come
from the environment exactly as in production (``REDIS_URL``, ``DATABASE_URL``,
``CHANNEL_LAYER``, ``CHAT_RATE_LIMIT``).

PostgreSQL goes through Django's connection pool, as in production; ``BENCH_DB_POOL=0``
(the ``ours-nopool`` variant) measures the server without it.
"""

from __future__ import annotations

import os

from config.settings import *  # noqa: F403
from config.settings import DATABASES, STORAGES

DEBUG = False
ACCOUNT_RATE_LIMITS = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False

# Production runs PostgreSQL through a connection pool (config/settings.py switches it on
# when DEBUG is off); DEBUG is only turned off here, after that decision, so mirror it.
# BENCH_DB_POOL=0 measures the server without it.
if os.environ.get("BENCH_DB_POOL", "1") != "0" and DATABASES["default"]["ENGINE"].endswith(
    "postgresql"
):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": 10}
