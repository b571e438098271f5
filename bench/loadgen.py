"""The load generator: many websocket clients in one asyncio process.

It runs in its own process (``python -m bench.loadgen``), apart from the server, and is
driven by the runner over JSON lines: the first stdin line is the spec, every later
line a command, and each command gets one JSON line back on stdout.

Commands:
- ``open``   ``{"count": N}``: open N more clients (concurrently, bounded);
- ``send``   ``{"senders": [i...], "rate": R, "duration": D, "t0": ns, "offsets": [...]}``:
  the i-th connected clients send R messages/s each for D seconds, from monotonic time t0
  (each offset by a fraction of the interval, so senders do not fire together);
- ``drain``  ``{"expected_per_client": N, "quiet": s, "max_wait": s}``: wait until every
  client has seen N distinct messages of this run, or nothing arrives for ``quiet`` s;
  reply with deliveries, duplicates and every latency;
- ``status``: how many clients are still open;
- ``arm``: from now on a client whose socket closes with a code htmx retries reconnects
  as htmx's ws extension does (``bench.backoff``), and resyncs from its last seq;
- ``reconnected`` ``{"since": ns, "max_wait": s}``: wait until every client is open
  again; reply with each one's reconnect time after ``since`` and every attempt's outcome;
- ``close``: close every client and exit.

Every message body carries a nonce ``bz<run>_<sender>_<k>_<t>z`` where ``t`` is the
send time on the monotonic clock (shared by every process of the machine), so any
generator process can time an arrival, and arrivals are matched by text alone:
the nonce is found in our HTML fragments and in the baseline's JSON alike. Frames
without a nonce (presence lists, cursor and composer updates) are not deliveries.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.backoff import RETRIED_CLOSE_CODES, attempt_outcome, full_jitter_delay

ERROR_RE = re.compile(rb'id="composer-error"[^>]*>([^<]+)<')
RESET_MARK = b'id="messages" hx-swap-oob="innerHTML"'
# The page's cursor: the newest room seq it has (ours only; sent back as "sync").
SEQ_RE = re.compile(rb'id="cursor"[^>]*value="(\d+)"')


@dataclass
class Client:
    index: int
    ws: ClientConnection
    seen: set[tuple[int, int]] = field(default_factory=set)
    duplicates: int = 0
    refused: int = 0
    resets: int = 0
    frames: int = 0
    close_code: int | None = None
    task: asyncio.Task | None = None
    delivery_bytes: int = 0  # bytes of the frames that carried a new message
    reconnected_at: int = 0  # monotonic ns of the last successful reconnect
    last_seq: int = 0  # newest room seq seen (ours only), sent as sync on reconnect


@dataclass
class Spec:
    url: str
    origin: str
    cookies: list[str]
    first_index: int  # global index of this process's first client
    run: int  # run tag in every nonce
    connect_concurrency: int = 20
    connect_retries: int = 0
    open_timeout: float = 60.0
    # Rooms of this many clients, when ``url`` holds ``{room}`` (bench-r0000, ...).
    room_size: int = 0
    # The JSON key of the message text: "body" (ours), "message" (the tutorial as written).
    body_key: str = "body"

    def url_for(self, index: int) -> str:
        if "{room}" in self.url:
            return self.url.format(room=f"{index // max(1, self.room_size):04d}")
        return self.url


class Generator:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.clients: list[Client] = []
        self.nonce = re.compile(rb"bz%d_(\d+)_(\d+)_(\d+)z" % spec.run)
        self.latencies: list[int] = []  # ns
        self.unique = 0
        self.last_arrival = 0
        self.sent = 0
        self.retries = 0
        self.armed = False
        self.attempts: dict[str, int] = {}

    # ------------------------------------------------------------------ clients
    async def _open_one(self, index: int, gate: asyncio.Semaphore) -> Client | str:
        error = ""
        for attempt in range(1 + self.spec.connect_retries):
            if attempt:
                self.retries += 1
                await asyncio.sleep(full_jitter_delay(attempt - 1))  # as htmx reconnects
            async with gate:
                try:
                    ws = await self._connect(index)
                    break
                except Exception as exc:  # every failure is a result
                    error = f"{type(exc).__name__}: {exc}"[:200]
                    outcome = attempt_outcome(exc)
                    self.attempts[outcome] = self.attempts.get(outcome, 0) + 1
        else:
            return error
        client = Client(index=index, ws=ws)
        client.task = asyncio.create_task(self._read(client))
        return client

    async def _connect(self, index: int) -> ClientConnection:
        cookie = self.spec.cookies[index % len(self.spec.cookies)] if self.spec.cookies else ""
        return await connect(
            self.spec.url_for(index),
            origin=self.spec.origin,  # type: ignore[arg-type]
            additional_headers={"Cookie": cookie} if cookie else {},
            compression=None,
            ping_interval=None,  # browsers never ping; the server does
            open_timeout=self.spec.open_timeout,
            close_timeout=2,
            max_size=2**23,
            proxy=None,
            user_agent_header="chatrooms-bench",
        )

    async def _reconnect(self, client: Client) -> None:
        """Reconnect as htmx's ws extension does: full-jitter backoff, every failed
        handshake retried (a browser reports each as close code 1006)."""
        retry = 0
        while True:
            await asyncio.sleep(full_jitter_delay(retry))
            retry += 1
            try:
                ws = await self._connect(client.index)
            except Exception as exc:
                outcome = attempt_outcome(exc)
                self.attempts[outcome] = self.attempts.get(outcome, 0) + 1
                continue
            self.attempts["accepted"] = self.attempts.get("accepted", 0) + 1
            client.ws, client.close_code = ws, None
            client.reconnected_at = time.monotonic_ns()
            if client.last_seq:
                # What the page does when its socket opens: ask for what it missed.
                await ws.send(json.dumps({"action": "sync", "after": client.last_seq}))
            return

    async def open(self, count: int) -> dict[str, Any]:
        gate = asyncio.Semaphore(self.spec.connect_concurrency)
        start = len(self.clients)
        base = self.spec.first_index + start
        started = time.monotonic()
        results = await asyncio.gather(
            *(self._open_one(base + i, gate) for i in range(count))
        )
        errors = [r for r in results if isinstance(r, str)]
        self.clients.extend(r for r in results if isinstance(r, Client))
        return {
            "ok": count - len(errors), "failed": len(errors), "open": self.open_count(),
            "retries": self.retries, "attempts": dict(self.attempts),
            "errors": sorted(set(errors))[:5], "seconds": time.monotonic() - started,
        }

    def open_count(self) -> int:
        return sum(1 for c in self.clients if c.close_code is None)

    async def _read(self, client: Client) -> None:
        while True:
            await self._read_until_closed(client)
            if not (self.armed and client.close_code in RETRIED_CLOSE_CODES):
                return
            await self._reconnect(client)

    async def _read_until_closed(self, client: Client) -> None:
        nonce = self.nonce
        try:
            while True:
                frame = await client.ws.recv(decode=False)
                now = time.monotonic_ns()
                if isinstance(frame, str):
                    frame = frame.encode()
                client.frames += 1
                seq = SEQ_RE.search(frame)
                if seq:
                    client.last_seq = max(client.last_seq, int(seq[1]))
                if RESET_MARK in frame:
                    # A redraw of the whole list is not a second copy of anything.
                    client.resets += 1
                    for m in nonce.finditer(frame):
                        client.seen.add((int(m[1]), int(m[2])))
                    continue
                new = False
                for m in nonce.finditer(frame):
                    key = (int(m[1]), int(m[2]))
                    if key in client.seen:
                        client.duplicates += 1
                        continue
                    new = True
                    client.seen.add(key)
                    self.unique += 1
                    self.latencies.append(now - int(m[3]))
                    self.last_arrival = now
                if new:
                    client.delivery_bytes += len(frame)
                if b"composer-error" in frame:
                    error = ERROR_RE.search(frame)
                    if error and error[1].strip():
                        client.refused += 1
        except ConnectionClosed as exc:
            client.close_code = exc.rcvd.code if exc.rcvd else 1006
        except Exception:
            client.close_code = -1

    # ------------------------------------------------------------------ sending
    async def _send_from(self, client: Client, sender: int, rate: float, duration: float,
                         t0: int, offset: float) -> int:
        count = max(1, round(rate * duration))
        interval = 1e9 / rate
        sent = 0
        for k in range(count):
            target = t0 + int((offset + k) * interval)
            delay = (target - time.monotonic_ns()) / 1e9
            if delay > 0:
                await asyncio.sleep(delay)
            if client.close_code is not None:
                break
            stamp = time.monotonic_ns()
            body = f"bz{self.spec.run}_{sender}_{k}_{stamp}z load test message {k} from {sender}"
            try:
                frame = (json.dumps({"action": "send", "body": body})
                         if self.spec.body_key == "body" else json.dumps({"message": body}))
                await client.ws.send(frame)
            except ConnectionClosed:
                break
            sent += 1
        return sent

    async def send(self, senders: list[int], rate: float, duration: float, t0: int,
                   offsets: list[float]) -> dict[str, Any]:
        # Senders are positions among this process's connected clients.
        chosen = [self.clients[s] for s in senders if s < len(self.clients)]
        counts = await asyncio.gather(*(
            self._send_from(client, client.index, rate, duration, t0, off)
            for client, off in zip(chosen, offsets, strict=False)
        ))
        self.sent += sum(counts)
        return {"sent": sum(counts)}

    async def drain(self, expected_per_client: float, quiet: float, max_wait: float
                    ) -> dict[str, Any]:
        expected = expected_per_client * len(self.clients)
        started = time.monotonic()
        last_count, last_change = self.unique, time.monotonic()
        while self.unique < expected:
            await asyncio.sleep(0.05)
            now = time.monotonic()
            if self.unique != last_count:
                last_count, last_change = self.unique, now
            if now - last_change > quiet or now - started > max_wait:
                break
        latencies = self.latencies
        self.latencies = []
        return {
            "clients": len(self.clients),
            "expected": expected,
            "deliveries": len(latencies),
            "duplicates": sum(c.duplicates for c in self.clients),
            "delivery_bytes": sum(c.delivery_bytes for c in self.clients),
            "refused": sum(c.refused for c in self.clients),
            "resets": sum(c.resets for c in self.clients),
            "closed": sum(1 for c in self.clients if c.close_code is not None),
            "close_codes": sorted({c.close_code for c in self.clients if c.close_code}),
            "last_arrival": self.last_arrival,
            "latencies_us": [lat // 1000 for lat in latencies],
        }

    async def reconnected(self, since: int, max_wait: float) -> dict[str, Any]:
        started = time.monotonic()
        while time.monotonic() - started < max_wait:
            if all(c.close_code is None and c.reconnected_at for c in self.clients):
                break
            await asyncio.sleep(0.1)
        done = [c for c in self.clients if c.close_code is None and c.reconnected_at]
        return {
            "clients": len(self.clients), "reconnected": len(done),
            "after_ms": sorted((c.reconnected_at - since) / 1e6 for c in done),
            "attempts": self.attempts,
        }

    async def close(self) -> dict[str, Any]:
        await asyncio.gather(*(c.ws.close() for c in self.clients), return_exceptions=True)
        for c in self.clients:
            if c.task is not None:
                c.task.cancel()
        return {"closed": len(self.clients)}


async def serve(kind: type[Generator] = Generator) -> None:
    loop = asyncio.get_running_loop()

    async def readline() -> str:
        return await loop.run_in_executor(None, sys.stdin.readline)

    def reply(payload: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(payload) + "\n")
        sys.stdout.flush()

    spec = Spec(**json.loads(await readline()))
    gen = kind(spec)
    reply({"ready": True})
    while True:
        line = await readline()
        if not line:
            await gen.close()
            return
        command = json.loads(line)
        name = command.pop("cmd")
        if name == "open":
            reply(await gen.open(**command))
        elif name == "send":
            reply(await gen.send(**command))
        elif name == "drain":
            reply(await gen.drain(**command))
        elif name == "arm":
            gen.armed = True
            reply({"armed": len(gen.clients)})
        elif name == "reconnected":
            reply(await gen.reconnected(**command))
        elif name == "status":
            reply({"open": gen.open_count(), "clients": len(gen.clients)})
        elif name == "close":
            reply(await gen.close())
            return
        else:
            reply({"error": f"unknown command {name}"})


def main() -> None:
    asyncio.run(serve())


if __name__ == "__main__":
    main()
