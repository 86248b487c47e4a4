"""Volumes per day and asset of a ledger, for the overview's chart, kept incrementally.

Summing every posting of a ledger on each view would take seconds on a million
transactions. Instead each process keeps, per ledger, the sums per (UTC day, asset) and
the last transaction counted; a view adds the postings written since, in chunks, for at
most ``budget_seconds`` (the page says when it has not caught up yet; the next views go
on). Bounded: at most MAX_DAYS_KEPT days are kept (the oldest are dropped).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from coffer.web.console.repository import postings_after

CHUNK_POSTINGS = 5_000
MAX_DAYS_KEPT = 400
DAY_MICROS = 86_400 * 1_000_000


@dataclass
class _LedgerVolumes:
    counted_tx: int = -1  # the last transaction id whose postings are counted
    sums: dict[tuple[int, str], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0])
    )


@dataclass(frozen=True, slots=True)
class VolumeSnapshot:
    days: list[int]  # day numbers (days since the epoch), oldest first
    assets: list[str]
    amounts: dict[tuple[int, str], int]  # (day, asset) -> sum of posting amounts
    counts: dict[tuple[int, str], int]  # (day, asset) -> postings
    counted_tx: int
    caught_up: bool


class DailyVolumes:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ledgers: dict[int, _LedgerVolumes] = {}

    def snapshot(
        self,
        engine: sa.Engine,
        ledger_id: int,
        next_tx_id: int,
        *,
        budget_seconds: float = 0.05,
        days: int = 30,
        max_assets: int = 6,
    ) -> VolumeSnapshot:
        with self._lock:
            state = self._ledgers.setdefault(ledger_id, _LedgerVolumes())
            deadline = time.monotonic() + budget_seconds
            while state.counted_tx < next_tx_id - 1 and time.monotonic() < deadline:
                rows = postings_after(engine, ledger_id, state.counted_tx, limit=CHUNK_POSTINGS)
                if not rows:
                    break
                last_complete = rows[-1][0] - 1 if len(rows) == CHUNK_POSTINGS else rows[-1][0]
                for tx_id, timestamp, asset, amount in rows:
                    if tx_id > last_complete:
                        break
                    cell = state.sums[(timestamp // DAY_MICROS, asset)]
                    cell[0] += amount
                    cell[1] += 1
                if last_complete <= state.counted_tx:  # one transaction over a whole chunk
                    last_complete = rows[-1][0]
                state.counted_tx = last_complete
                self._trim(state)
            caught_up = state.counted_tx >= next_tx_id - 1
            all_days = sorted({day for day, _ in state.sums})[-days:]
            shown = set(all_days)
            by_asset: dict[str, int] = defaultdict(int)
            for (day, asset), (_, count) in state.sums.items():
                if day in shown:
                    by_asset[asset] += count
            assets = sorted(by_asset, key=lambda a: (-by_asset[a], a))[:max_assets]
            amounts = {k: v[0] for k, v in state.sums.items() if k[0] in shown and k[1] in assets}
            counts = {k: v[1] for k, v in state.sums.items() if k[0] in shown and k[1] in assets}
            return VolumeSnapshot(
                all_days, sorted(assets), amounts, counts, state.counted_tx, caught_up
            )

    @staticmethod
    def _trim(state: _LedgerVolumes) -> None:
        days = sorted({day for day, _ in state.sums})
        if len(days) > MAX_DAYS_KEPT:
            cutoff = days[-MAX_DAYS_KEPT]
            for key in [k for k in state.sums if k[0] < cutoff]:
                del state.sums[key]
