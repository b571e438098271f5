"""Sign up, see the signed-in page, log out: real Chromium on a live Daphne server."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.pages import PHONE, log_in, log_out, sign_up
from users.models import User


def test_new_user_signs_up_sees_rooms_and_logs_out(new_context, live_server_url, lobby) -> None:
    page = new_context(viewport=PHONE).new_page()

    sign_up(page, live_server_url, "newcomer")

    expect(page).to_have_url(f"{live_server_url}/rooms/")
    expect(page.get_by_role("heading", name="Rooms", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("newcomer")
    expect(page.get_by_role("link", name="Lobby")).to_be_visible()
    assert User.objects.filter(username="newcomer").exists()

    log_out(page)

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    page.goto(f"{live_server_url}/rooms/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/rooms/$"))

    # The account is real: the same person can come back.
    log_in(page, live_server_url, "newcomer")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("newcomer")
