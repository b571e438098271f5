"""Search in real Chromium: results while typing, More results, and on to the message."""

from __future__ import annotations

import re

from django.utils import timezone
from playwright.sync_api import expect

from rooms.models import Message, Room
from tests.browser.pages import PHONE, log_in


def test_search_as_you_type_more_results_and_go_to_the_message(
    new_context, live_server_url, alice, bob
) -> None:
    garden = Room.objects.create(name="Garden", slug="garden")
    Message.objects.bulk_create(
        Message(room=garden, author=bob, body=f"Pineapple number {i} is ripe",
                body_text=f"Pineapple number {i} is ripe", created_at=timezone.now())
        for i in range(25)
    )
    page = new_context().new_page()
    log_in(page, live_server_url, alice.username)
    page.goto(f"{live_server_url}/rooms/")
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Search messages").press_sequentially("pineapples", delay=30)
    expect(page.get_by_role("heading", level=1)).to_have_text("25 results for “pineapples”")
    expect(page).to_have_url(re.compile(r"/search/\?q=pineapples$"))
    results = page.get_by_role("list", name="Results").get_by_role("listitem")
    expect(results).to_have_count(20)
    expect(results.first.locator("mark")).to_have_text("Pineapple")

    page.get_by_role("button", name="More results").click()
    expect(results).to_have_count(25)
    expect(page.get_by_role("button", name="More results")).to_have_count(0)
    assert page.evaluate("window.notReloaded === true"), "the page was reloaded"

    results.first.get_by_role("link", name=re.compile("Pineapple")).click()
    expect(page).to_have_url(re.compile(r"/rooms/garden/"))
    expect(page.get_by_role("log", name="Messages")).to_contain_text("is ripe")


def test_the_phone_header_searches_without_javascript(
    new_context, live_server_url, alice, bob
) -> None:
    lobby = Room.objects.get_or_create(slug="lobby", defaults={"name": "Lobby"})[0]
    text = "Quarterly report is due friday"
    Message.objects.create(room=lobby, author=bob, body=text, body_text=text)
    context = new_context(viewport=PHONE)
    page = context.new_page()
    log_in(page, live_server_url, alice.username)
    page.route("**/*.js", lambda route: route.abort())  # no htmx: a plain form
    page.goto(f"{live_server_url}/rooms/")
    box = page.get_by_label("Search messages")
    expect(box).to_be_visible()
    # Room to see what you type at 390 px (Mentions moves into the account menu).
    assert box.bounding_box()["width"] >= 100
    box.fill("reports")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("1 result for “reports”")
    expect(page.locator("mark")).to_have_text("report")
