"""Content-Security-Policy and htmx's own safety switches, on every kind of page.

Escaping is the first defence; the policy is the second: even markup that slipped
through could not run a script, load one from elsewhere, or frame our pages.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from tests.security.html import all_elements, find

PAGES_SIGNED_OUT = ["/accounts/login/", "/accounts/signup/"]
PAGES_SIGNED_IN = ["/rooms/", "/rooms/lobby/"]


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']} has no Content-Security-Policy"
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.fixture
def pages(alice, lobby, client_for) -> dict[str, object]:
    signed_in = client_for(alice)
    return {
        **{url: Client().get(url) for url in PAGES_SIGNED_OUT},
        **{url: signed_in.get(url) for url in PAGES_SIGNED_IN},
    }


def test_only_our_own_scripts_may_run(pages) -> None:
    for url, response in pages.items():
        assert response.status_code == 200, url
        directives = policy(response)
        assert directives["script-src"] == ["'self'"], url
        assert directives["default-src"] == ["'self'"], url
        assert directives["object-src"] == ["'none'"], url
        assert directives["base-uri"] == ["'self'"], url
        assert directives["form-action"] == ["'self'"], url
        assert directives["frame-ancestors"] == ["'none'"], url
        assert directives["connect-src"] == ["'self'"], url  # our websocket and requests only
        everything = " ".join(value for values in directives.values() for value in values)
        for loophole in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "http:"):
            assert loophole not in everything.split(), f"{url}: {loophole}"


def test_every_script_and_style_on_our_pages_is_allowed_by_the_policy(pages) -> None:
    """Our own markup must work under the policy: what it blocks would silently break."""
    for url, response in pages.items():
        html = response.content.decode()
        style_sources = policy(response)["style-src"]
        nonces = {v[len("'nonce-"):-1] for v in style_sources if v.startswith("'nonce-")}
        for element in all_elements(html):
            if element.tag == "script":
                assert (element.attrs.get("src") or "").startswith("/static/"), url
            if element.tag == "style":
                assert element.attrs.get("nonce") in nonces, f"{url}: a <style> without nonce"
            if element.tag == "link" and "stylesheet" in (element.attrs.get("rel") or ""):
                assert (element.attrs.get("href") or "").startswith("/static/"), url
            assert "style" not in element.attrs, f"{url}: <{element.tag} style=...> is blocked"


def test_the_style_nonce_is_new_for_every_response(alice, lobby, client_for) -> None:
    client = client_for(alice)
    nonces = []
    for _ in range(3):
        html = client.get("/rooms/lobby/").content.decode()
        nonces += [el.attrs["nonce"] for el in all_elements(html) if el.tag == "style"]
    assert len(nonces) == 3 and len(set(nonces)) == 3
    assert all(re.fullmatch(r"[A-Za-z0-9+/=_-]{16,}", nonce) for nonce in nonces)


def test_htmx_runs_without_eval_and_only_talks_to_us(pages) -> None:
    for url, response in pages.items():
        (meta,) = find(response.content.decode(), name="htmx-config")
        config = json.loads(meta.attrs["content"] or "")
        assert config["allowEval"] is False, url
        assert config["selfRequestsOnly"] is True, url
        assert config["allowScriptTags"] is False, url


def test_pages_cannot_be_framed_or_sniffed(pages) -> None:
    for url, response in pages.items():
        assert response.headers["X-Frame-Options"] == "DENY", url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        assert response.headers["Referrer-Policy"] == "same-origin", url
