"""Real Chromium against a live Daphne server.

Our own module-scoped Playwright fixture, not pytest-playwright's: its session-wide
event loop breaks the pytest-asyncio tests that run after it. Debian's ``chromium``
is required; without it these tests fail, they never skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.test import override_settings
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.browser.pages import CHROMIUM_ARGS, DESKTOP, PHONE, TIMEOUT_MS, log_in, online
from tests.live import LiveServer, daphne_server, live_server_url  # noqa: F401
from users.models import User

expect.set_options(timeout=TIMEOUT_MS)


@contextmanager
def _allow_sync_orm_in_tests() -> Iterator[None]:
    """Sync Playwright keeps an event loop marked as running in this thread, so Django
    would refuse the tests' ORM calls; the server process keeps the guard."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """PBKDF2 costs about a second per user (create + log in); these tests are about
    the chat, not the hash. Autouse, so it is in force before the server forks."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="module")
def browser(daphne_server: LiveServer) -> Iterator[Browser]:  # noqa: F811
    # Depends on the live server so Daphne is forked before Playwright starts.
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed (apt-get install chromium).")
    with _allow_sync_orm_in_tests(), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_context(
    browser: Browser,
    live_server_url: str,  # noqa: F811
) -> Iterator[Callable[..., BrowserContext]]:
    """Fresh browser contexts (separate cookie jars: separate people), closed after the
    test and before its tables are flushed (so no page is still talking to the server)."""
    contexts: list[BrowserContext] = []

    def make(*, viewport: dict[str, int] = DESKTOP) -> BrowserContext:
        context = browser.new_context(viewport=viewport, is_mobile=viewport == PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def open_room(
    new_context: Callable[..., BrowserContext],
    live_server_url: str,  # noqa: F811
) -> Callable[..., Page]:
    """A signed-in page showing a room, with its websocket open.

    The server answers every socket open with the presence list, which then names
    the viewer: until then the page is not live yet.
    """

    def open_(user: User, slug: str, *, viewport: dict[str, int] = DESKTOP) -> Page:
        page = new_context(viewport=viewport).new_page()
        log_in(page, live_server_url, user.username)
        page.goto(f"{live_server_url}/rooms/{slug}/")
        expect(online(page)).to_contain_text(user.username)
        return page

    return open_
