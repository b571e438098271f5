"""axe-core (the npm package, installed with the stylesheet's tools in theme/static_src)
over every page, desktop and phone: no violations allowed."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from playwright.sync_api import Browser, expect

from rooms import services
from tests.axe import AXE
from tests.browser.pages import DESKTOP, PHONE, TIMEOUT_MS, log_in, online

RUN_AXE = """async () => {
  const result = await axe.run(document, {runOnly: {type: "tag",
    values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}});
  return result.violations.map(v => `${v.id}: ${v.help} -> ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")}`);
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make css` (npm install in theme/static_src).")
    return AXE.read_text()


def test_no_page_has_accessibility_violations(
    browser: Browser, live_server_url, axe_source, alice, bob
) -> None:
    garden = services.room_create(creator=alice, name="Garden")

    def say() -> None:  # in a thread: the broadcast needs no running event loop
        services.message_create(room=garden, author=bob, body="Hello from bob https://a.example")
        services.message_create(room=garden, author=alice, body="Hi bob")
        connections.close_all()

    thread = threading.Thread(target=say)
    thread.start()
    thread.join()
    pages = [
        ("/accounts/login/", False), ("/accounts/signup/", False), ("/no/such/page/", False),
        ("/rooms/", True), (f"/rooms/{garden.slug}/", True), ("/accounts/profile/", True),
        ("/users/bob/", True), (f"/rooms/{garden.slug}/members/", True),
        ("/search/?q=hello", True),
    ]
    found: list[str] = []
    for viewport in (DESKTOP, PHONE):
        # axe is injected from the test: the page's own policy allows only our scripts.
        context = browser.new_context(viewport=viewport, bypass_csp=True)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        logged_in = False
        for path, needs_login in pages:
            if needs_login and not logged_in:
                log_in(page, live_server_url, "alice")
                logged_in = True
            page.goto(f"{live_server_url}{path}")
            if path.endswith(f"{garden.slug}/"):
                expect(online(page)).to_contain_text("alice")
            page.evaluate(axe_source)
            found += [f"{viewport['width']}px {path}: {v}" for v in page.evaluate(RUN_AXE)]
        context.close()
    assert found == [], "\n".join(found)
