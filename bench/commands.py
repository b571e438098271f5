"""The command line that serves a variant: the Procfile's Daphne, or Uvicorn with its flags.

A variant whose name ends in ``-uvicorn`` (``ours-uvicorn``) runs the same ASGI
application under Uvicorn instead of Daphne, with the Procfile's Daphne options
translated to Uvicorn's where Uvicorn has an equivalent (``UVICORN_EQUIVALENTS``).
"""

from __future__ import annotations

from tests import harness

# Procfile Daphne option -> Uvicorn option, for those that have one.
UVICORN_EQUIVALENTS = {
    "--websocket-max-message-size": "--ws-max-size",
    "--ping-interval": "--ws-ping-interval",
    "--ping-timeout": "--ws-ping-timeout",
    # Daphne: how long the application gets to finish after its socket closed; the
    # nearest in Uvicorn: how long connections and tasks get on shutdown.
    "--application-close-timeout": "--timeout-graceful-shutdown",
}
# Daphne options without an equivalent in Uvicorn, and what Uvicorn does instead:
UVICORN_HAS_NO = {
    "--websocket_timeout": "no lifetime limit on a socket (the Procfile's -1 means the same)",
    "--websocket_connect_timeout": "no limit on how long the application takes to accept",
    "--websocket-max-frame-size": "frames are limited by --ws-max-size only",
}
# Uvicorn's defaults that differ from Daphne's behaviour, set back to Daphne's:
UVICORN_AS_DAPHNE = [
    "--ws-per-message-deflate", "false",  # Daphne negotiates no compression
    "--no-proxy-headers",  # the Procfile gives Daphne no --proxy-headers
    "--lifespan", "off",  # Channels' router has no lifespan protocol (Daphne sends none)
]
# Logging is left at Uvicorn's defaults: a line per handshake, open and close, as Daphne
# writes a line per connecting, connect and disconnect.


def procfile_daphne_options() -> list[str]:
    """The Daphne options of the Procfile's web process, without address (its endpoint,
    whose listen backlog Uvicorn's ``--backlog`` default of 2048 matches closely) and
    application.

    Both servers run with them, so we measure what production runs.
    """
    args = harness.daphne_command(0)
    options, skip = [], False
    # After the words that start Daphne; the last token is the application.
    for token in args[harness.daphne_launcher_length(args):-1]:
        if skip:
            skip = False
        elif token in {"--bind", "-b", "--port", "-p", "-e", "--endpoint"}:
            skip = True
        else:
            options.append(token)
    return options


def uvicorn_options(daphne_options: list[str]) -> list[str]:
    """Uvicorn's options equivalent to ``daphne_options`` (``--name value`` pairs)."""
    options: list[str] = []
    for name, value in zip(daphne_options[::2], daphne_options[1::2], strict=True):
        if name in UVICORN_EQUIVALENTS:
            options += [UVICORN_EQUIVALENTS[name], value]
        elif name not in UVICORN_HAS_NO:
            raise ValueError(f"no Uvicorn equivalent decided for Daphne's {name}")
    return options + UVICORN_AS_DAPHNE


def uvicorn_command(port: int, application: str) -> list[str]:
    return [
        str(harness.VENV_BIN / "uvicorn"), "--host", harness.HOST, "--port", str(port),
        *uvicorn_options(procfile_daphne_options()), application,
    ]


def is_uvicorn(variant: str) -> bool:
    return variant.split(":")[0].endswith("-uvicorn")


def server_command(variant: str, port: int, application: str) -> list[str]:
    """How ``variant`` is served on ``port``: the Procfile's Daphne, or Uvicorn."""
    if is_uvicorn(variant):
        return uvicorn_command(port, application)
    return harness.daphne_command(port, application=application)
