"""What every visitor meets outside the rooms: the icon, the manifest, error pages, and a
production start that refuses to run without its static files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parent.parent


def test_the_icon_and_the_manifest_are_served(db) -> None:
    client = Client()
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and "icon" in icon["Content-Type"]
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    manifest = client.get("/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    data = json.loads(manifest.content)
    assert data["name"] == "Chatrooms" and data["start_url"] == "/rooms/"
    for icon_entry in data["icons"]:
        assert client.get(icon_entry["src"]).status_code == 200, icon_entry
    page = client.get("/accounts/login/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert 'rel="icon"' in page


@override_settings(DEBUG=False)
@pytest.mark.parametrize("logged_in", [False, True])
def test_an_unknown_page_is_ours_with_a_way_back(db, alice, client_for, logged_in) -> None:
    client = client_for(alice) if logged_in else Client()
    response = client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "This page does not exist" in html and 'aria-label="Main"' in html
    assert ">Back to the rooms</a>" in html
    assert "Not Found</h1>" not in html  # not Django's bare page


@override_settings(DEBUG=False)
def test_forbidden_and_server_error_pages_are_ours(db) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "x", "password": "y"})
    assert response.status_code == 403
    assert "You can't open this page" in response.content.decode()
    from django.views.defaults import server_error

    html = server_error(Client().get("/").wsgi_request).content.decode()
    assert "Something went wrong on our side" in html and 'href="/"' in html


def _start_production(static_root: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("DJANGO_", "REDIS_", "DATABASE_", "CHANNEL_"))}
    env = {**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "0",
           "DJANGO_SECRET_KEY": "k" * 60, "DJANGO_ALLOWED_HOSTS": "chat.example.com",
           "DJANGO_STATIC_ROOT": str(static_root)}
    return subprocess.run(
        [sys.executable, "-c", "import config.asgi; print('started')"], cwd=ROOT,
        env=env, capture_output=True, text=True, timeout=60,
    )


@pytest.mark.slow  # starts Django in a subprocess
def test_production_refuses_to_start_without_collected_static_files(tmp_path) -> None:
    result = _start_production(tmp_path / "empty")
    assert result.returncode != 0
    assert "Static files are not collected" in result.stderr
    assert "collectstatic" in result.stderr
