"""Loaded with ``-p tests.isolation`` before Django reads its settings: this test run's
own Redis key prefix and test database name, unless the caller chose them.

Two runs on one machine (or a run beside a developer's ``make run``) share Redis and
PostgreSQL; with these they never read or delete each other's data.
"""

from __future__ import annotations

import os
import uuid

_RUN = os.environ.setdefault("CHAT_TEST_RUN_ID", f"{os.getpid()}{uuid.uuid4().hex[:6]}")
os.environ.setdefault("CHAT_REDIS_PREFIX", f"chatrooms-test-{_RUN}")

# Under pytest-xdist each worker is a test run of its own: its own test database (which
# pytest-django suffixes with the worker id) and its own key prefix, so one worker's
# clean-up never deletes another's keys.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _WORKER and not os.environ["CHAT_REDIS_PREFIX"].endswith(f"-{_WORKER}"):
    os.environ["CHAT_REDIS_PREFIX"] = f"{os.environ['CHAT_REDIS_PREFIX']}-{_WORKER}"


def pytest_sessionfinish(session: object) -> None:
    """Drop this run's test database if pytest-django could not.

    A Daphne child or a pool that outlived its test can still hold a connection when
    pytest-django drops the database; it then only warns ("being accessed by other
    users") and the database stays behind. Whatever is still connected is ours.
    """
    from django.conf import settings

    if not settings.configured:
        return
    database = settings.DATABASES["default"]
    name = str(database.get("TEST", {}).get("NAME") or "")
    if "chatrooms" not in name:  # only ever a name this run chose (tests/isolation.py)
        return
    if database["ENGINE"] == "django.db.backends.sqlite3":
        from pathlib import Path

        if not Path(name).exists():
            for leftover in (Path(f"{name}-wal"), Path(f"{name}-shm")):
                leftover.unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    admin = {
        "dbname": "postgres",
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
    }
    try:
        with psycopg.connect(**{k: v for k, v in admin.items() if v}, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    except psycopg.Error as exc:
        print(f"\ntests: could not drop the test database {name}: {exc}")
