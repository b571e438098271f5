"""Every hostile payload, pushed live to real Chromium on a phone and a desktop.

Beyond "shown as text": no dialog opens, no request leaves, the browser reports no
Content-Security-Policy violation from our own page, and it does enforce the policy
(an inline script or eval() planted from outside is refused).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from playwright.sync_api import Page, expect
from websockets.sync.client import connect as ws_connect

from rooms import services
from rooms.formatting import ALLOWED_TAGS
from rooms.models import Message, Room
from tests.browser.conftest import _fast_password_hashing, browser, new_context  # noqa: F401
from tests.browser.conftest import open_room as open_room  # a fixture
from tests.browser.pages import PHONE, message_articles, messages, online
from tests.conftest import session_cookie_for
from tests.live import daphne_server, live_server_url  # noqa: F401 (fixtures)
from tests.security.test_injection import PAYLOADS
from users.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation",
    (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""
LONG = {"long-link"}  # shown shortened on screen; its href carries the whole text


@pytest.fixture
def cellar(alice) -> Room:
    return services.room_create(creator=alice, name="Cellar")


@pytest.fixture
def watched(open_room, alice, bob, cellar) -> Iterator[dict[str, Page]]:
    """Alice on a phone and Bob on a desktop, with dialogs, requests and CSP reports recorded."""
    pages = {"phone": open_room(alice, cellar.slug, viewport=PHONE), "desktop": open_room(bob, cellar.slug)}
    for name, page in pages.items():
        page.context.add_init_script(WATCH_VIOLATIONS)
        response = page.reload()
        assert response is not None
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy, f"{name}: {policy!r}"
        expect(online(page)).to_contain_text(["alice", "bob"][name == "desktop"])
        page.dialogs, page.requests = [], []  # type: ignore[attr-defined]
        page.on("dialog", lambda dialog, page=page: (page.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("request", lambda request, page=page: page.requests.append(request.url))
    yield pages


def send_all(base_url: str, slug: str, senders: list[User], texts: list[str]) -> None:
    """Send each text over the room's websocket, as people on other devices would."""
    host = base_url.removeprefix("http://")
    with ExitStack() as stack:
        sockets = [
            stack.enter_context(ws_connect(
                f"ws://{host}/ws/rooms/{slug}/", origin=base_url, open_timeout=10,
                additional_headers={"Cookie": session_cookie_for(user).decode()},
            ))
            for user in senders
        ]
        for n, text in enumerate(texts):
            ws = sockets[n % len(sockets)]  # stays under each person's rate limit
            ws.send(json.dumps({"action": "send", "body": text}))
            while 'id="composer-key"' not in (frame := ws.recv(timeout=10)):
                assert "too quickly" not in frame


def test_hostile_text_runs_nothing_in_a_real_browser(
    watched, cellar, live_server_url, make_user  # noqa: F811
) -> None:
    senders = [make_user(f"sender{n}") for n in range(3)]
    send_all(live_server_url, cellar.slug, senders, list(PAYLOADS.values()))

    for name, page in watched.items():
        expect(message_articles(page)).to_have_count(len(PAYLOADS))
        bodies = messages(page).locator(".msg-body")
        shown = bodies.all_text_contents()
        for key, payload in PAYLOADS.items():
            if key not in LONG:
                assert payload in shown, f"{name}: {key} is not shown as typed"
        # Inside message text there are only formatting elements (allow-list), and links
        # only to http(s) addresses.
        tags = bodies.locator("*").evaluate_all("els => els.map(e => e.tagName.toLowerCase())")
        assert set(tags) <= ALLOWED_TAGS, set(tags) - ALLOWED_TAGS
        hrefs = bodies.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        assert all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
        assert page.locator("a[href^='javascript:' i]").count() == 0

        assert page.dialogs == [], f"{name}: a dialog opened: {page.dialogs}"
        assert "pwned" not in page.title()
        # hx-* attributes in text are inert: no logout, no posting "spam".
        assert page.requests == [], f"{name}: requests left the page: {page.requests}"
        assert page.evaluate("window.cspViolations") == [], f"{name}: our own page broke the CSP"
    assert not Message.objects.filter(body="spam").exists()

    phone = watched["phone"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_browser_enforces_the_policy(watched) -> None:
    page = watched["desktop"]
    ran = page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.body.append(script);
            return window.inlineRan === true;
        }"""
    )
    assert ran is False, "an inline script ran"
    # DevTools' own evaluation may eval; a task the page runs later may not.
    outcome = page.evaluate(
        """() => new Promise((done) => setTimeout(() => {
            try { eval("1 + 1"); done("ran"); } catch (e) { done(e.name); }
        }))"""
    )
    assert outcome == "EvalError"
    violations = page.evaluate("window.cspViolations")
    assert any(v.startswith("script-src") for v in violations), violations
