"""A tab whose session has ended: its htmx requests lead to the login page, and back."""

from __future__ import annotations

from django.test import Client


def test_an_htmx_request_without_a_session_sends_the_tab_to_log_in(lobby) -> None:
    client = Client()
    for url in ("/rooms/lobby/messages/1/edit/", "/rooms/lobby/messages/older/?before=5"):
        response = client.get(
            url, headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/rooms/lobby/"}
        )
        # Not the login page pasted into the room: htmx is told to go there, then back.
        assert response.status_code == 200, url
        assert response["HX-Redirect"] == "/accounts/login/?next=%2Frooms%2Flobby%2F"
        assert response.content == b""


def test_a_plain_request_without_a_session_is_redirected_as_before(lobby) -> None:
    response = Client().get("/rooms/lobby/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/rooms/lobby/"


def test_a_foreign_current_url_is_not_a_way_back(lobby) -> None:
    response = Client().get(
        "/rooms/lobby/messages/1/edit/",
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/phish"},
    )
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Frooms%2F"
