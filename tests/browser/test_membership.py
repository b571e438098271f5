"""A private room in real Chromium: alice creates it and adds bob; bob chats; alice
removes him while his tab is open; carol, never a member, gets 404."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from tests.browser.pages import PHONE, log_in, message, online, send
from tests.conftest import session_cookie_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_private_room_from_invite_to_removal(
    new_context, live_server_url, alice, bob, carol
) -> None:
    owner = new_context().new_page()
    log_in(owner, live_server_url, "alice")
    owner.goto(f"{live_server_url}/rooms/")
    owner.get_by_label("Room name").fill("Hideout")
    owner.get_by_label("Private (invite only)").check()
    owner.get_by_role("button", name="Create room").click()
    expect(owner.get_by_role("heading", name="Hideout")).to_be_visible()
    path = owner.url.removeprefix(live_server_url)  # /rooms/hideout-<random>/
    owner.get_by_role("link", name="Members").click()
    owner.get_by_label("Username").fill("bob")
    owner.get_by_role("button", name="Add member").click()
    expect(owner.get_by_role("list", name="Members").get_by_role("listitem")).to_have_count(2)

    guest = new_context(viewport=PHONE).new_page()
    log_in(guest, live_server_url, "bob")
    guest.goto(f"{live_server_url}/rooms/")
    guest.get_by_role("list", name="Your rooms").get_by_role("link", name="Hideout").click()
    expect(online(guest)).to_contain_text("bob")
    send(guest, "glad to be in")
    expect(message(guest, "glad to be in")).to_be_visible()

    host = live_server_url.removeprefix("http://")
    with ws_connect(
        f"ws://{host}/ws{path}", origin=live_server_url, open_timeout=10,
        additional_headers={"Cookie": session_cookie_for(bob).decode()},
    ) as raw:
        raw.recv(timeout=10)  # the presence list: the socket is live
        owner.reload()
        owner.get_by_role("list", name="Members").get_by_role("listitem").filter(
            has_text="bob"
        ).get_by_role("button", name="Remove").click()
        expect(owner.get_by_role("list", name="Members").get_by_role("listitem")).to_have_count(1)

        expect(guest.get_by_text("You are no longer a member of this room.")).to_be_visible()
        expect(guest.get_by_role("link", name="Back to all rooms")).to_be_visible()
        expect(guest.get_by_label("Message", exact=True)).to_have_count(0)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                frame = raw.recv(timeout=10)
                assert "msg-" not in frame, "the removed socket still heard the room"
        assert closed.value.rcvd.code == 4403

    guest.wait_for_timeout(500)  # a "Reconnecting…" notice would have come by now
    expect(guest.get_by_text("Reconnecting")).to_have_count(0)

    outsider = new_context().new_page()
    log_in(outsider, live_server_url, "carol")
    assert outsider.goto(f"{live_server_url}{path}").status == 404
    outsider.goto(f"{live_server_url}/rooms/")
    expect(outsider.get_by_role("main")).not_to_contain_text("Hideout")
