"""Websocket clients that behave like a tab's socket, and readers for the frames they get."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable
from html.parser import HTMLParser

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

WAIT = 15.0


class _OnlineParser(HTMLParser):
    """Text of each ``<li>`` in ``<ul aria-label="Online">``."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self._ul_depth = 0
        self._li: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "ul" and ("aria-label", "Online") in attrs:
            self._ul_depth = 1
        elif tag == "ul" and self._ul_depth:
            self._ul_depth += 1
        elif tag == "li" and self._ul_depth == 1:
            self._li = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul" and self._ul_depth:
            self._ul_depth -= 1
        elif tag == "li" and self._li is not None:
            self.names.append(" ".join("".join(self._li).split()))
            self._li = None

    def handle_data(self, data: str) -> None:
        if self._li is not None:
            self._li.append(data)


def online_names(html: str) -> list[str] | None:
    """The names in a presence fragment, or None if ``html`` has none."""
    if 'id="presence"' not in html:
        return None
    parser = _OnlineParser()
    parser.feed(html)
    return parser.names


_ARTICLE = re.compile(r'<article id="msg-(\d+)".*?</article>', re.DOTALL)


def message_ids(html: str) -> list[int]:
    return [int(m.group(1)) for m in _ARTICLE.finditer(html)]


def message_id_with(html: str, body: str) -> int | None:
    """The id of the message in ``html`` whose text is ``body``."""
    for match in _ARTICLE.finditer(html):
        if f">{body}<" in match.group(0):
            return int(match.group(1))
    return None


class Peer:
    """One websocket to a room, as a user: records every frame and how it closed."""

    def __init__(self, name: str, ws: ClientConnection) -> None:
        self.name = name
        self.ws = ws
        self.frames: list[str] = []
        self.online: list[str] | None = None
        self.online_history: list[tuple[float, list[str]]] = []
        self.close_code: int | None = None
        self.closed_at: float | None = None
        self._changed = asyncio.Condition()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, name: str, *, url: str, origin: str, session: str,
                   ping_interval: float | None = 20) -> Peer:
        ws = await connect(
            url, origin=origin, additional_headers={"Cookie": f"sessionid={session}"},
            ping_interval=ping_interval, open_timeout=10,
        )
        peer = cls(name, ws)
        await peer.wait_for(lambda f: online_names(f) is not None)  # connected and served
        return peer

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                assert isinstance(frame, str)
                names = online_names(frame)
                async with self._changed:
                    self.frames.append(frame)
                    if names is not None:
                        self.online = names
                        self.online_history.append((time.monotonic(), names))
                    self._changed.notify_all()
        except ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            self.closed_at = time.monotonic()
            async with self._changed:
                self._changed.notify_all()

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    async def send(self, **data: object) -> None:
        await self.ws.send(json.dumps(data))

    async def wait_for(self, check: Callable[[str], bool] | str, *, since: int = 0,
                       timeout: float = WAIT) -> str:
        """The first frame from index ``since`` on that contains ``check`` (or passes it)."""
        test = (lambda f: check in f) if isinstance(check, str) else check
        async with self._changed:
            try:
                async with asyncio.timeout(timeout):
                    while True:
                        for frame in self.frames[since:]:
                            if test(frame):
                                return frame
                        if self.is_closed:
                            raise AssertionError(f"{self.name}'s socket closed ({self.close_code})")
                        await self._changed.wait()
            except TimeoutError:
                raise AssertionError(
                    f"{self.name} got no frame matching {check!r} within {timeout} s"
                ) from None

    async def wait_online(self, check: Callable[[list[str]], bool], *,
                          timeout: float = WAIT) -> float:
        """Wait until the latest presence list passes ``check``; returns when (monotonic)."""
        async with self._changed:
            try:
                async with asyncio.timeout(timeout):
                    while self.online is None or not check(self.online):
                        if self.is_closed:
                            raise AssertionError(f"{self.name}'s socket closed")
                        await self._changed.wait()
            except TimeoutError:
                raise AssertionError(
                    f"{self.name}'s Online list is still {self.online} after {timeout} s"
                ) from None
        return self.online_history[-1][0]

    async def wait_closed(self, *, timeout: float = WAIT) -> int | None:
        async with self._changed:
            try:
                async with asyncio.timeout(timeout):
                    while not self.is_closed:
                        await self._changed.wait()
            except TimeoutError:
                raise AssertionError(f"{self.name}'s socket is still open") from None
        return self.close_code

    async def post(self, body: str, *, timeout: float = WAIT) -> int:
        """Send a message and return its id (from the frame every member gets)."""
        since = len(self.frames)
        await self.send(action="send", body=body)
        frame = await self.wait_for(
            lambda f: message_id_with(f, body) is not None, since=since, timeout=timeout
        )
        message_id = message_id_with(frame, body)
        assert message_id is not None
        return message_id

    async def close(self) -> None:
        await self.ws.close()
        await self._reader
