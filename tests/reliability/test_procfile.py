"""Heroku, simulated: the Procfile's ``release`` then ``web`` under honcho, in production
mode, on PostgreSQL and a TLS Redis (``rediss://``, self-signed like Heroku Redis).

Like a Heroku build, the app is copied to its own directory (the "slug") and
``collectstatic`` runs there first. Requests carry the headers Heroku's router adds
(``X-Forwarded-Proto: https``, ``X-Forwarded-For``), since the app only speaks https.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.conf import settings

from tests.reliability.peers import Peer
from tests.reliability.processes import (
    HOST,
    PASSWORD,
    REPO,
    VENV_BIN,
    Databases,
    free_port,
    log_tail,
    procfile,
    redis_server,
    stop_process,
    wait_for_port,
)

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

SLUG_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "staticfiles", "__pycache__", "*.pyc", "db.sqlite3",
    ".pytest_cache", ".ruff_cache", ".hypothesis", "test-artifacts", "results", ".env",
)


@pytest.fixture
def tls_redis(tmp_path: Path) -> Iterator[str]:
    """A Redis that only speaks TLS, with a self-signed certificate; yields its rediss:// URL."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed to make the TLS Redis's certificate.")
    cert, key = tmp_path / "redis.crt", tmp_path / "redis.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    with redis_server(
        tmp_path, "--tls-cert-file", str(cert), "--tls-key-file", str(key),
        "--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no",
    ) as port:
        yield f"rediss://{HOST}:{port}/0"


@pytest.fixture
def slug(tmp_path: Path) -> Path:
    app = tmp_path / "app"
    shutil.copytree(REPO, app, ignore=SLUG_IGNORE)
    return app


def heroku_env(*, port: int, database_url: str, redis_url: str) -> dict[str, str]:
    """Config vars, as on a dyno: nothing from the test's own environment but PATH."""
    return {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PORT": str(port),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
    }


def honcho(*args: str, cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("a") as out:
        return subprocess.Popen(
            [str(VENV_BIN / "honcho"), *args], cwd=cwd, env=env, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,  # its own group: stop them all
        )


class Visitor:
    """A browser as far as the server can tell: cookies (Secure ones too, since the
    router terminated TLS), the router's headers, CSRF tokens from the forms."""

    def __init__(self, base: str, client_ip: str) -> None:
        self.base = base
        self.origin = base.replace("http://", "https://")
        self.cookies: dict[str, str] = {}
        self.set_cookie_headers: list[str] = []
        self.headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": client_ip,
                        "X-Forwarded-Port": "443"}

    def request(self, method: str, path: str, **kwargs: object) -> requests.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = requests.request(
            method, self.base + path, headers=headers, allow_redirects=False, timeout=15,
            **kwargs,  # type: ignore[arg-type]
        )
        self.set_cookie_headers += response.raw.headers.getlist("Set-Cookie")
        self.cookies.update(response.cookies.get_dict())
        return response

    def post_form(self, path: str, data: dict[str, str]) -> requests.Response:
        page = self.request("GET", path)
        assert page.status_code == 200, f"GET {path}: {page.status_code}"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, f"no CSRF token on {path}"
        return self.request(
            "POST", path, data={"csrfmiddlewaretoken": token.group(1), **data},
            headers={"Origin": self.origin, "Referer": self.origin + path},
        )

    def set_cookie(self, name: str) -> str:
        return next(h for h in reversed(self.set_cookie_headers) if h.startswith(f"{name}="))


async def test_procfile_release_and_web_on_postgres_and_tls_redis(
    databases: Databases, tls_redis: str, slug: Path, tmp_path: Path,
) -> None:
    if not databases.postgres:
        pytest.fail("The Procfile run needs PostgreSQL: set DATABASE_URL=postgres://...")
    port = free_port()
    env = heroku_env(
        port=port, database_url=databases.new_empty_postgres("heroku"), redis_url=tls_redis
    )
    log = tmp_path / "honcho.log"

    # The build: static files collected into the slug.
    build = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", "collectstatic", "--no-input"],
        cwd=slug, env=env, capture_output=True, text=True, timeout=120,
    )
    assert build.returncode == 0, build.stdout + build.stderr

    # The release phase runs to completion before any web process starts.
    release = honcho("start", "release", cwd=slug, env=env, log=log)
    try:
        assert release.wait(timeout=120) == 0, log_tail(log)
    finally:
        stop_process(release, group=True)
    assert "Applying rooms.0001_initial" in log.read_text()

    web = honcho("start", "web", cwd=slug, env=env, log=log)
    try:
        wait_for_port(port, process=web, log=log)
        base = f"http://{HOST}:{port}"

        # Plain http is sent to https; behind the router's header the app answers.
        plain = requests.get(base + "/accounts/login/", allow_redirects=False, timeout=15)
        assert plain.status_code == 301
        assert plain.headers["Location"] == f"https://{HOST}:{port}/accounts/login/"

        alice = Visitor(base, "203.0.113.10")
        signup = alice.post_form("/accounts/signup/", {
            "username": "alice", "password1": PASSWORD, "password2": PASSWORD,
        })
        assert signup.status_code == 302, signup.text[:2000]
        for cookie in ("sessionid", "csrftoken"):
            assert "; Secure" in alice.set_cookie(cookie), alice.set_cookie(cookie)
        assert "HttpOnly" in alice.set_cookie("sessionid")

        bob = Visitor(base, "203.0.113.11")
        assert bob.post_form("/accounts/signup/", {
            "username": "bob", "password1": PASSWORD, "password2": PASSWORD,
        }).status_code == 302
        bob = Visitor(base, "203.0.113.11")  # a new device: log in instead
        login = bob.post_form("/accounts/login/", {"login": "bob", "password": PASSWORD})
        assert login.status_code == 302, login.text[:2000]

        room = alice.request("GET", "/rooms/lobby/")
        assert room.status_code == 200
        assert "max-age=" in room.headers.get("Strict-Transport-Security", "")
        # collectstatic's hashed names, served by WhiteNoise.
        stylesheet = re.search(r'href="(/static/css/dist/styles\.[0-9a-f]+\.css)"', room.text)
        assert stylesheet, "the page does not link the collected stylesheet"
        css = alice.request("GET", stylesheet.group(1))
        assert css.status_code == 200 and "text/css" in css.headers["Content-Type"]

        # The websocket round trip, through the rediss:// channel layer.
        ws_url = f"ws://{HOST}:{port}/ws/rooms/lobby/"
        peers = [
            await Peer.open(name, url=ws_url, origin=visitor.origin,
                            session=visitor.cookies["sessionid"])
            for name, visitor in (("alice", alice), ("bob", bob))
        ]
        try:
            await peers[1].wait_online(lambda names: names == ["alice", "bob"])
            message_id = await peers[0].post("Hello through the Procfile")
            frame = await peers[1].wait_for(f'id="msg-{message_id}"')
            assert ">Hello through the Procfile<" in frame and ">alice<" in frame
        finally:
            for peer in peers:
                await peer.close()
    finally:
        stop_process(web, group=True)
    assert web.returncode is not None


def test_procfile_web_never_ends_live_tabs_on_a_timer_and_pings_inside_heroku_s_window() -> None:
    args = shlex.split(procfile()["web"])

    def option(name: str) -> str | None:
        return args[args.index(name) + 1] if name in args else None

    # Daphne's default closes every websocket after 24 h with 1000, which htmx never retries.
    assert option("--websocket_timeout") == "-1"
    # Heroku's router drops a websocket idle for 55 s; Daphne looks every 2 s for a ping due.
    ping_interval = option("--ping-interval")
    assert ping_interval is not None and float(ping_interval) + 2 < 55
    # A handshake that waited its full turn in admission's line still has time for its
    # work (5 s, Daphne's default, was the whole budget), and the answer comes well
    # inside the 30 s Heroku's router waits for one.
    connect_timeout = float(option("--websocket_connect_timeout") or 5)
    assert settings.CHAT_HANDSHAKE_WAIT + 5 <= connect_timeout <= 25
