"""What one credential may hold open on the call channel, and how often a socket may ask
for a snapshot. Both are kept as plain numbers (a count per session, a float per socket):
no task, timer or object of their own per socket (see docs/benchmarks.md)."""

from __future__ import annotations

import json

# Snapshot requests: a burst of SNAPSHOT_BURST, then one every SNAPSHOT_INTERVAL seconds.
SNAPSHOT_BURST = 5
SNAPSHOT_INTERVAL = 1.0


class OpenSockets:
    """Call sockets open on this process, counted per session id. The cap is per process:
    with N instances a session may hold up to N times the cap."""

    def __init__(self) -> None:
        self._open: dict[str, int] = {}

    def claim(self, session_id: str, limit: int) -> bool:
        """Count one more socket for the session, or False when it already holds `limit`:
        the new one is refused, the ones already open are left alone."""
        count = self._open.get(session_id, 0)
        if count >= limit:
            return False
        self._open[session_id] = count + 1
        return True

    def release(self, session_id: str) -> None:
        count = self._open.get(session_id, 0) - 1
        if count > 0:
            self._open[session_id] = count
        else:
            self._open.pop(session_id, None)

    def count(self, session_id: str) -> int:
        return self._open.get(session_id, 0)


def take_snapshot_turn(due: float, now: float) -> tuple[bool, float]:
    """A token bucket kept as one number (GCRA): `due` is when the bucket will be full again
    (monotonic seconds; 0.0 for a new socket). Returns whether this request may have a
    snapshot and the new `due`; a refused request leaves it as it was."""
    due = max(due, now)
    if due - now > (SNAPSHOT_BURST - 1) * SNAPSHOT_INTERVAL:
        return False, due
    return True, due + SNAPSHOT_INTERVAL


def rate_limited_frame(due: float, now: float) -> str:
    """What a refused snapshot request gets instead: an error frame saying when to ask
    again (seconds)."""
    wait = max(0.0, due - now - (SNAPSHOT_BURST - 1) * SNAPSHOT_INTERVAL)
    return json.dumps({"type": "error", "code": "rate_limited",
                       "message": "Too many snapshot requests on this socket; wait and "
                                  "ask again.", "retry_after": round(wait, 2)})
