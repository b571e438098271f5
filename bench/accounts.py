"""Log bench users in through the real login form and keep their session cookies.

Logging in costs one PBKDF2 hash on the server (about a third of a second here, one
at a time: Django runs sync views in a single thread under ASGI), so cookies are kept
in ``bench/results/`` per database and reused while the server still accepts them.
"""

from __future__ import annotations

import http.client
import json
import re
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def login(base_url: str, username: str, password: str) -> str:
    """The Cookie header of a fresh session for ``username``, via ``/accounts/login/``."""
    host = urlsplit(base_url).netloc
    conn = http.client.HTTPConnection(host, timeout=60)
    try:
        conn.request("GET", "/accounts/login/")
        page = conn.getresponse()
        html = page.read().decode()
        cookies = _cookies(page)
        match = CSRF_INPUT.search(html)
        if page.status != 200 or match is None or "csrftoken" not in cookies:
            raise RuntimeError(f"login page: HTTP {page.status}, no CSRF token")
        form = urlencode(
            {"login": username, "password": password, "csrfmiddlewaretoken": match[1]}
        )
        conn.request(
            "POST", "/accounts/login/", body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookies['csrftoken']}",
                "Referer": f"{base_url}/accounts/login/",
            },
        )
        answer = conn.getresponse()
        answer.read()
        session = _cookies(answer).get("sessionid")
        if answer.status != 302 or not session:
            raise RuntimeError(f"login of {username} failed: HTTP {answer.status}")
        return f"sessionid={session}"
    finally:
        conn.close()


def get(base_url: str, path: str, cookie: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=60)
    try:
        conn.request("GET", path, headers={"Cookie": cookie})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def sessions(
    base_url: str, usernames: list[str], password: str, cache: Path, *, relogin: bool = False,
) -> tuple[list[str], int]:
    """One Cookie header per user, and how many logins through the form it took."""
    known: dict[str, str] = {}
    if cache.exists() and not relogin:
        known = json.loads(cache.read_text())

    def valid(name: str) -> bool:
        cookie = known.get(name)
        return cookie is not None and get(base_url, "/rooms/", cookie)[0] == 200

    with ThreadPoolExecutor(8) as pool:
        ok = dict(zip(usernames, pool.map(valid, usernames), strict=True))
    missing = [name for name in usernames if not ok[name]]
    with ThreadPoolExecutor(4) as pool:
        for name, cookie in zip(
            missing, pool.map(lambda n: login(base_url, n, password), missing), strict=True
        ):
            known[name] = cookie
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(known))
    return [known[name] for name in usernames], len(missing)
