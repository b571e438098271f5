"""Two people in a room, one on a phone and one on a desktop: real Chromium, live Daphne.

Everything here arrives over the room's websocket as server-rendered fragments; no
page is reloaded unless a test says so.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from rooms import services
from rooms.models import Message, Room
from tests.browser.pages import (
    PHONE,
    composer,
    log_in,
    message,
    message_action,
    message_articles,
    messages,
    online,
    send,
)


@pytest.fixture
def garden(alice) -> Room:
    """A room created by alice, so she moderates it and bob does not."""
    return services.room_create(creator=alice, name="Garden")


@pytest.fixture
def phone(open_room, alice, garden) -> Page:
    return open_room(alice, garden.slug, viewport=PHONE)


@pytest.fixture
def desktop(open_room, bob, garden, phone) -> Page:
    # After the phone: alice is already in the room when bob arrives.
    return open_room(bob, garden.slug)


def mark_page(page: Page) -> None:
    """Leave a mark in this document; a reload or navigation would erase it."""
    page.evaluate("window.notReloaded = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.notReloaded === true"), "the page was reloaded"


def test_both_see_each_other_online(phone: Page, desktop: Page) -> None:
    for page in (phone, desktop):
        expect(online(page).get_by_role("listitem")).to_have_count(2)
        expect(online(page)).to_contain_text("alice")
        expect(online(page)).to_contain_text("bob")


def test_messages_reach_both_in_order_without_reload(phone: Page, desktop: Page) -> None:
    mark_page(phone)
    mark_page(desktop)

    send(phone, "Hello from my phone")
    expect(composer(phone)).to_have_value("")
    expect(message(desktop, "Hello from my phone")).to_contain_text("alice")

    send(desktop, "Hi alice, desk here", with_enter=True)
    expect(composer(desktop)).to_have_value("")

    for page in (phone, desktop):
        expect(message_articles(page)).to_have_count(2)
        expect(message_articles(page)).to_contain_text(["alice", "bob"])
        expect(message_articles(page)).to_contain_text(
            ["Hello from my phone", "Hi alice, desk here"]
        )
        assert_not_reloaded(page)
    assert list(Message.objects.order_by("id").values_list("body", flat=True)) == [
        "Hello from my phone",
        "Hi alice, desk here",
    ]


def test_author_edits_and_the_other_sees_it(phone: Page, desktop: Page) -> None:
    send(phone, "Meet at five")
    expect(message(desktop, "Meet at five")).to_be_visible()
    mark_page(desktop)

    message_action(phone, "Meet at five", "Edit").click()
    editor = phone.get_by_label("Edit message")
    expect(editor).to_have_value("Meet at five")
    editor.fill("Meet at six")
    phone.get_by_role("button", name="Save").click()

    for page in (phone, desktop):
        expect(message(page, "Meet at six")).to_contain_text("(edited)")
        expect(messages(page)).not_to_contain_text("Meet at five")
    expect(phone.get_by_label("Edit message")).to_have_count(0)
    assert_not_reloaded(desktop)

    # Cancel puts the message back as it was; nothing is saved or sent.
    message_action(phone, "Meet at six", "Edit").click()
    phone.get_by_label("Edit message").fill("Meet at seven")
    phone.get_by_role("button", name="Cancel").click()
    expect(phone.get_by_label("Edit message")).to_have_count(0)
    expect(message(phone, "Meet at six")).to_contain_text("(edited)")
    assert Message.objects.get().body == "Meet at six"

    desktop.reload()
    expect(message(desktop, "Meet at six")).to_contain_text("(edited)")
    expect(messages(desktop)).not_to_contain_text("Meet at seven")


def test_author_deletes_and_both_see_the_tombstone(phone: Page, desktop: Page) -> None:
    send(phone, "Oops, wrong room")
    expect(message(desktop, "Oops, wrong room")).to_be_visible()

    dialogs: list[str] = []

    def accept(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    phone.once("dialog", accept)
    message_action(phone, "Oops, wrong room", "Delete").click()

    for page in (phone, desktop):
        expect(message_articles(page)).to_have_count(1)
        expect(message_articles(page)).to_contain_text("This message was deleted")
        expect(messages(page)).not_to_contain_text("Oops, wrong room")
    assert dialogs and "Delete this message?" in dialogs[0]
    assert Message.objects.get().body == ""

    desktop.reload()
    expect(message_articles(desktop)).to_contain_text(["This message was deleted"])
    expect(messages(desktop)).not_to_contain_text("Oops, wrong room")


def test_edit_and_delete_show_only_where_allowed(phone: Page, desktop: Page) -> None:
    send(phone, "Written by alice")
    expect(message(desktop, "Written by alice")).to_be_visible()
    send(desktop, "Written by bob")
    expect(message(phone, "Written by bob")).to_be_visible()

    # bob sees one actions control on his own message only, at least 44x44 px.
    own = message(desktop, "Written by bob")
    actions = own.get_by_label("Message actions")
    box = actions.bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44, box
    expect(own.get_by_role("button", name="Edit")).to_be_hidden()
    actions.click()
    expect(own.get_by_role("button", name="Edit")).to_be_visible()
    expect(own.get_by_role("button", name="Delete")).to_be_visible()
    for name in ("Edit", "Delete"):
        box = own.get_by_role("button", name=name).bounding_box()
        assert box is not None and box["height"] >= 44, (name, box)
    # His own name is not repeated on his own bubble; alice's is on hers.
    expect(own.locator(".msg-author")).to_be_hidden()
    expect(message(desktop, "Written by alice").get_by_text("alice", exact=True)).to_be_visible()
    # Everyone's messages have the menu (React, Reply), but not Edit or Delete.
    others = message(desktop, "Written by alice")
    others.get_by_label("Message actions").click()
    expect(others.get_by_role("button", name="Reply")).to_be_visible()
    for name in ("Edit", "Delete"):
        expect(others.get_by_role("button", name=name)).to_be_hidden()

    # alice created the room: she may delete bob's message, but not edit it.
    expect(message_action(phone, "Written by alice", "Edit")).to_be_visible()
    bobs = message(phone, "Written by bob")
    bobs.get_by_label("Message actions").click()
    expect(bobs.get_by_role("button", name="Delete")).to_be_visible()
    expect(bobs.get_by_role("button", name="Edit")).to_be_hidden()
    assert not bobs.get_by_role("button", name="Edit").is_visible()

    phone.once("dialog", lambda dialog: dialog.accept())
    bobs.get_by_role("button", name="Delete").click()
    for page in (phone, desktop):
        expect(message_articles(page)).to_contain_text(
            ["Written by alice", "This message was deleted"]
        )
        expect(messages(page)).not_to_contain_text("Written by bob")


def test_reload_shows_the_saved_history_in_order(phone: Page, desktop: Page) -> None:
    lines = [
        ("alice", "First!"),
        ("bob", "Second"),
        ("alice", "Third, with a link https://example.com/x"),
    ]
    for author, text in lines:
        page, other = (phone, desktop) if author == "alice" else (desktop, phone)
        send(page, text)
        expect(message(other, text)).to_be_visible()

    for page in (desktop, phone):
        page.reload()
        expect(message_articles(page)).to_have_count(3)
        expect(message_articles(page)).to_contain_text([text for _, text in lines])
        expect(message_articles(page)).to_contain_text([author for author, _ in lines])
        expect(online(page)).to_contain_text("alice")
        expect(online(page)).to_contain_text("bob")
    link = message(desktop, "Third").get_by_role("link", name="https://example.com/x")
    expect(link).to_have_attribute("rel", re.compile(r"\bnoopener\b"))


def test_creating_a_room_lands_in_it(new_context, live_server_url, alice) -> None:
    page = new_context(viewport=PHONE).new_page()
    log_in(page, live_server_url, "alice")
    page.goto(f"{live_server_url}/rooms/")

    page.get_by_label("Room name").fill("Book club")
    page.get_by_role("button", name="Create room").click()

    expect(page).to_have_url(f"{live_server_url}/rooms/book-club/")
    expect(page.get_by_role("heading", name="Book club", level=1)).to_be_visible()
    expect(online(page)).to_contain_text("alice")
    send(page, "Welcome to the book club")
    expect(message(page, "Welcome to the book club")).to_contain_text("alice")
    assert Room.objects.get(slug="book-club").creator == alice

    page.get_by_role("link", name="All rooms").click()
    expect(page.get_by_role("link", name="Book club")).to_be_visible()


def test_closing_a_tab_takes_its_user_offline(phone: Page, desktop: Page) -> None:
    expect(online(phone)).to_contain_text("bob")

    desktop.close()

    expect(online(phone)).not_to_contain_text("bob")
    expect(online(phone).get_by_role("listitem")).to_have_count(1)
    expect(online(phone)).to_contain_text("alice")
