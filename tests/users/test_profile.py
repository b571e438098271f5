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
