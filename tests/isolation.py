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
