"""What the AML detectors remember of each account: recent money in and out."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import NamedTuple

from coffer.risk.windows import DistinctWindow, Window

DAY = 86400.0
HOUR = 3600.0
KEEP_SECONDS = 30 * DAY  # the longest look-back of a detector but structuring's (cycles)


class Flow(NamedTuple):
    """One movement seen from an account: when, how much, which transaction, with whom."""

    at: float
    amount: int
    tx_id: str
    party: str  # a customer id, ``iban:...``, ``merchant:...`` or ``external``
    internal: bool  # party is a customer of the platform
    new_party: bool  # first movement of this account with this party


@dataclass
class AccountState:
    created_at: float
    kind: str = "natural"
    last_tx_at: float | None = None
    credits: deque[Flow] = field(default_factory=deque)
    debits: deque[Flow] = field(default_factory=deque)
    parties: set[str] = field(default_factory=set)
    woke_at: float | None = None  # start of a reactivation after dormancy
    woke_flows: list[Flow] = field(default_factory=list)
    # the most distinct senders/recipients seen in any past window that has closed
    fan_in_baseline: int = 0
    fan_out_baseline: int = 0
    fan_in_pending: deque[tuple[float, int]] = field(default_factory=deque)
    fan_out_pending: deque[tuple[float, int]] = field(default_factory=deque)
    structuring: deque[Flow] = field(default_factory=deque)
    cooldowns: dict[str, float] = field(default_factory=dict)
    # per direction ("in", "out"): distinct parties and amounts over the fan window
    fans: dict[str, tuple[DistinctWindow, Window]] = field(default_factory=dict)

    def expire(self, now: float) -> None:
        limit = now - KEEP_SECONDS
        for flows in (self.credits, self.debits):
            while flows and flows[0].at <= limit:
                flows.popleft()

    def baseline(self, direction: str, now: float, window: float) -> int:
        """Largest distinct count observed at least ``window`` seconds before ``now``."""
        pending = self.fan_in_pending if direction == "in" else self.fan_out_pending
        best = self.fan_in_baseline if direction == "in" else self.fan_out_baseline
        while pending and pending[0][0] <= now - window:
            best = max(best, pending.popleft()[1])
        if direction == "in":
            self.fan_in_baseline = best
        else:
            self.fan_out_baseline = best
        return best

    def remember_count(self, direction: str, now: float, count: int) -> None:
        pending = self.fan_in_pending if direction == "in" else self.fan_out_pending
        if pending and pending[-1][1] >= count and now - pending[-1][0] < HOUR:
            return
        if len(pending) >= 10_000:
            pending.popleft()
        pending.append((now, count))
