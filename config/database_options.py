"""DATABASES: SQLite by default, DATABASE_URL (Heroku Postgres) when set.

Under ASGI persistent connections leak across threads, so CONN_MAX_AGE is 0.
https://docs.djangoproject.com/en/5.2/ref/databases/#persistent-connections
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int


def databases_for(*, debug: bool, base_dir: Path) -> dict[str, Any]:
    databases = {
        "default": dj_database_url.config(
            default=f"sqlite:///{base_dir / 'db.sqlite3'}",
            conn_max_age=0,
            conn_health_checks=True,
        )
    }
    # A PostgreSQL connection pool (psycopg-pool): with CONN_MAX_AGE at 0, every database hop
    # of a consumer would otherwise open a new connection (half the cost of a message, and
    # most of a websocket handshake, in docs/performance.md). On in production; DJANGO_DB_POOL
    # overrides. Heroku's smallest Postgres allows 20 connections: size the pool per dyno.
    # https://docs.djangoproject.com/en/5.2/ref/databases/#connection-pool
    if databases["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "DJANGO_DB_POOL", not debug
    ):
        databases["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": env_int("DJANGO_DB_POOL_SIZE", 8),
            "timeout": 10,
        }
        # Every process may fill its pool: processes × size, plus the release phase and a
        # `heroku run` shell, must fit the plan's limit (essential-0: 20). Known only if told.
        limit = env_int("DJANGO_DB_CONNECTION_LIMIT", 0)
        processes = env_int("DJANGO_DB_PROCESSES", 1)  # web dynos + worker dynos
        reserved = 2
        pool_size = databases["default"]["OPTIONS"]["pool"]["max_size"]
        needed = processes * pool_size + reserved
        if limit and needed > limit:
            raise ImproperlyConfigured(
                f"{processes} processes x DJANGO_DB_POOL_SIZE={pool_size} + "
                f"{reserved} reserved = {needed} database connections, over "
                f"DJANGO_DB_CONNECTION_LIMIT={limit}: set DJANGO_DB_POOL_SIZE to "
                f"{max(1, (limit - reserved) // processes)} or less."
            )
    if databases["default"]["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers and the single writer thread work side by side; IMMEDIATE takes
        # the write lock at BEGIN, so concurrent writers queue instead of failing.
        databases["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
        databases["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # Tests: a file (not :memory:) so live Daphne servers share it, named per test run so
    # two runs on one machine never share a database.
    test_run = os.environ.get("CHAT_TEST_RUN_ID", str(os.getpid()))
    databases["default"]["TEST"] = {
        "NAME": (
            str(Path(tempfile.gettempdir()) / f"chatrooms-test-{test_run}.sqlite3")
            if databases["default"]["ENGINE"] == "django.db.backends.sqlite3"
            else f"test_chatrooms_{test_run}"
        )
    }
    return databases
