"""The profile settings page: display name and time zone."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_settings_page_changes_display_name_and_time_zone(client_for, alice) -> None:
    client = client_for(alice)
    page = client.get("/accounts/profile/").content.decode()
    assert "Display name" in page and "Time zone" in page
    assert '<option value="UTC" selected>' in page
    assert 'href="/accounts/profile/"' in client.get("/rooms/").content.decode()
    response = client.post(
        "/accounts/profile/", {"display_name": "  Alice   Liddell ", "time_zone": "Europe/Paris"}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    alice.refresh_from_db()
    assert (alice.display_name, alice.time_zone) == ("Alice Liddell", "Europe/Paris")
    assert alice.public_name == "Alice Liddell"
    page = client.get("/accounts/profile/").content.decode()
    assert "Your profile is saved." in page
    assert '<option value="Europe/Paris" selected>' in page


def test_unknown_time_zone_is_refused_and_blank_name_falls_back(client_for, alice) -> None:
    client = client_for(alice)
    response = client.post("/accounts/profile/", {"display_name": "", "time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    alice.refresh_from_db()
    assert alice.time_zone == "UTC" and alice.public_name == "alice"


def test_settings_page_needs_a_login(client) -> None:
    assert client.get("/accounts/profile/")["Location"].startswith("/accounts/login/")


def test_public_profile_shows_display_name_username_and_date_joined(client_for, alice, bob) -> None:
    import datetime as dt

    alice.display_name = "Alice Liddell"
    alice.date_joined = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
    alice.save()
    html = client_for(bob).get("/users/alice/").content.decode()
    assert '<h1 id="profile-name"' in html and ">Alice Liddell</h1>" in html
    assert "<dt>Username</dt>" in html and ">alice</dd>" in html
    assert "<dt>Joined</dt>" in html and ">30 November 2026</time>" in html


def test_the_display_name_is_shown_on_messages(client_for, alice, lobby) -> None:
    from rooms import services

    services.message_create(room=lobby, author=alice, body="hello")
    client = client_for(alice)
    client.post("/accounts/profile/", {"display_name": "Al", "time_zone": "UTC"})
    html = client.get("/rooms/lobby/").content.decode()
    assert 'class="msg-author' in html and ">Al</a>" in html

