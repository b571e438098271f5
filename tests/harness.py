"""Starting real processes for tests and the benchmark: one module for all of them.

Daphne as the ``Procfile`` runs it (only the bind address, the port and what a caller
overrides differ), a private ``redis-server``, free ports, waiting for a port, stopping
a process, and the environment a server gets. Used by ``tests/security/live.py``,
``tests/reliability/``, ``tests/live.py`` and ``bench/servers.py``. Imports no Django, so
the benchmark can use it without settings.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
STARTUP_TIMEOUT = 30.0
# Variables that choose what a server talks to: a child gets them from its caller only.
SERVER_VARIABLES = ("DJANGO_", "DATABASE_URL", "REDIS_URL", "CHANNEL_LAYER")


# ------------------------------------------------------------------------- ports
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def log_tail(path: Path | None, lines: int = 40) -> str:
    if path is None:
        return ""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_for_port(
    port: int, *, process: subprocess.Popen | None = None, log: Path | None = None,
    what: str = "the process", timeout: float = STARTUP_TIMEOUT,
) -> None:
    """Until something listens on ``port``; AssertionError (with the log's tail) if
    ``process`` exits first or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(
                f"{what} exited with {process.returncode} before listening on {port}:\n"
                + log_tail(log)
            )
        if port_open(port):
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} did not listen on port {port} within {timeout} s:\n"
                         + log_tail(log))


def stop_process(process: subprocess.Popen, *, timeout: float = 10.0, group: bool = False) -> None:
    """SIGTERM, then SIGKILL if it does not exit. ``group``: the process leads its own group,
    and whatever it started is stopped too, also a child that outlives it (honcho can exit
    before the Daphne it started, which then kept its port after the test)."""
    if process.poll() is not None:
        return
    try:
        descendants = psutil.Process(process.pid).children(recursive=True) if group else []
    except psutil.Error:
        descendants = []
    send = (lambda sig: os.killpg(process.pid, sig)) if group else process.send_signal
    try:
        send(signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        pass
    _gone, alive = psutil.wait_procs(descendants, timeout=timeout)
    for child in alive:
        with contextlib.suppress(psutil.Error):
            child.kill()


# ------------------------------------------------------------------------- the Procfile
def procfile() -> dict[str, str]:
    """The Procfile's processes: ``{"web": "daphne ...", "release": ...}``."""
    entries = {}
    for line in (REPO / "Procfile").read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() and not name.startswith("#"):
            entries[name.strip()] = command.strip()
    return entries


def _set_option(args: list[str], names: tuple[str, ...], value: str) -> None:
    for index, arg in enumerate(args):
        if arg in names:
            args[index + 1] = value
            return
    args[-1:-1] = [names[0], value]  # before the application path


def daphne_launcher_length(args: list[str]) -> int:
    """How many leading words of a ``daphne_command`` start Daphne (the rest: options and
    the application)."""
    return 3 if len(args) > 2 and args[1:3] == ["-m", "config.serve"] else 1


def daphne_command(
    port: int, *, ping_interval: float | None = None, application: str | None = None,
) -> list[str]:
    """The Procfile's ``web`` command, bound to localhost on ``port``, with this
    environment's Python or ``daphne``; ``application`` replaces the ASGI application."""
    args = shlex.split(procfile()["web"].replace("$PORT", str(port)))
    if args[:3] == ["python", "-m", "config.serve"]:  # Daphne on uvloop (config/serve.py)
        args[0] = str(VENV_BIN / "python")
    elif args[0] == "daphne":
        args[0] = str(VENV_BIN / "daphne")
    else:
        raise AssertionError(f"the Procfile's web process is not Daphne: {args}")
    endpoint = next((i + 1 for i, arg in enumerate(args) if arg in ("-e", "--endpoint")), None)
    if endpoint is not None:  # tcp:port=…:interface=…:backlog=…, kept but for the address
        args[endpoint] = re.sub(r"interface=[^:]*", f"interface={HOST}", args[endpoint])
    else:
        _set_option(args, ("--bind", "-b"), HOST)
        _set_option(args, ("--port", "-p"), str(port))
    if ping_interval is not None:
        _set_option(args, ("--ping-interval",), str(ping_interval))
    if application is not None:
        args[-1] = application
    return args


def procfile_option(name: str) -> str:
    """The value the Procfile's ``web`` command gives Daphne option ``name``."""
    args = shlex.split(procfile()["web"])
    return args[args.index(name) + 1]


def server_env(**variables: str | None) -> dict[str, str]:
    """A server's environment: this one without the variables that choose databases,
    Redis and settings (``SERVER_VARIABLES``), plus ``variables`` (None leaves one out,
    so the setting's own default applies)."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(SERVER_VARIABLES)}
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
    )
    for key, value in variables.items():
        if value is not None:
            env[key] = value
    return env


# ------------------------------------------------------------------------- Redis
class RedisServer:
    """A private redis-server on a fixed port (extra ``args`` e.g. for TLS); can be killed
    and started again on that port."""

    def __init__(self, workdir: Path, *args: str) -> None:
        if shutil.which("redis-server") is None:
            raise AssertionError("redis-server is not installed (apt-get install redis-server).")
        self.workdir = workdir
        self.args = args
        self.port = free_port()
        self.log = workdir / f"redis-{self.port}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        scheme = "rediss" if "--tls-cert-file" in self.args else "redis"
        return f"{scheme}://{HOST}:{self.port}/0"

    def start(self) -> RedisServer:
        tls = "--tls-cert-file" in self.args
        listen = ["--port", "0", "--tls-port", str(self.port)] if tls else ["--port", str(self.port)]
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                ["redis-server", *listen, "--bind", HOST, "--save", "", "--appendonly", "no",
                 "--dir", str(self.workdir), *self.args],
                stdout=out, stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port, process=self.process, log=self.log, what="redis-server")
        return self

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)


@contextmanager
def redis_server(workdir: Path, *args: str) -> Iterator[int]:
    """A private redis-server for the duration of the block; yields its port."""
    server = RedisServer(workdir, *args)
    try:
        yield server.start().port
    finally:
        server.stop()
