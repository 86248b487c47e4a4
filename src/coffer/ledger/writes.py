"""What one batch writes (:class:`Writes`), the journal head it moves (:class:`Head`),
and why a write is refused (:class:`StaleHead`, :class:`UniqueViolation`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BalanceRow = tuple[str, str, int, int, int, int, int | None]


@dataclass(slots=True)
class Writes:
    """Everything one batch writes. Row tuples omit the ledger id."""

    transactions: list[tuple[Any, ...]] = field(default_factory=list)
    postings: list[tuple[Any, ...]] = field(default_factory=list)
    journal: list[tuple[Any, ...]] = field(default_factory=list)
    holds: list[tuple[Any, ...]] = field(default_factory=list)
    checkpoints: list[tuple[Any, ...]] = field(default_factory=list)
    # Keyed changes (dicts so a failed request can be undone key by key).
    balances: dict[tuple[str, str], None] = field(default_factory=dict)
    new_accounts: dict[str, int] = field(default_factory=dict)
    account_metadata: dict[str, str] = field(default_factory=dict)
    tx_metadata: dict[int, str] = field(default_factory=dict)
    hold_status: dict[int, str] = field(default_factory=dict)
    # Pending amounts or an overdraft changed: the balance rows must be written with this
    # batch (a catch-up adds postings to the rows, nothing else).
    eager: bool = False

    def empty(self) -> bool:
        return not (self.journal or self.checkpoints or self.balances or self.new_accounts)


@dataclass(slots=True)
class Head:
    next_seq: int
    head_hash: bytes
    next_tx_id: int
    next_hold_id: int


class StaleHead(Exception):
    """Another writer moved the ledger head since this process last saw it."""


class UniqueViolation(Exception):
    """A reference, idempotency key or revert was already taken (checked by an index)."""
