"""A test run never touches data it does not own (``tests/isolation.py``).

Someone else's keys sit in the same Redis database as the run: a developer's ``make run``
(the app's default prefix) and another test run beside this one. A whole second test run,
in a child process with its own prefix, exercises the cache, the channel layer and
presence on that Redis and cleans up after itself; their keys must still be there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

from tests.conftest import redis_url_or_fail

pytestmark = [pytest.mark.redis, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
# Tests that write to Redis through every client the app has.
CHILD_TESTS = [
    "tests/rooms/test_consumers.py::test_presence_lists_who_is_here[redis]",
    "tests/rooms/test_services.py::test_rate_limit_refuses_a_flood",
]


def test_keys_written_by_someone_else_survive_a_test_run() -> None:
    client = redis.Redis.from_url(redis_url_or_fail())
    tag = uuid.uuid4().hex
    canaries = {
        f"chatrooms:canary-{tag}": b"the developer's running app",  # the default prefix
        f"chatrooms-test-other{tag}:canary": b"another test run",
        f"canary-{tag}": b"another app entirely",
    }
    for key, value in canaries.items():
        client.set(key, value, ex=600)
    try:
        env = {
            k: v for k, v in os.environ.items()
            if k not in {"CHAT_TEST_RUN_ID", "CHAT_REDIS_PREFIX"}  # the child picks its own
        }
        child = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *CHILD_TESTS],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )
        assert child.returncode == 0, child.stdout[-3000:] + child.stderr[-3000:]
        assert " passed" in child.stdout
        for key, value in canaries.items():
            assert client.get(key) == value, f"{key} was deleted by a test run"
    finally:
        client.delete(*canaries)
        client.close()
