"""The live rooms list and typing, in real Chromium against Daphne."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect
from websockets.sync.client import connect as ws_connect

from rooms.models import Room
from tests.browser.pages import composer, log_in, send
from tests.conftest import add_members, session_cookie_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _your_rooms(page: Page):
    return page.get_by_role("list", name="Your rooms")


def _count_reconnects(page: Page) -> None:
    # Test code watching htmx's own event (the product runs no script of ours).
    page.evaluate(
        "window.inboxOpens = 0;"
        "document.body.addEventListener('htmx:wsOpen', () => { window.inboxOpens += 1; });"
    )


def test_the_rooms_list_is_live_and_stays_live_after_a_reconnect(
    new_context, live_server_url, alice, bob, carol
) -> None:
    add_members(Room.objects.create(name="Garden", slug="garden", creator=alice), alice, bob)
    add_members(
        Room.objects.create(name="Book club", slug="book-club", kind="private", creator=alice),
        alice, bob,
    )
    add_members(Room.objects.create(name="Tea", slug="tea", kind="private", creator=alice), alice, bob)
    owner = new_context().new_page()
    log_in(owner, live_server_url, "alice")
    context = new_context()
    page = context.new_page()
    log_in(page, live_server_url, "bob")
    page.goto(f"{live_server_url}/rooms/")
    expect(_your_rooms(page).get_by_role("link", name="Garden")).to_be_visible()
    _count_reconnects(page)
    host = live_server_url.removeprefix("http://")
    cookie = session_cookie_for(alice).decode()

    def say(slug: str, text: str) -> None:
        with ws_connect(f"ws://{host}/ws/rooms/{slug}/", origin=live_server_url,
                        additional_headers={"Cookie": cookie}, open_timeout=10) as raw:
            raw.recv(timeout=10)  # the presence list: the socket is live
            raw.send(json.dumps({"action": "send", "body": text}))
            while "<article" not in raw.recv(timeout=10):
                pass  # until the room's broadcast of it comes back

    def everything_is_live(
        room: str, removed: str, people: str, *, unread: int = 1, total: int = 1,
        title: str = "alice",
    ) -> None:
        say(room.lower().replace(" ", "-"), "hi @bob")
        name = f"{room}, {unread} unread, mentioned"
        expect(_your_rooms(page).get_by_role("link", name=name)).to_be_visible()
        expect(_your_rooms(page).get_by_role("link").first).to_have_accessible_name(name)
        expect(page).to_have_title(f"({total}) Rooms · Chatrooms")  # the tab, too
        owner.goto(f"{live_server_url}/rooms/")
        owner.get_by_label("People").fill(people)
        owner.get_by_role("button", name="Start conversation").click()
        direct_list = page.get_by_role("list", name="Direct messages")
        expect(direct_list.get_by_role("link", name=title, exact=True)).to_be_visible()
        owner.goto(f"{live_server_url}/rooms/{removed.lower().replace(' ', '-')}/")
        owner.get_by_role("link", name="Members").click()
        owner.get_by_role("list", name="Members").get_by_role("listitem").filter(
            has_text="bob"
        ).get_by_role("button", name="Remove").click()
        expect(_your_rooms(page).get_by_role("link", name=removed)).to_have_count(0)

    everything_is_live("Book club", "Tea", "bob")
    # (Book club keeps its count below; only Garden's changes from here.)

    # The connection drops as a network failure looks to a browser (close code 1006;
    # test code reaches into htmx's socket, the product runs no script of ours). htmx
    # reopens it by itself and the redraw brings what was missed meanwhile.
    page.evaluate("""() => {
        const socket = document.getElementById("inbox-socket")["htmx-internal-data"].webSocket.socket;
        const onclose = socket.onclose;
        socket.onclose = null;
        socket.close();
        onclose({code: 1006});
    }""")
    say("garden", "while you were away")
    for _ in range(100):  # htmx's backoff: a random wait of up to 2 s, then 4 s
        if page.evaluate("window.inboxOpens"):
            break
        page.wait_for_timeout(200)
    assert page.evaluate("window.inboxOpens") >= 1, "the inbox socket did not reopen"
    expect(_your_rooms(page).get_by_role("link", name="Garden, 1 unread")).to_be_visible()

    # All of it again on the reopened socket: a count, a new conversation, a removal.
    everything_is_live(
        "Garden", "Book club", "bob, carol", unread=2, total=3, title="alice, carol"
    )


def test_typing_shows_for_the_others_only(open_room, alice, bob, lobby) -> None:
    typist = open_room(alice, "lobby")
    watcher = open_room(bob, "lobby")
    composer(typist).press_sequentially("hello the")
    expect(watcher.locator("#typing")).to_have_text("alice is typing…", use_inner_text=True,
                                                   timeout=1500)
    # The typist never reads that they are typing.
    expect(typist.locator("#typing")).to_have_text("", use_inner_text=True)
    # Gone within 6 s after the last keystroke, with nothing sent.
    expect(watcher.locator("#typing")).to_have_text("", use_inner_text=True, timeout=6500)
    # And at once when the message arrives.
    composer(typist).press_sequentially("re, bob")
    expect(watcher.locator("#typing")).to_have_text("alice is typing…", use_inner_text=True)
    send(typist, "hello there, bob")
    expect(watcher.locator("#typing")).to_have_text("", use_inner_text=True, timeout=1500)
    expect(watcher.get_by_text("hello there, bob")).to_be_visible()
