"""How htmx's ws extension reconnects, reproduced for the load generator.

From the extension's source (django_htmx/static/django_htmx/ext/hx-ws-2.js, htmx 2):
``socket.onclose`` retries only close codes 1006, 1011, 1012 and 1013, after
``getWebSocketReconnectDelay(retryCount)``, which for ``"full-jitter"`` (the default)
is ``1000 * 2 ** min(retryCount, 6) * Math.random()`` ms; the count grows by one per
attempt and goes back to 0 only when a socket opens. A handshake that fails at the
HTTP level (refused, 403, 503, connection refused, dropped) never opens: the browser
reports it as close code 1006, so it is retried with a growing count.
"""

from __future__ import annotations

import random

from websockets.exceptions import InvalidHandshake, InvalidStatus

RETRIED_CLOSE_CODES = frozenset({1006, 1011, 1012, 1013})


def full_jitter_delay(retry_count: int) -> float:
    """Seconds before the next attempt (``retry_count`` attempts already made)."""
    return 2 ** min(retry_count, 6) * random.random()


def attempt_outcome(exc: BaseException) -> str:
    """A short name for why a handshake failed, for the results table."""
    if isinstance(exc, InvalidStatus):
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"  # nothing listening yet
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, InvalidHandshake):
        return "no valid HTTP response"  # Daphne dropped it past its connect timeout
    if isinstance(exc, OSError):
        return "connection error"
    return type(exc).__name__
