"""Production settings, loaded for real in a separate process with ``DJANGO_DEBUG=0``.

Settings are read once at import, so each case starts Python afresh with the
environment Heroku would give it.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import PASSWORD
from tests.security.live import database_url

# Each test but the last starts Django (or Daphne) in a subprocess.
pytestmark = pytest.mark.slow

BASE_DIR = Path(settings.BASE_DIR)

DUMP = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name, None) for name in [
    "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT", "X_FRAME_OPTIONS", "SECURE_CONTENT_TYPE_NOSNIFF",
    "ALLAUTH_TRUSTED_PROXY_COUNT", "ACCOUNT_RATE_LIMITS", "CACHES",
]}, default=repr))
"""

# What an operator sees from the outside: plain HTTP and HTTPS through Heroku's router.
REQUESTS = """
import json, django
django.setup()
from django.test import Client
client = Client(SERVER_NAME="chat.example.com")
router = {"X-Forwarded-For": "203.0.113.9"}
plain = client.get("/", headers={**router, "X-Forwarded-Proto": "http"})
secure = client.get("/", headers={**router, "X-Forwarded-Proto": "https"})
login = client.post(
    "/accounts/login/", {"login": "alice", "password": PASSWORD},
    headers={**router, "X-Forwarded-Proto": "https"},
)
def cookie(morsel):
    return {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]),
            "samesite": morsel["samesite"]}
print(json.dumps({
    "plain": [plain.status_code, plain.headers.get("Location")],
    "secure": [secure.status_code, dict(secure.headers)],
    "login": [login.status_code, {name: cookie(m) for name, m in login.cookies.items()}],
}))
"""


def production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="chat.example.com",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True,
        timeout=120,
    )


def test_check_deploy_is_clean() -> None:
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0."),
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG=0."),
    ],
)
@pytest.mark.parametrize("how", ["unset", "empty"])
def test_production_refuses_to_start_without(missing: str, message: str, how: str) -> None:
    env = production_env()
    if how == "unset":
        del env[missing]
    else:
        env[missing] = ""
    result = run(["-c", DUMP], env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_settings() -> None:
    key = secrets.token_urlsafe(64)
    result = run(["-c", DUMP], production_env(DJANGO_SECRET_KEY=key, REDIS_URL="redis://r:6379/0"))
    assert result.returncode == 0, result.stderr
    s = json.loads(result.stdout)
    assert s["DEBUG"] is False
    assert s["SECRET_KEY"] == key  # from the environment, never a default
    assert s["ALLOWED_HOSTS"] == ["chat.example.com"]
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["SESSION_COOKIE_HTTPONLY"]
    assert s["SESSION_COOKIE_SAMESITE"] == "Lax" and s["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert s["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600 and s["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["X_FRAME_OPTIONS"] == "DENY" and s["SECURE_CONTENT_TYPE_NOSNIFF"]
    # Login rate limits count per client address, taken from Heroku's router entry,
    # in a cache every process shares.
    assert s["ALLAUTH_TRUSTED_PROXY_COUNT"] == 1
    assert {"login", "login_failed", "signup"} <= set(s["ACCOUNT_RATE_LIMITS"])
    cache = s["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://r:6379/0"


@pytest.mark.django_db(transaction=True)
def test_production_over_http_and_https(alice) -> None:
    env = production_env(DATABASE_URL=database_url())
    result = run(["-c", f"PASSWORD = {PASSWORD!r}\n{REQUESTS}"], env)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    status, location = seen["plain"]
    assert (status, location) == (301, "https://chat.example.com/")

    status, headers = seen["secure"]
    assert status == 302  # to the login page: served, not redirected to https again
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in headers["Content-Security-Policy"]

    status, cookies = seen["login"]
    assert status == 302, "logging in failed"
    assert cookies["sessionid"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert cookies["csrftoken"]["secure"] and cookies["csrftoken"]["samesite"] == "Lax"


def test_env_example_documents_every_secret_and_holds_none() -> None:
    example = (BASE_DIR / ".env.example").read_text()
    values = dict(
        line.split("=", 1) for line in example.splitlines()
        if line.strip() and not line.startswith("#")
    )
    for name in ("DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL",
                 "REDIS_URL", "ALLAUTH_TRUSTED_PROXY_COUNT", "DJANGO_CSRF_TRUSTED_ORIGINS"):
        assert name in values, f".env.example does not mention {name}"
    assert values["DJANGO_SECRET_KEY"] == ""
    assert values["DJANGO_DEBUG"] == "0"
    assert "*" not in values["DJANGO_ALLOWED_HOSTS"]
