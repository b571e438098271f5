"""Real Chromium tabs on a room page, watched from the outside (DOM and sockets)."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import pytest
from playwright.async_api import Browser, BrowserContext, Page, WebSocket, async_playwright

from tests.browser.pages import CHROMIUM_ARGS

T = TypeVar("T")


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed (apt-get install chromium).")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def eventually(probe: Callable[[], Awaitable[T]], check: Callable[[T], bool], *,
                     timeout: float, what: str, interval: float = 0.1) -> T:
    """Poll ``probe`` until ``check`` passes; fail with the last value seen."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if check(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still {value!r} after {timeout} s")
        await asyncio.sleep(interval)


async def session_context(browser: Browser, *, base_url: str, session: str) -> BrowserContext:
    """A browser profile logged in with an existing session (like a returning user)."""
    context = await browser.new_context(base_url=base_url)
    await context.add_cookies([{"name": "sessionid", "value": session, "url": base_url}])
    return context


class Tab:
    """A room page. Records the websockets the page opens and the frames they carry."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.sockets: list[WebSocket] = []
        self.received: dict[WebSocket, int] = {}
        self.opened_at: list[float] = []
        page.on("websocket", self._on_socket)

    def _on_socket(self, ws: WebSocket) -> None:
        self.sockets.append(ws)
        self.received[ws] = 0
        self.opened_at.append(time.monotonic())

        def count(_payload: object) -> None:
            if self.received[ws] == 0:
                self.served_at = time.monotonic()
            self.received[ws] += 1

        ws.on("framereceived", count)

    @classmethod
    async def open(cls, context: BrowserContext, path: str) -> Tab:
        page = await context.new_page()
        tab = cls(page)
        response = await page.goto(path)
        assert response is not None and response.ok, f"GET {path}: {response and response.status}"
        # The page's own mark: gone if anything reloads it.
        await page.evaluate("window.__sameDocument = true")
        await tab.wait_served()
        return tab

    def live_socket(self) -> WebSocket | None:
        """The newest socket if it is open and the server has answered on it."""
        if not self.sockets:
            return None
        ws = self.sockets[-1]
        return ws if not ws.is_closed() and self.received[ws] > 0 else None

    async def wait_served(self, *, timeout: float = 15, after: int = 0) -> float:
        """Wait for an open socket (the ``after``-th or later) that the server answered.

        Returns when its first frame arrived (monotonic)."""
        async def probe() -> tuple[int, bool]:
            return len(self.sockets), self.live_socket() is not None

        await eventually(
            probe, lambda v: v[0] > after and v[1], timeout=timeout,
            what="the tab's websocket (count, live)",
        )
        return self.served_at

    async def articles(self) -> list[tuple[str, str]]:
        """(id, visible text) of every message in the log, in page order."""
        return await self.page.locator("#messages article").evaluate_all(
            "els => els.map(e => [e.id, e.innerText.replace(/\\s+/g, ' ').trim()])"
        )

    async def online(self) -> list[str]:
        return [
            " ".join(text.split())
            for text in await self.page.locator('ul[aria-label="Online"] li').all_inner_texts()
        ]

    async def same_document(self) -> bool:
        return bool(await self.page.evaluate("window.__sameDocument === true"))

    async def close(self) -> None:
        await self.page.close()
