"""Load benchmark of Chatrooms against the bare Channels tutorial (docs/performance.md)."""
