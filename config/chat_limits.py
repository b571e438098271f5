"""The product's own settings (CHAT_*): limits, timings and notification email.

Read into config.settings; each comes from the environment variable of its name where
an operator may tune it (README, "Configuration").
"""

from __future__ import annotations

from config.env import env_float, env_int

# ---------------------------------------------------------------------------
# Notifications: email about mentions and direct messages not read within the delay.
# ---------------------------------------------------------------------------
CHAT_NOTIFY_DELAY = env_int("CHAT_NOTIFY_DELAY", 120)
# The worker also looks for due batches every SWEEP seconds (a task lost with a killed
# worker, or failed on a database error, is retried then).
CHAT_NOTIFY_SWEEP = env_int("CHAT_NOTIFY_SWEEP", 60)
# How long an unsubscribe link in an email keeps working (seconds; default 60 days).
CHAT_UNSUBSCRIBE_MAX_AGE = env_int("CHAT_UNSUBSCRIBE_MAX_AGE", 60 * 60 * 24 * 60)

# ---------------------------------------------------------------------------
# Chat limits
# ---------------------------------------------------------------------------
CHAT_MESSAGE_MAX_LENGTH = 2000
CHAT_PAGE_SIZE = 50
# Per-user message rate: RATE messages per WINDOW seconds (shared through the cache).
CHAT_RATE_LIMIT = env_int("CHAT_RATE_LIMIT", 10)
CHAT_RATE_WINDOW = env_int("CHAT_RATE_WINDOW", 10)
# Per-user creation rate of rooms and conversations together: LIMIT per WINDOW seconds.
CHAT_ROOM_CREATE_LIMIT = env_int("CHAT_ROOM_CREATE_LIMIT", 5)
CHAT_ROOM_CREATE_WINDOW = env_int("CHAT_ROOM_CREATE_WINDOW", 60)
# Presence: a connection heartbeats every INTERVAL seconds and is online for TTL seconds after.
CHAT_PRESENCE_INTERVAL = env_int("CHAT_PRESENCE_INTERVAL", 15)
CHAT_PRESENCE_TTL = env_int("CHAT_PRESENCE_TTL", 40)
# Catch-up: more missed changes than this and the client gets the latest page instead
# (one page of 50: every frame we send stays far below Daphne's message size cap).
CHAT_CATCHUP_LIMIT = 50
# A socket that gets an event before the one preceding it waits this long for that one
# (another process may publish it a moment later) before reading the gap from the database.
CHAT_REORDER_WAIT = env_float("CHAT_REORDER_WAIT", 0.3)
# Largest websocket frame the consumer looks at (Daphne's own cap is set in the Procfile).
CHAT_MAX_FRAME_BYTES = 16 * 1024
# Largest frame the consumer sends. Daphne's --websocket-max-message-size (Procfile) also
# caps outgoing frames: a catch-up bigger than this is sent as a smaller page instead.
CHAT_MAX_SENT_FRAME_BYTES = 512 * 1024
# Websocket handshakes in progress at once per process (config/admission.py). Admitted
# handshakes must finish well inside Daphne's connect timeout (Procfile: 15 s) even on
# a slow dyno. Those in progress together share one database lookup (rooms.handshake), so
# a larger limit means larger batches, not more contention: 64 measured best in a storm.
CHAT_HANDSHAKE_LIMIT = env_int("CHAT_HANDSHAKE_LIMIT", 64)
# Handshakes beyond the limit wait in line (at most QUEUE of them, each at most WAIT
# seconds, which leaves the rest of Daphne's connect timeout for the work); beyond that,
# refused at once, and the browser retries with its backoff. A refusal sends a browser
# away for up to 2^n s, so the line holds a whole restart's crowd: one process admits
# ~450 handshakes/s here, 4,500 in the wait.
CHAT_HANDSHAKE_QUEUE = env_int("CHAT_HANDSHAKE_QUEUE", 5000)
CHAT_HANDSHAKE_WAIT = env_float("CHAT_HANDSHAKE_WAIT", 10.0)
# Read state: each process writes what its open room sockets have shown once per this
# many seconds (and a socket's own position when it closes). A crash loses at most this.
CHAT_READ_FLUSH_INTERVAL = env_float("CHAT_READ_FLUSH_INTERVAL", 3.0)
# Typing: "alice is typing…" lasts this long after her latest typing frame (clients send
# at most one every 3 s while typing), and a socket's typing frames closer together than
# CHAT_TYPING_MIN_GAP are ignored.
CHAT_TYPING_TTL = env_float("CHAT_TYPING_TTL", 5.0)
CHAT_TYPING_MIN_GAP = 2.0
