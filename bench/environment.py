"""What a bench run starts from: the database, Django scripts, versions and the machine."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.servers import RESULTS, ROOT

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/chatrooms_bench"


def database_url(option: str | None) -> str:
    if option == "sqlite":
        RESULTS.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{RESULTS / 'bench.sqlite3'}"
    return option or DEFAULT_DATABASE


def create_postgres_database(url: str) -> None:
    """Create the database named in ``url`` if it does not exist yet."""
    import psycopg
    from psycopg import sql

    name = str(psycopg.conninfo.conninfo_to_dict(url)["dbname"])
    maintenance = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def django_script(module: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, check=True, capture_output=True,
        text=True, env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "bench.settings"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    names = ["Django", "channels", "channels-redis", "daphne", "Twisted", "redis", "hiredis",
             "psycopg", "websockets", "uvicorn", "uvloop", "httptools"]
    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:  # Uvicorn and its extras: requirements-dev.txt only
            found[name] = "not installed"
    found["python"] = platform.python_version()
    redis_server = subprocess.run(["redis-server", "--version"], capture_output=True, text=True)
    found["redis-server"] = redis_server.stdout.split("v=")[-1].split()[0]
    return found


def machine() -> dict[str, Any]:
    import psutil

    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = round(psutil.virtual_memory().total / 2**30, 1)
    return {"cores": psutil.cpu_count(), "memory_gb": memory, "cpu": cpu_model,
            "os": platform.platform(), "load_before": os.getloadavg()}
