"""Formatting, reactions, replies and permalinks between two people in real Chromium.

alice is on a phone, bob on a desktop. bob's websocket goes through a Playwright route,
so the test can cut it (a close code htmx retries) and hold it down while alice acts:
what he missed must arrive with the catch-up when it reopens, without a reload.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import WebSocketRoute, expect

from rooms import services
from rooms.models import Room
from tests.browser.pages import PHONE, composer, log_in, message, messages, online

CSP_WATCH = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation",
    (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


class CuttableSocket:
    """bob's room socket, routed through the test: ``cut()`` closes it with 1012 (htmx
    retries) and refuses reopening until ``restore()``."""

    def __init__(self) -> None:
        self.current: WebSocketRoute | None = None
        self.down = False

    def route(self, ws: WebSocketRoute) -> None:
        if self.down:
            ws.close(code=1012, reason="down")
            return
        ws.connect_to_server()
        self.current = ws

    def cut(self) -> None:
        self.down = True
        assert self.current is not None
        self.current.close(code=1012, reason="cut")

    def restore(self) -> None:
        self.down = False


@pytest.fixture
def patio(alice) -> Room:
    return services.room_create(creator=alice, name="Patio")


def test_reactions_replies_and_permalinks_live_and_after_a_reconnect(
    new_context, live_server_url, alice, bob, patio
) -> None:
    phone = new_context(viewport=PHONE).new_page()
    phone.add_init_script(CSP_WATCH)
    log_in(phone, live_server_url, "alice")
    phone.goto(f"{live_server_url}/rooms/{patio.slug}/")
    expect(online(phone)).to_contain_text("alice")

    socket = CuttableSocket()
    desktop = new_context().new_page()
    desktop.add_init_script(CSP_WATCH)
    desktop.route_web_socket(re.compile(r"/ws/rooms/"), socket.route)
    log_in(desktop, live_server_url, "bob")
    desktop.goto(f"{live_server_url}/rooms/{patio.slug}/")
    expect(online(desktop)).to_contain_text("bob")

    # Formatting: Markdown, highlighted code, raw HTML as text.
    composer(phone).fill("**Lunch** at `noon`? <b>not bold</b>")
    composer(phone).press("Enter")
    lunch = message(desktop, "Lunch at noon?")
    expect(lunch.locator("strong")).to_have_text("Lunch")
    expect(lunch.locator("code")).to_have_text("noon")
    expect(lunch).to_contain_text("<b>not bold</b>")

    # Several lines without a script: the Multi-line switch, then Send.
    phone.get_by_role("button", name="Multi-line").click()
    expect(phone.get_by_role("button", name="Multi-line")).to_have_attribute("aria-pressed", "true")
    composer(phone).fill("Menu:\n- soup\n- bread\n```python\nprint('hi')\n```")
    composer(phone).press("Enter")  # a new line, not a send
    phone.get_by_role("button", name="Send").click()
    menu = message(desktop, "Menu:")
    expect(menu.locator("li")).to_have_text(["soup", "bread"])
    expect(menu.locator("pre.highlight .nb")).to_have_text("print")

    # Reactions: React in the message's menu; the button names who reacted.
    lunch.get_by_label("Message actions").click()
    lunch.get_by_text("React", exact=True).click()
    lunch.get_by_role("button", name="👍", exact=True).click()
    on_phone = message(phone, "Lunch at noon?")
    expect(on_phone.get_by_role("button", name="👍 1: bob")).to_be_visible()
    on_phone.get_by_role("button", name="👍 1: bob").click()  # alice adds hers
    expect(lunch.get_by_role("button", name="👍 2: bob, alice")).to_be_visible()
    # Your own reactions are marked for you: bob sees his, alice sees hers, same bytes.
    chip = lunch.get_by_role("button", name="👍 2: bob, alice")
    marked = chip.evaluate("e => getComputedStyle(e).borderColor")
    lunch.get_by_role("button", name="👍 2: bob, alice").click()  # bob takes his back
    expect(lunch.get_by_role("button", name="👍 1: alice")).to_be_visible()
    unmarked = lunch.get_by_role("button", name="👍 1: alice").evaluate(
        "e => getComputedStyle(e).borderColor")
    assert marked != unmarked

    # Replies: "Replying to alice" above bob's composer, Cancel reply, then a real one.
    lunch.get_by_label("Message actions").click()
    lunch.get_by_role("button", name="Reply").click()
    expect(desktop.get_by_text("Replying to alice")).to_be_visible()
    desktop.get_by_role("button", name="Cancel reply").click()
    expect(desktop.get_by_text("Replying to alice")).to_be_hidden()
    lunch.get_by_role("button", name="Reply").click()  # the menu is still open
    expect(desktop.get_by_text("Replying to alice")).to_be_visible()
    composer(desktop).fill("Count me in")
    composer(desktop).press("Enter")
    reply = message(phone, "Count me in")
    quote = reply.get_by_role("link", name=re.compile(r"^alice \*\*Lunch\*\* at"))
    expect(quote).to_be_visible()
    expect(desktop.get_by_text("Replying to alice")).to_be_hidden()

    # bob's socket drops and stays down while alice reacts, replies and deletes.
    socket.cut()
    on_phone.get_by_label("Message actions").click()
    on_phone.get_by_text("React", exact=True).click()
    on_phone.get_by_role("button", name="🎉", exact=True).click()
    expect(on_phone.get_by_role("button", name="🎉 1: alice")).to_be_visible()
    composer(phone).fill("Missed this one")
    phone.get_by_role("button", name="Send").click()
    expect(message(phone, "Missed this one")).to_be_visible()
    expect(message(desktop, "Missed this one")).to_have_count(0)
    socket.restore()
    expect(lunch.get_by_role("button", name="🎉 1: alice")).to_be_visible(timeout=20_000)
    expect(message(desktop, "Missed this one")).to_be_visible()

    # Permalinks: the time opens the room around the message, the message targeted.
    lunch.get_by_role("link", name=re.compile(r"^\d\d:\d\d$")).click()
    expect(desktop).to_have_url(re.compile(r"/messages/\d+/#msg-\d+$"))
    expect(desktop.locator(".msg:target")).to_contain_text("Lunch at noon?")
    expect(desktop.get_by_role("link", name="Jump to latest")).to_be_visible()
    expect(online(desktop)).to_contain_text("bob")
    # A live message is not appended to a page of history: the bar says so instead.
    composer(phone).fill("After the permalink")
    phone.get_by_role("button", name="Send").click()
    expect(desktop.get_by_text("New messages below · Jump to latest")).to_be_visible()
    expect(messages(desktop)).not_to_contain_text("After the permalink")
    desktop.get_by_role("link", name="Jump to latest").click()
    expect(message(desktop, "After the permalink")).to_be_visible()

    for page in (phone, desktop):
        assert page.evaluate("window.cspViolations") == []
