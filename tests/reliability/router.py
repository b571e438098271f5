"""A stand-in for Heroku's router: a TCP proxy that cuts idle connections.

Heroku's router closes a websocket when no byte has crossed it, in either direction,
for 55 seconds. This proxy does the same after ``idle_timeout`` seconds, so a test can
check at a small scale that the server's pings keep an idle connection open.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

HOST = "127.0.0.1"


class IdleCuttingProxy:
    def __init__(self, *, target_port: int, idle_timeout: float) -> None:
        self.target_port = target_port
        self.idle_timeout = idle_timeout
        self.port: int | None = None
        self.cuts: list[float] = []  # when each connection was cut (monotonic)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self._closing = False

    async def __aenter__(self) -> IdleCuttingProxy:
        self._server = await asyncio.start_server(self._handle, HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        self._closing = True  # each connection's loop ends within 0.1 s
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def ws_url(self, slug: str) -> str:
        return f"ws://{HOST}:{self.port}/ws/rooms/{slug}/"

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        server_r, server_w = await asyncio.open_connection(HOST, self.target_port)
        last_byte = time.monotonic()

        async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal last_byte
            while data := await reader.read(65536):
                last_byte = time.monotonic()
                writer.write(data)
                await writer.drain()
            writer.close()

        pumps = [
            asyncio.create_task(pump(client_r, server_w)),
            asyncio.create_task(pump(server_r, client_w)),
        ]
        try:
            while not self._closing and not all(p.done() for p in pumps):
                await asyncio.sleep(0.1)
                if time.monotonic() - last_byte > self.idle_timeout:
                    self.cuts.append(time.monotonic())
                    break
        finally:
            for p in pumps:
                p.cancel()
            for writer in (client_w, server_w):
                # abort(): a reset, no websocket close frame, as when a router drops it.
                writer.transport.abort()
            with contextlib.suppress(BaseException):
                await asyncio.gather(*pumps, return_exceptions=True)
            self._tasks.discard(task)
