"""Refused bearer tokens on API requests, recorded in the audit log without letting a flood
fill the database.

Each refusal is counted in memory by (source address, reason, client); the counts are
written as one ``request.refused`` audit entry per key and per window (``flush``, called by
the server's housekeeping every second, writes the windows that ended). A window holds at
most ``max_keys`` keys: refusals past that are counted together in one ``request.refused``
entry from address ``*``. So a flood of any size costs at most ``max_keys + 1`` audit
entries per window, and no database write in the request path.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import sqlalchemy as sa

from coffer.identity.audit import record_now

OVERFLOW = ("*", "overflow", None)


@dataclass(slots=True)
class _Count:
    count: int = 0
    first_at: float = 0.0
    last_at: float = 0.0
    reasons: dict[str, int] = field(default_factory=dict)


class RefusalLog:
    """Counts refused requests per window and writes them to the audit log."""

    def __init__(self, engine: sa.Engine, *, window_seconds: float, max_keys: int) -> None:
        self.engine = engine
        self.window_seconds = window_seconds
        self.max_keys = max_keys
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str, str | None], _Count] = {}
        self._window_started = time.monotonic()

    def note(self, address: str | None, reason: str, client_id: str | None = None) -> None:
        """Count one refused request (memory only: never blocks on the database)."""
        now = time.time()
        key = (address or "unknown", reason, client_id)
        with self._lock:
            entry = self._counts.get(key)
            if entry is None:
                if len(self._counts) >= self.max_keys:
                    key = OVERFLOW
                    entry = self._counts.get(key)
                if entry is None:
                    entry = self._counts[key] = _Count(first_at=now)
            entry.count += 1
            entry.last_at = now
            if key == OVERFLOW:
                entry.reasons[reason] = entry.reasons.get(reason, 0) + 1

    def flush(self, *, force: bool = False) -> int:
        """Write the counts of the window if it ended (or now, when ``force``); returns
        the number of audit entries written."""
        with self._lock:
            if not force and time.monotonic() - self._window_started < self.window_seconds:
                return 0
            counts, self._counts = self._counts, {}
            self._window_started = time.monotonic()
        for (address, reason, client_id), entry in counts.items():
            details: dict[str, object] = {
                "reason": reason,
                "count": entry.count,
                "first_at": _iso(entry.first_at),
                "last_at": _iso(entry.last_at),
            }
            if entry.reasons:
                details["reasons"] = entry.reasons
            record_now(
                self.engine,
                actor=client_id or "anonymous",
                action="request.refused",
                target=client_id,
                address=address,
                details=details,
            )
        return len(counts)


def _iso(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))
