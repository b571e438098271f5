"""The web process's launcher (config/serve.py): Daphne on uvloop unless told otherwise.

Run as the Procfile runs it, in a child process (the event loop policy is per process);
the Procfile test (tests/reliability/test_procfile.py) serves real pages through it."""

from __future__ import annotations

import subprocess
import sys

from tests.harness import REPO, procfile

PROBE = (
    "import asyncio; from config.serve import install_event_loop; "
    "name = install_event_loop(); loop = asyncio.new_event_loop(); "
    "print(name, type(loop).__module__.split('.')[0])"
)


def _probe(**env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True, text=True, timeout=60, check=True,
    )
    return result.stdout.strip()


def test_the_web_process_runs_daphne_on_uvloop() -> None:
    assert procfile()["web"].startswith("python -m config.serve ")
    assert _probe() == "uvloop uvloop"


def test_an_operator_can_switch_back_to_the_standard_loop() -> None:
    assert _probe(CHAT_EVENT_LOOP="asyncio") == "asyncio asyncio"


def test_the_launcher_is_daphnes_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "config.serve", "--help"], cwd=REPO,
        capture_output=True, text=True, timeout=60, check=True,
    )
    assert "usage: daphne" in result.stdout and "--websocket_connect_timeout" in result.stdout


def test_the_application_keeps_its_startup_objects_out_of_the_collectors_sight() -> None:
    """A full collection walking Django's objects is a pause no socket is served in."""
    result = subprocess.run(
        [sys.executable, "-c", "import gc, config.asgi; print(gc.get_freeze_count())"],
        cwd=REPO, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=60,
        check=True,
    )
    assert int(result.stdout.strip()) > 50_000
