"""The load benchmark counts what it claims to count, against the real baseline server,
and starts the servers it claims to start."""

from __future__ import annotations

import pytest

from bench import commands, drive, manyrooms
from bench.commands import procfile_daphne_options
from bench.servers import Redis

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


def test_many_rooms_count_each_clients_own_room_only(private_redis) -> None:
    setup = drive.Setup(redis=private_redis, env={"REDIS_URL": private_redis.url}, cookies=[])
    result = manyrooms.measure(setup, "baseline", rooms=3, rate=2, duration=1.5, settle=0.5)
    assert result["connected"] == 3 * manyrooms.ROOM_SIZE
    assert result["sent"] == 3 * 3  # one sender a room
    # Every message reaches the 5 clients of its room and no one else.
    assert result["expected"] == result["deliveries"] == 9 * manyrooms.ROOM_SIZE
    assert result["lost"] == result["duplicates"] == result["late"] == 0
    assert result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"]


def test_two_processes_deliver_across_each_other(private_redis) -> None:
    setup = drive.Setup(redis=private_redis, env={"REDIS_URL": private_redis.url}, cookies=[])
    result = drive.load(setup, "baseline", label="test", clients=8, senders=2, rate=2,
                        duration=1.0, users=0, settle=0.5, processes=2, generators=2)
    # One sender on each process; each message reaches all 8, on both processes.
    assert result["processes"] == 2
    assert result["deliveries"] == result["expected"] == result["sent"] * 8 == 4 * 8
    assert result["lost"] == 0


def test_clients_are_split_evenly_across_the_processes() -> None:
    # (first client, clients, server) of each generator process
    assert drive.assignments(200, generators=1, processes=2) == [(0, 100, 0), (100, 100, 1)]
    assert drive.assignments(200, generators=2, processes=1) == [(0, 100, 0), (100, 100, 0)]
    assert drive.assignments(201, generators=3, processes=2) == [
        (0, 51, 0), (51, 50, 1), (101, 50, 0), (151, 50, 1)]


def test_rooms_are_never_split_between_generator_processes() -> None:
    plan = drive.assignments(1000 * 5, generators=3, room_size=5)
    assert [count for _first, count, _server in plan] == [1670, 1665, 1665]
    assert all(first % 5 == 0 for first, _count, _server in plan)


def test_uvicorn_gets_the_procfiles_websocket_limits_and_pings() -> None:
    command = commands.server_command("ours-uvicorn:CHAT_HANDSHAKE_LIMIT=8", 8123,
                                      "config.asgi:application")
    assert command[0].endswith("uvicorn") and command[-1] == "config.asgi:application"

    def value(args: list[str], name: str) -> str:
        return args[args.index(name) + 1]

    daphne = commands.procfile_daphne_options()
    assert value(command, "--ws-max-size") == value(daphne, "--websocket-max-message-size")
    assert value(command, "--ws-ping-interval") == value(daphne, "--ping-interval")
    assert value(command, "--ws-ping-timeout") == value(daphne, "--ping-timeout")
    assert value(command, "--ws-per-message-deflate") == "false"
    assert value(command, "--port") == "8123"
    # Every other variant runs the Procfile's Daphne (through its uvloop launcher).
    assert commands.server_command("ours", 8123, "x:y")[1:3] == ["-m", "config.serve"]
    with pytest.raises(ValueError, match="--new-option"):
        commands.uvicorn_options([*daphne, "--new-option", "1"])
