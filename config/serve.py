"""``python -m config.serve``: Daphne, on uvloop's event loop (the Procfile's web process).

Daphne runs Twisted on top of an asyncio event loop, which it creates when
``daphne.server`` is first imported; the loop is whatever the event loop policy makes.
Every frame a socket sends goes through that loop twice (Twisted registers the socket for
writing, then writes when it is writable), and every channel-layer event wakes a task per
socket, so the loop's own overhead is paid per delivery. uvloop implements the same loop in
C: measured on scenario b, a fifth less server CPU for the same 4,000 deliveries a second
(docs/performance.md, "Round five"). Everything else is Daphne's command line, unchanged.

``CHAT_EVENT_LOOP=asyncio`` runs on the standard library's loop instead (the benchmark's
references run as their docs write them; an operator can switch back without a deploy of
code).
"""

from __future__ import annotations

import asyncio
import os
import sys


def install_event_loop() -> str:
    """Make new event loops uvloop's unless ``CHAT_EVENT_LOOP=asyncio``; the loop's name."""
    if os.environ.get("CHAT_EVENT_LOOP", "uvloop").strip().lower() == "asyncio":
        return "asyncio"
    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


def main() -> None:
    install_event_loop()
    # Imported after the policy is set: daphne.server creates its loop on import.
    from daphne.cli import CommandLineInterface

    sys.argv[0] = "daphne"
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
