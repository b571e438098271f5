"""The database thread hands pushes to the event loop: each room's go out in the order
handed over (the order of their commits), however long each takes; none is lost."""

from __future__ import annotations

import asyncio
import random
import threading

from rooms import publisher


async def test_each_rooms_pushes_go_out_in_the_order_handed_over() -> None:
    publisher.attach()
    sent: dict[int, list[int]] = {1: [], 2: [], 3: []}
    handed = 0

    def push(room_id: int, n: int):
        async def send() -> None:
            await asyncio.sleep(random.random() / 1000)  # a slow round trip, now and then
            sent[room_id].append(n)

        return send

    def database_thread() -> None:
        nonlocal handed
        for n in range(300):
            room_id = 1 + n % 3
            assert publisher.hand_off(room_id, push(room_id, n))
            handed += 1

    thread = threading.Thread(target=database_thread)
    thread.start()
    while thread.is_alive():
        await asyncio.sleep(0.01)
    for _ in range(200):
        if sum(map(len, sent.values())) == handed:
            break
        await asyncio.sleep(0.01)
    assert handed == 300
    for room_id, ns in sent.items():
        assert ns == sorted(ns) and len(ns) == 100, room_id


async def test_a_failing_push_does_not_stop_the_next() -> None:
    publisher.attach()
    sent: list[str] = []

    async def fails() -> None:
        raise ConnectionError("Redis went away")

    async def works() -> None:
        sent.append("next")

    def database_thread() -> None:
        assert publisher.hand_off(7, fails)
        assert publisher.hand_off(7, works)

    await asyncio.to_thread(database_thread)
    for _ in range(100):
        if sent:
            break
        await asyncio.sleep(0.01)
    assert sent == ["next"]


def test_without_a_running_loop_the_caller_sends_it_itself() -> None:
    async def never() -> None:
        raise AssertionError("not to be run")

    assert publisher.hand_off(1, never) is False
    assert publisher.run_soon(never) is False
