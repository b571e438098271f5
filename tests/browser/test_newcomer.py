"""What a new user trips over, in real Chromium on a live server run with DEBUG on (as
``make run`` does): typing while a send goes out, double sends, long pastes, errors shown
in place, edits, focus, and a session that ends in another tab.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from rooms import services
from rooms.models import Message, Room
from tests.browser.pages import (
    PHONE,
    account_menu,
    composer,
    log_out,
    message,
    message_action,
    message_articles,
    online,
    send,
)


@pytest.fixture(scope="module", autouse=True)
def _debug_on() -> Iterator[None]:
    """``make run`` runs with DEBUG on: django-htmx then adds its debug script, which
    replaced the whole page on any htmx answer with 400/403/404/500. In force before the
    module's server forks."""
    with override_settings(DEBUG=True):
        yield


@pytest.fixture
def garden(alice) -> Room:
    return services.room_create(creator=alice, name="Garden")


@pytest.fixture
def page(open_room, alice, garden) -> Page:
    return open_room(alice, garden.slug)


def test_text_typed_while_a_send_goes_out_is_kept(page: Page) -> None:
    box = composer(page)
    box.fill("hello")
    box.press("Enter")
    box.press_sequentially("Next thought")  # at once, while "hello" is on its way
    expect(message(page, "hello")).to_be_visible()
    page.wait_for_timeout(300)  # the server's answer to the send has arrived
    expect(box).to_have_value("Next thought")
    assert list(Message.objects.values_list("body", flat=True)) == ["hello"]


def test_a_double_click_on_send_posts_once(page: Page) -> None:
    composer(page).fill("only once")
    page.get_by_role("button", name="Send").dblclick()
    expect(message(page, "only once")).to_be_visible()
    page.wait_for_timeout(500)
    expect(message_articles(page)).to_have_count(1)
    assert Message.objects.filter(body="only once").count() == 1


def test_a_long_paste_is_kept_and_the_limit_is_said(page: Page) -> None:
    text = "🎉" * 1500 + "x" * 600  # 2,100 characters (3,600 UTF-16 units)
    box = composer(page)
    box.fill(text)
    expect(box).to_have_value(text)  # nothing cut
    limit = page.get_by_text("Messages can be at most 2000 characters")
    expect(limit).to_be_visible()
    box.press("Enter")
    page.wait_for_timeout(300)
    expect(box).to_have_value(text)
    assert not Message.objects.exists()
    box.fill("🎉" * 2000)  # exactly the limit, counted as people count
    expect(limit).to_be_hidden()
    box.press("Enter")
    expect(message_articles(page)).to_have_count(1)


def test_an_error_is_shown_under_its_message_and_the_page_stays(page: Page, alice) -> None:
    send(page, "soon gone")
    page.evaluate("window.notReloaded = true")
    # Deleted elsewhere, and this tab not told yet (no broadcast).
    Message.objects.filter(body="soon gone").update(deleted_at=timezone.now(), body="")
    page.once("dialog", lambda dialog: dialog.accept())
    message_action(page, "soon gone", "Delete").click()
    error = message(page, "soon gone").get_by_role("alert")
    expect(error).to_have_text("That message has already been deleted.")
    assert page.evaluate("window.notReloaded === true")
    expect(composer(page)).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="already been deleted")).to_have_count(1)


def test_edit_errors_stay_in_the_edit_form_and_focus_stays_with_the_message(page: Page) -> None:
    send(page, "Meet at five")
    message_action(page, "Meet at five", "Edit").click()
    editor = page.get_by_label("Edit message")
    expect(editor).to_be_focused()
    editor.fill("   ")
    page.get_by_role("button", name="Save").click()
    form_error = page.locator("article.editing").get_by_role("alert")
    expect(form_error).to_have_text("Type a message before sending.")
    expect(page.locator("#composer-error")).to_be_empty()

    # Saving the text unchanged closes the form, as a save does.
    editor.fill("Meet at five")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("Edit message")).to_have_count(0)
    expect(message(page, "Meet at five")).not_to_contain_text("(edited)")
    expect(page.locator("#messages :focus")).to_have_count(1)

    # Cancel, and Escape, close it too, with focus at the message.
    message_action(page, "Meet at five", "Edit").click()
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_label("Edit message")).to_have_count(0)
    expect(page.locator("#messages :focus")).to_have_count(1)
    message_action(page, "Meet at five", "Edit").click()
    # The form has arrived and taken focus (autofocus) before the key is pressed.
    expect(page.get_by_label("Edit message")).to_be_focused()
    page.get_by_label("Edit message").press("Escape")
    expect(page.get_by_label("Edit message")).to_have_count(0)
    expect(page.locator("#messages :focus")).to_have_count(1)


def test_a_stale_edit_form_closes_with_a_notice(page: Page, open_room, alice, garden) -> None:
    send(page, "Draft one")
    other = open_room(alice, garden.slug)  # alice's second tab
    for tab in (page, other):
        message_action(tab, "Draft one", "Edit").click()
    other.get_by_label("Edit message").fill("Draft two")
    other.get_by_role("button", name="Save").click()
    expect(message(page, "Draft two")).to_contain_text("This message was changed elsewhere")
    expect(page.get_by_label("Edit message")).to_have_count(0)
    expect(message(other, "Draft two")).not_to_contain_text("changed elsewhere")


def test_a_tab_whose_session_ended_says_so_and_leads_back(
    page: Page, garden, live_server_url
) -> None:
    send(page, "before logging out")
    second = page.context.new_page()  # the same person, another tab
    second.goto(f"{live_server_url}/rooms/{garden.slug}/")
    expect(online(second)).to_contain_text("alice")
    log_out(second)

    ended = page.get_by_role("alert").filter(has_text="Your session has ended.")
    expect(ended).to_be_visible(timeout=2000)
    link = ended.get_by_role("link", name="Log in again.")
    expect(link).to_have_attribute("href", f"/accounts/login/?next=/rooms/{garden.slug}/")
    expect(account_menu(page)).to_have_count(0)
    expect(page.get_by_text("Reconnecting…")).to_be_hidden()

    # An htmx request (the actions menu fetches what it offers when first opened) now goes
    # to the login page, never pastes it into the chat.
    message(page, "before logging out").get_by_label("Message actions").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Frooms%2Fgarden%2F$"))


def test_the_phone_header_is_one_row_and_nothing_scrolls_sideways(
    new_context, live_server_url, make_user, garden
) -> None:
    from tests.browser.pages import log_in

    user = make_user("a_rather_long_username_x")
    for size in (PHONE, {"width": 360, "height": 740}, {"width": 320, "height": 640}):
        tab = new_context(viewport=size).new_page()
        log_in(tab, live_server_url, user.username)
        for path in ("/rooms/", f"/rooms/{garden.slug}/", "/accounts/profile/"):
            tab.goto(f"{live_server_url}{path}")
            widths = tab.evaluate("[document.documentElement.scrollWidth, innerWidth]")
            assert widths[0] <= widths[1], (size, path, widths)
        menu = account_menu(tab)
        box = menu.bounding_box()
        assert box and box["width"] >= 44 and box["height"] >= 44, box
        assert tab.locator("header:visible, #room > div:first-child").count() == 1
        menu.click()
        expect(tab.get_by_role("button", name="Log out")).to_be_visible()
    landscape = new_context(viewport={"width": 844, "height": 390}).new_page()
    log_in(landscape, live_server_url, user.username)
    landscape.goto(f"{live_server_url}/rooms/{garden.slug}/")
    log_height = landscape.evaluate(
        "document.getElementById('messages').parentElement.getBoundingClientRect().height"
    )
    assert log_height >= 5 * 24, log_height  # five lines of message text


def test_two_people_talking_log_no_errors_and_focus_stays_in_the_chat(
    open_room, alice, bob, garden
) -> None:
    """Send, edit, reply, react, delete and load older messages, as two people: the
    browser logs no htmx error (no target, swap, CSP), and focus never falls to the
    top of the page after Delete or Load older messages."""
    Message.objects.bulk_create(
        Message(room=garden, author=bob, body=f"history {n}", created_at=timezone.now())
        for n in range(settings.CHAT_PAGE_SIZE + 2)
    )
    tab, other = open_room(alice, garden.slug), open_room(bob, garden.slug, viewport=PHONE)
    errors: list[str] = []
    for each in (tab, other):
        each.on("console", lambda m: m.type in ("error", "warning") and errors.append(m.text))
        each.on("pageerror", lambda exc: errors.append(str(exc)))
    send(other, "Who is coming?")
    send(tab, "Me, at six")
    message_action(tab, "Me, at six", "Edit").click()
    tab.get_by_label("Edit message").fill("Me, at seven")
    tab.get_by_role("button", name="Save").click()
    expect(message(other, "Me, at seven")).to_contain_text("(edited)")
    message_action(tab, "Who is coming?", "Reply").click()
    expect(tab.locator("#reply-context")).to_contain_text("Replying to bob")
    send(tab, "Count carol in too")
    message(other, "Count carol in too").get_by_label("Message actions").click()
    message(other, "Count carol in too").get_by_text("React", exact=True).click()
    # On a phone, the menu of someone else's short message stays on the screen.
    expect(message(other, "Count carol in too").get_by_role("button", name="🎉")).to_be_in_viewport()
    message(other, "Count carol in too").get_by_role("button", name="🎉").click()
    expect(tab.get_by_role("button", name="🎉 1: bob")).to_be_visible()
    send(other, "Scrap that")
    other.on("dialog", lambda dialog: dialog.accept())
    message_action(other, "Scrap that", "Delete").click()
    expect(message(tab, "This message was deleted")).to_have_count(1)
    focused = other.locator("#messages :focus")
    expect(focused).to_have_text("Message deleted.")
    original = message(other, "Who is coming?").first  # the one replied to (then its quote)
    original.get_by_label("Message actions").click()
    original.get_by_role("button", name="Delete").click()
    expect(message(tab, "Count carol in too")).to_contain_text("Original message deleted")

    tab.get_by_role("button", name="Load older messages").click()
    expect(message(tab, "history 0")).to_have_count(1)
    expect(tab.locator("#messages :focus")).to_have_text("Older messages loaded.")
    # Focus sits where the reader was: just before the oldest message already shown.
    assert tab.evaluate(
        "document.activeElement.nextElementSibling.textContent.includes('history 2')"
        " || document.activeElement.nextElementSibling.nextElementSibling.textContent"
        ".includes('history 2')"
    )
    assert errors == []


def test_a_tab_whose_session_expired_says_so_and_stops_reconnecting(page: Page, garden) -> None:
    send(page, "before it expires")
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    Session.objects.filter(session_key=key).delete()  # expired on the server
    # The connections drop as a network failure looks to a browser (test code reaches into
    # htmx's sockets). The handshakes htmx then retries are refused: there is no session.
    page.evaluate("""() => document.querySelectorAll("[ws-connect]").forEach(element => {
        const socket = element["htmx-internal-data"].webSocket.socket;
        const onclose = socket.onclose;
        socket.onclose = null;
        socket.close();
        onclose({code: 1006});
    })""")
    ended = page.get_by_role("alert").filter(has_text="Your session has ended.")
    expect(ended).to_be_visible(timeout=10_000)  # a page request: slower under CI's load
    link = ended.get_by_role("link", name="Log in again.")
    expect(link).to_have_attribute("href", f"/accounts/login/?next=/rooms/{garden.slug}/")
    # No socket is left to reopen (htmx retries only while its element is on the page),
    # and the page still shows what it showed.
    expect(page.locator("[ws-connect]")).to_have_count(0)
    expect(message(page, "before it expires")).to_be_visible()
    expect(page.get_by_role("navigation", name="Your conversations")).to_be_visible()
    expect(page.get_by_text("Reconnecting…")).to_be_hidden()
