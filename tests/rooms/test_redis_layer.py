"""On real Redis, a consumer that sits idle longer than redis-py's 5 s default socket
timeout must still deliver (the trap: idle channel-layer reads dying with TimeoutError)."""

from __future__ import annotations

import asyncio

import pytest

from config.redis_options import caches_for, channel_layers_for
from rooms.models import Message
from tests.conftest import connect, receive_until, redis_url_or_fail, send_json

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


@pytest.fixture(params=["pubsub", "core"])
def redis_layer(request, settings) -> str:
    url = redis_url_or_fail()
    settings.REDIS_URL = url
    settings.CHANNEL_LAYERS = channel_layers_for(url, kind=request.param)
    settings.CACHES = caches_for(url)
    return request.param


async def test_idle_longer_than_five_seconds_still_delivers(redis_layer, alice, bob, lobby) -> None:
    async with connect(alice) as ws_a, connect(bob) as ws_b:
        await receive_until(ws_a, ">bob<")  # presence settled
        await asyncio.sleep(7)  # idle: nothing is sent either way
        await send_json(ws_a, body="still there?")
        frame = await receive_until(ws_b, "still there?", timeout=10)
        assert ">alice<" in frame
    assert await Message.objects.filter(body="still there?").aexists()
