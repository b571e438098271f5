"""Sign up, log in and log out through the real allauth views."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


def test_sign_up_with_a_username_and_password(client) -> None:
    page = client.get("/accounts/signup/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="username"' in html and 'name="password1"' in html
    response = client.post(
        "/accounts/signup/",
        {"username": "dana", "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"},
    )
    assert response.status_code == 302 and response["Location"] == "/rooms/"
    assert get_user_model().objects.filter(username="dana").exists()
    rooms = client.get("/rooms/").content.decode()
    assert "dana" in rooms and "Log out" in rooms


def test_sign_up_errors_are_shown(client, alice) -> None:
    response = client.post(
        "/accounts/signup/", {"username": "alice", "password1": "x", "password2": "y"}
    )
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()


def test_log_in_and_log_out(client, alice) -> None:
    from tests.conftest import PASSWORD

    response = client.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/rooms/"
    assert client.get("/rooms/").status_code == 200
    # Logging out needs a POST; a GET only shows the confirmation page.
    assert client.get("/accounts/logout/").status_code == 200
    assert client.get("/rooms/").status_code == 200
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/rooms/")["Location"].startswith("/accounts/login/")


def test_wrong_password_is_refused(client, alice) -> None:
    response = client.post("/accounts/login/", {"login": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert client.get("/rooms/").status_code == 302


def test_user_model_is_ours_and_in_the_admin(admin_client) -> None:
    assert get_user_model()._meta.label == "users.User"
    assert admin_client.get("/admin/users/user/").status_code == 200
