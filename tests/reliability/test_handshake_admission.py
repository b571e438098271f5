"""A crowd of handshakes at once (every tab after a restart): none is dropped by Daphne's
connect timeout after the app did its work; a few wait their turn, the ones refused at
once get in on retry.

The clients reconnect as htmx's ws extension does (full-jitter backoff, every failed
handshake retried: the browser reports each as close code 1006).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection, connect

from bench.backoff import attempt_outcome, full_jitter_delay

pytestmark = [pytest.mark.redis, pytest.mark.slow]

# More handshakes at once than the process finishes within Daphne's 5 s connect
# timeout (without admission, a good share of these is dropped after the app's work).
CROWD = 60
LIMIT = 3
QUEUE = 6  # waiting their turn; the rest of the crowd is refused at once
REFUSED = "HTTP 403"  # a close before accept, under Daphne


async def connect_like_htmx(url: str, origin: str, session: str, outcomes: Counter[str],
                            *, deadline: float) -> ClientConnection:
    retry = 0
    loop = asyncio.get_running_loop()
    while True:
        try:
            ws = await connect(
                url, origin=origin, additional_headers={"Cookie": f"sessionid={session}"},
                ping_interval=None, open_timeout=30, proxy=None,
            )
        except Exception as exc:
            outcomes[attempt_outcome(exc)] += 1
            if loop.time() > deadline:
                raise
            await asyncio.sleep(full_jitter_delay(retry))
            retry += 1
            continue
        outcomes["accepted"] += 1
        return ws


async def test_a_crowd_of_handshakes_is_admitted_a_few_at_a_time_and_nobody_is_dropped(
    make_cluster,
) -> None:
    names = ("alice", "bob", "carol", "dave")
    # The connection pool, as in production: handshakes cost what they cost there.
    cluster = make_cluster(
        *names, CHAT_HANDSHAKE_LIMIT=str(LIMIT), CHAT_HANDSHAKE_QUEUE=str(QUEUE), DJANGO_DB_POOL="1"
    )
    server = cluster.daphne("a")
    outcomes: Counter[str] = Counter()
    deadline = asyncio.get_running_loop().time() + 150  # a bound on a hung run, not a target
    sockets = await asyncio.gather(*(
        connect_like_htmx(
            server.ws_url(cluster.slug), server.origin,
            cluster.users[names[i % len(names)]]["session"], outcomes, deadline=deadline,
        )
        for i in range(CROWD)
    ))
    try:
        # Every one got in; the crowd was refused at the door, and nothing else failed:
        # no handshake outlived Daphne's timeout ("no valid HTTP response").
        assert outcomes["accepted"] == CROWD
        assert outcomes[REFUSED] > 0
        assert set(outcomes) == {"accepted", REFUSED}, outcomes
        log = Path(server.log).read_text()
        assert "took too long to shut down" not in log
        assert "refused" in log and "CHAT_HANDSHAKE_LIMIT" in log  # operators see it

        # And each is a live member of the room: one message reaches all of them.
        await sockets[0].send(json.dumps({"action": "send", "body": "hello, crowd"}))

        async def receives(ws: ClientConnection) -> None:
            async with asyncio.timeout(30):
                while "hello, crowd" not in await ws.recv():
                    pass

        await asyncio.gather(*(receives(ws) for ws in sockets))
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
