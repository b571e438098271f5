"""Hostile and awkward text in a real browser: it shows as typed, runs nothing, and
does not break the phone layout."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from rooms import services
from rooms.models import Room
from tests.browser.pages import PHONE, message, message_articles, messages, send

IMG = """<img src=x onerror="document.title='pwned'">"""
SCRIPT = "<script>document.title='pwned'</script>"
HTMX = """<button hx-get="/rooms/" hx-target="body">click</button>"""


@pytest.fixture
def attic(alice) -> Room:
    return services.room_create(creator=alice, name="Attic")


@pytest.fixture
def phone(open_room, alice, attic) -> Page:
    return open_room(alice, attic.slug, viewport=PHONE)


@pytest.fixture
def desktop(open_room, bob, attic, phone) -> Page:
    return open_room(bob, attic.slug)


def test_markup_in_messages_is_shown_as_text_and_runs_nothing(phone: Page, desktop: Page) -> None:
    titles = {page: page.title() for page in (phone, desktop)}
    requests: list[str] = []
    desktop.on("request", lambda request: requests.append(request.url))

    for text in (IMG, SCRIPT, HTMX):
        send(phone, text)
        expect(message(desktop, text)).to_be_visible()

    for page in (phone, desktop):
        expect(message_articles(page)).to_have_count(3)
        expect(message_articles(page)).to_contain_text([IMG, SCRIPT, HTMX])
        # Nothing the text describes exists as an element in the log.
        log = messages(page)
        expect(log.locator("img")).to_have_count(0)
        expect(log.locator("script")).to_have_count(0)
        expect(log.locator("button").filter(has_text="click")).to_have_count(0)
        expect(log.locator("[hx-get='/rooms/']")).to_have_count(0)
        expect(page).to_have_title(titles[page])

    # Clicking the text does nothing: no request, no swap, same page.
    message(desktop, HTMX).get_by_text(HTMX).click()
    # A round trip after the click: had the click fired a request, it went out first.
    send(desktop, "still here")
    expect(message(phone, "still here")).to_be_visible()
    expect(message(desktop, "still here")).to_be_visible()
    assert not [url for url in requests if url.endswith("/rooms/")], requests
    expect(desktop.get_by_role("heading", name="Attic", level=1)).to_be_visible()
    for page in (phone, desktop):
        expect(page).to_have_title(titles[page])
        assert "pwned" not in page.title()


def test_long_words_and_urls_do_not_widen_the_phone_page(phone: Page, desktop: Page) -> None:
    word = "a" * 400
    url = "https://example.com/" + "/".join(["very-long-path-segment"] * 15) + "?q=" + "x" * 100
    send(desktop, word)
    send(desktop, f"see {url}")
    expect(message(phone, "see ")).to_be_visible()
    expect(message(phone, word)).to_be_visible()

    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The log scrolls vertically only: no sideways scrolling inside it either.
    overflow = phone.evaluate(
        "() => { const s = document.getElementById('messages').parentElement;"
        " return s.scrollWidth - s.clientWidth; }"
    )
    assert overflow <= 0
    # And the phone's own message, typed there, behaves the same.
    send(phone, word[:300])
    expect(message(phone, word[:300]).last).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
