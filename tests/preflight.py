"""What ``make test`` needs, checked before it starts: ``python -m tests.preflight``.

The whole suite needs Chromium, a Redis at ``REDIS_URL`` and a PostgreSQL server at
``DATABASE_URL`` whose user may create databases (each run makes its own; the database
named in the URL need not exist). Says exactly what is missing, instead of a hundred
failing tests. ``make test-fast`` needs none of them.

With ``--install`` (what ``make test`` runs) it first installs the two tools a fresh clone
lacks: Debian's Chromium (``apt-get``, as root) and axe-core (``npm ci`` in
theme/static_src, git-ignored). Redis and PostgreSQL are services: it only checks them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def problems() -> list[str]:
    found = []
    if not shutil.which("chromium"):
        found.append("Chromium is missing: apt-get install -y chromium")
    from tests.axe import AXE

    if not AXE.exists():
        found.append(f"axe-core is missing ({AXE}): run `make css` (npm, in theme/static_src)")
    redis_url = os.environ.get("REDIS_URL", "").strip()
    if not redis_url:
        found.append("REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0)")
    else:
        import redis

        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
        except redis.RedisError as exc:
            found.append(
                f"No Redis at REDIS_URL={redis_url} ({exc}): apt-get install -y redis-server"
            )
    database_url = os.environ.get("DATABASE_URL", "").strip()
    if not database_url.startswith(("postgres://", "postgresql://")):
        found.append(f"DATABASE_URL must name a PostgreSQL server, not {database_url!r}")
    else:
        import psycopg

        admin = urlunsplit(urlsplit(database_url)._replace(path="/postgres"))
        try:
            with psycopg.connect(admin, connect_timeout=3) as conn:
                row = conn.execute(
                    "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
                ).fetchone()
            if not (row and row[0]):
                found.append(f"The user of DATABASE_URL={database_url} may not create databases")
        except psycopg.Error as exc:
            found.append(
                f"No PostgreSQL at DATABASE_URL={database_url} ({str(exc).strip()}): "
                "apt-get install -y postgresql, and a user that may create databases"
            )
    return found


def install() -> None:
    """Chromium and axe-core, when missing and the machine can install them."""
    if not shutil.which("chromium") and shutil.which("apt-get") and os.geteuid() == 0:
        print("make test: installing Chromium (apt-get install -y chromium)", file=sys.stderr)
        quiet = {"DEBIAN_FRONTEND": "noninteractive", **os.environ}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=quiet)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False, env=quiet)
    from tests.axe import AXE

    static_src = Path(__file__).resolve().parent.parent / "theme" / "static_src"
    if not AXE.exists() and shutil.which("npm") and AXE.is_relative_to(static_src):
        print("make test: installing axe-core (npm ci in theme/static_src)", file=sys.stderr)
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=static_src, check=False,
        )


if __name__ == "__main__":
    if "--install" in sys.argv[1:]:
        install()
    missing = problems()
    for line in missing:
        print(f"make test: {line}", file=sys.stderr)
    if missing:
        print("(`make test-fast` needs none of these.)", file=sys.stderr)
    sys.exit(1 if missing else 0)
