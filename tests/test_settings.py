"""Settings come from the environment, with safe local defaults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'debug': settings.DEBUG, 'db': settings.DATABASES['default']['ENGINE'], "
    "'layer': settings.CHANNEL_LAYERS, 'cache': settings.CACHES['default'], "
    "'hosts': settings.ALLOWED_HOSTS, 'conn_max_age': settings.DATABASES['default']['CONN_MAX_AGE']}, "
    "default=repr))"  # Redis options hold exception classes (retry_on_error)
)


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("DJANGO_", "REDIS_", "DATABASE_", "CHANNEL_"))}
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env={**clean, **env},
        capture_output=True, text=True, timeout=60,
    )


def test_no_variables_means_sqlite_and_the_in_memory_layer() -> None:
    result = _run({})
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert config["debug"] is True
    assert config["db"] == "django.db.backends.sqlite3"
    assert config["layer"]["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert config["cache"]["BACKEND"].endswith("LocMemCache")
    assert "localhost" in config["hosts"] and "*" not in config["hosts"]


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = _run({"DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "chat.example.com"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts() -> None:
    result = _run({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 60})
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_database_url_switches_to_postgres_without_persistent_connections() -> None:
    result = _run({"DATABASE_URL": "postgres://u:p@db.example.com:5432/chat"})
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert config["db"] == "django.db.backends.postgresql"
    assert config["conn_max_age"] == 0  # persistent connections leak under ASGI


def test_rediss_url_gets_tls_options_for_a_self_signed_certificate() -> None:
    result = _run({"REDIS_URL": "rediss://:secret@redis.example.com:6380"})
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    (host,) = config["layer"]["default"]["CONFIG"]["hosts"]
    assert host["address"] == "rediss://:secret@redis.example.com:6380"
    assert host["ssl_cert_reqs"] is None
    # redis-py 8's 5 s default socket timeout would kill idle channel-layer reads.
    assert host["socket_timeout"] is None
    assert config["cache"]["BACKEND"].endswith("RedisCache")
    assert config["cache"]["OPTIONS"]["ssl_cert_reqs"] is None


def test_plain_redis_url_has_no_tls_options() -> None:
    result = _run({"REDIS_URL": "redis://127.0.0.1:6379/0", "CHANNEL_LAYER": "core"})
    config = json.loads(result.stdout)
    (host,) = config["layer"]["default"]["CONFIG"]["hosts"]
    assert "ssl_cert_reqs" not in host
    assert config["layer"]["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"


@pytest.mark.slow  # several subprocesses
def test_production_postgres_uses_a_connection_pool() -> None:
    probe = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.DATABASES['default'].get('OPTIONS', {}).get('pool'))"
    )
    base = {"DATABASE_URL": "postgres://u:p@db.example.com:5432/chat"}
    production = {**base, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k" * 60,
                  "DJANGO_ALLOWED_HOSTS": "chat.example.com"}
    for env, expected in [(production, "'max_size': 8"), (base, "None"),
                          ({**production, "DJANGO_DB_POOL": "0"}, "None")]:
        clean = {k: v for k, v in os.environ.items()
                 if not k.startswith(("DJANGO_", "REDIS_", "DATABASE_", "CHANNEL_"))}
        result = subprocess.run(
            [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
            env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env}, timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout, (env, result.stdout)


@pytest.mark.slow  # several subprocesses
def test_a_pool_that_cannot_fit_the_plans_connection_limit_refuses_to_start() -> None:
    """Heroku's essential-0 allows 20 connections: three web dynos and a worker with the
    default pool of 8 could open 34. Told the limit and the processes, the app refuses."""
    probe = "import django; django.setup(); print('started')"
    production = {
        "DATABASE_URL": "postgres://u:p@db.example.com:5432/chat", "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k" * 60, "DJANGO_ALLOWED_HOSTS": "chat.example.com",
        "DJANGO_DB_CONNECTION_LIMIT": "20", "DJANGO_DB_PROCESSES": "4",
    }
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("DJANGO_", "REDIS_", "DATABASE_", "CHANNEL_"))}

    def start(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
            env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **production, **env},
            timeout=60,
        )

    refused = start()
    assert refused.returncode != 0
    assert "34 database connections, over DJANGO_DB_CONNECTION_LIMIT=20" in refused.stderr
    assert "set DJANGO_DB_POOL_SIZE to 4 or less" in refused.stderr
    # The README's numbers for essential-0 fit: 4 processes x 4 + 2 = 18.
    assert start(DJANGO_DB_POOL_SIZE="4").stdout.strip() == "started"
    # With no limit given, nothing is assumed.
    assert start(DJANGO_DB_CONNECTION_LIMIT="").stdout.strip() == "started"
