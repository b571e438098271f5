"""The load benchmark counts what it claims to count, against the real baseline server."""

from __future__ import annotations

import pytest

from bench import drive
from bench.servers import Redis, procfile_daphne_options

pytestmark = pytest.mark.slow


@pytest.fixture
def private_redis():
    # The bench flushes its Redis before every measurement: never the shared one.
    redis = Redis()
    yield redis
    redis.stop()


def test_every_message_sent_is_counted_once_at_every_client(private_redis) -> None:
    setup = drive.Setup(redis=private_redis, env={"REDIS_URL": private_redis.url}, cookies=[])
    result = drive.load(setup, "baseline", label="test", clients=12, senders=3, rate=2,
                        duration=1.5, users=0, settle=0.5)
    assert result["connected"] == 12
    assert result["sent"] == 9
    assert result["expected"] == 9 * 12
    assert result["deliveries"] == 9 * 12
    assert result["lost"] == 0
    assert result["duplicates"] == 0
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
    assert result["server_peak_rss_mb"] > 0


def test_servers_run_with_the_procfiles_daphne_options() -> None:
    options = procfile_daphne_options()
    assert "--websocket-max-message-size" in options
    assert "--bind" not in options and "--port" not in options
    assert not any(option.endswith(":application") for option in options)
