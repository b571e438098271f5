"""Processes under test: a private Redis, the bench database, Daphne for us and the baseline.

Every server is started fresh for each measurement with the same Daphne command line
as the Procfile (or Uvicorn with the equivalent flags: ``bench.commands``), and watched
with psutil (CPU time and resident memory of its pid).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.commands import server_command
from tests import harness
from tests.harness import free_port, stop_process

ROOT = harness.REPO
RESULTS = ROOT / "bench" / "results"
LOGS = RESULTS / "logs"


VARIANTS = {
    # name: (ASGI application, settings module, extra environment)
    "ours": ("config.asgi:application", "bench.settings", {"CHANNEL_LAYER": "pubsub"}),
    "ours-core": ("config.asgi:application", "bench.settings", {"CHANNEL_LAYER": "core"}),
    # ours without the PostgreSQL connection pool production uses (the lever measured)
    "ours-nopool": ("config.asgi:application", "bench.settings", {"BENCH_DB_POOL": "0"}),
    # ours with no bound on handshakes in progress (what the storm collapsed before)
    "ours-unbounded": ("config.asgi:application", "bench.settings",
                       {"CHAT_HANDSHAKE_LIMIT": "1000000"}),
    # ours as an older commit had it: the same server run from the unpacked tree named by
    # BENCH_BEFORE_TREE (``git archive COMMIT | tar -x -C DIR``), for before/after in one run
    "before": ("config.asgi:application", "bench.settings", {"CHANNEL_LAYER": "pubsub"}),
    # ours served by Uvicorn instead of Daphne (bench.commands: the equivalent flags)
    "ours-uvicorn": ("config.asgi:application", "bench.settings", {"CHANNEL_LAYER": "pubsub"}),
    # The references run on the standard library's event loop, as their docs run them (the
    # Procfile's launcher, config/serve.py, puts ours on uvloop; ``ours:CHAT_EVENT_LOOP=asyncio``
    # measures ours without it in the same run).
    "baseline": ("bench.baseline.asgi:application", "bench.baseline.settings",
                 {"CHAT_EVENT_LOOP": "asyncio"}),
    # the Channels tutorial exactly as its docs write it (bench/tutorial)
    "tutorial": ("bench.tutorial.asgi:application", "bench.tutorial.settings",
                 {"CHAT_EVENT_LOOP": "asyncio"}),
}


def variant_spec(name: str) -> tuple[str, str, dict[str, str]]:
    """A variant, or a variant with settings changed: ``ours:CHAT_HANDSHAKE_LIMIT=32``
    (several joined by ``:``) measures a setting beside the default in one run."""
    base, *settings = name.split(":")
    app, settings_module, extra = VARIANTS[base]
    return app, settings_module, {**extra, **dict(s.split("=", 1) for s in settings)}


# What clients of each server send and where they connect (ours and the baseline alike
# unless named here): the tutorial's URL is /ws/chat/<room_name>/ with \w+ names, its
# frame {"message": ...}, and its visitors are anonymous.
TUTORIAL_PATH = "/ws/chat/{slug}/"


def client_options(variant: str, port: int, slug: str, cookies: list[str]) -> dict[str, object]:
    """The part of a load generator's spec that depends on the server: URL (``slug``
    may hold ``{room}``), Origin, cookies and the JSON key of a message."""
    base = f"ws://127.0.0.1:{port}"
    if variant == "tutorial":
        url = base + TUTORIAL_PATH.format(slug=slug.replace("-", "_"))
        return {"url": url, "origin": f"http://127.0.0.1:{port}", "cookies": [],
                "body_key": "message"}
    return {"url": f"{base}/ws/rooms/{slug}/", "origin": f"http://127.0.0.1:{port}",
            "cookies": cookies}


def tree(variant: str) -> Path:
    """Where a variant's server runs from: this checkout, or BENCH_BEFORE_TREE."""
    if variant.split(":")[0] != "before":
        return ROOT
    before = os.environ.get("BENCH_BEFORE_TREE")
    if not before or not (Path(before) / "manage.py").exists():
        raise SystemExit("the 'before' variant needs BENCH_BEFORE_TREE: an unpacked older "
                         "commit (git archive COMMIT | tar -x -C DIR)")
    return Path(before)


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen | None = None) -> None:
    harness.wait_for_port(port, process=proc, timeout=timeout, what="the server")


def raise_open_files_limit() -> int:
    """Raise this process's (and its children's) open-file limit to the hard limit."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# ---------------------------------------------------------------------------- Redis
class Redis:
    """A private redis-server on a free port, or an existing one given by URL."""

    def __init__(self, url: str | None = None) -> None:
        self.server: harness.RedisServer | None = None
        if url:
            self.url = url
            self.pid = None
            self._refuse_if_in_use()
            return
        self._workdir = tempfile.TemporaryDirectory()
        self.server = harness.RedisServer(Path(self._workdir.name), "--maxclients", "20000")
        self.server.start()
        self.url = self.server.url
        self.pid = self.server.process.pid if self.server.process else None

    def _refuse_if_in_use(self) -> None:
        """The bench empties its Redis database between rounds: never one holding data."""
        import redis

        client = redis.Redis.from_url(self.url)
        try:
            keys = client.dbsize()
        finally:
            client.close()
        if keys:
            raise SystemExit(
                f"bench: the Redis database at {self.url} holds {keys} keys, and the bench "
                "empties its database between rounds. Give it an empty one (another database "
                "number), or no --redis-url to let it start its own redis-server."
            )

    def flush(self) -> None:
        import redis

        client = redis.Redis.from_url(self.url)
        try:
            client.flushdb()
        finally:
            client.close()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self._workdir.cleanup()


# ---------------------------------------------------------------------------- Daphne
@dataclass
class Server:
    variant: str
    env: dict[str, str]
    log_name: str
    port: int = 0
    proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, warm: bool = True) -> Server:
        """Start on a free port, or on ``self.port`` again (a restart)."""
        app, settings_module, extra = variant_spec(self.variant)
        self.port = self.port or free_port()
        env = {**os.environ, **self.env, **extra, "DJANGO_SETTINGS_MODULE": settings_module}
        LOGS.mkdir(parents=True, exist_ok=True)
        log = open(LOGS / f"{self.log_name}.log", "ab")  # closed with the process
        self.proc = subprocess.Popen(
            server_command(self.variant, self.port, app),
            cwd=tree(self.variant), env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        wait_for_port(self.port, 60, self.proc)
        if warm and self.variant not in {"baseline", "tutorial"}:
            # First request loads URLconf, templates and the database connection.
            urllib.request.urlopen(f"{self.base_url}/accounts/login/", timeout=30).read()
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, like a crashed dyno."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)


# ---------------------------------------------------------------------------- monitor
@dataclass
class Watch:
    """CPU time and peak resident memory of some processes, sampled in a thread."""

    pids: dict[str, int]
    interval: float = 0.2
    peak_rss: dict[str, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.procs = {name: psutil.Process(pid) for name, pid in self.pids.items()}

    def cpu(self) -> dict[str, float]:
        out = {}
        for name, proc in self.procs.items():
            try:
                times = proc.cpu_times()
                out[name] = times.user + times.system
            except psutil.Error:
                out[name] = float("nan")
        return out

    def rss(self, name: str) -> int:
        return self.procs[name].memory_info().rss

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, proc in self.procs.items():
                try:
                    rss = proc.memory_info().rss
                except psutil.Error:
                    continue
                self.peak_rss[name] = max(self.peak_rss.get(name, 0), rss)
            self._stop.wait(self.interval)

    def __enter__(self) -> Watch:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
