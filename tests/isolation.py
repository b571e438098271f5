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
