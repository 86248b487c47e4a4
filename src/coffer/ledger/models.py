"""Values the ledger takes and returns."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, NamedTuple, TypeVar


class Posting(NamedTuple):
    """Move ``amount`` (smallest unit) of ``asset`` from ``source`` to ``destination``."""

    source: str
    destination: str
    amount: int
    asset: str


class Unbounded:
    """Marker for an overdraft without limit (see :data:`UNBOUNDED`)."""

    _instance: Unbounded | None = None

    def __new__(cls) -> Unbounded:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNBOUNDED"


UNBOUNDED = Unbounded()
Overdraft = int | Unbounded


@dataclass(frozen=True, slots=True)
class TransactionRequest:
    """One transaction of a :meth:`Ledger.post_many` batch, with every option of ``post``."""

    postings: Sequence[Posting]
    metadata: Mapping[str, str] | None = None
    reference: str | None = None
    idempotency_key: str | None = None
    timestamp: datetime | None = None
    pending: bool = False
    timeout_seconds: float | None = None
    overdrafts: Mapping[str, Overdraft] | None = None


@dataclass(frozen=True, slots=True)
class ScriptRequest:
    """A Numscript program in a :meth:`Ledger.post_many` batch, with every option of ``run``."""

    script: str
    vars: Mapping[str, str] | None = None
    metadata: Mapping[str, str] | None = None
    reference: str | None = None
    idempotency_key: str | None = None
    timestamp: datetime | None = None
    pending: bool = False
    timeout_seconds: float | None = None
    feature_flags: tuple[str, ...] = ()


class Volumes(NamedTuple):
    input: int
    output: int

    @property
    def balance(self) -> int:
        return self.input - self.output


@dataclass(slots=True)
class Transaction:
    id: int
    postings: list[Posting]
    metadata: dict[str, str]
    timestamp: datetime
    inserted_at: datetime
    reference: str | None = None
    reverts_id: int | None = None
    hold_id: int | None = None
    reverted_by: int | None = None
    seq: int = -1
    # (account, asset, input, output) after the transaction, for freshly written ones.
    volumes_after: tuple[tuple[str, str, int, int], ...] | None = None

    @property
    def reverted(self) -> bool:
        return self.reverted_by is not None

    @property
    def post_commit_volumes(self) -> dict[str, dict[str, Volumes]] | None:
        """Volumes of each account the transaction touched, as it left them."""
        if self.volumes_after is None:
            return None
        out: dict[str, dict[str, Volumes]] = {}
        for account, asset, inp, out_ in self.volumes_after:
            out.setdefault(account, {})[asset] = Volumes(inp, out_)
        return out


@dataclass(slots=True)
class Hold:
    """A pending transaction: its postings are reserved until posted, voided or expired."""

    id: int
    postings: list[Posting]
    status: str  # pending | posted | voided | expired
    created_at: datetime
    expires_at: datetime | None
    reference: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    seq: int = -1


@dataclass(frozen=True, slots=True)
class Balance:
    """One account's position in one asset."""

    input: int
    output: int
    pending_input: int
    pending_output: int
    overdraft: Overdraft

    @property
    def balance(self) -> int:
        return self.input - self.output

    @property
    def available(self) -> int:
        """What the account can still send: balance minus reserved (pending) debits."""
        return self.input - self.output - self.pending_output


@dataclass(slots=True)
class Account:
    address: str
    metadata: dict[str, str]
    balances: dict[str, Balance]
    first_usage: datetime | None = None
    inserted_at: datetime | None = None
    updated_at: datetime | None = None


T = TypeVar("T")


@dataclass(slots=True)
class Page(Generic[T]):
    """A page of results; pass ``next_cursor`` back to get the next one."""

    data: list[T]
    page_size: int
    has_more: bool
    next_cursor: str | None = None
    previous_cursor: str | None = None


@dataclass(frozen=True, slots=True)
class Checkpoint:
    ledger: str
    tree_size: int
    root: bytes
    created_at: datetime
    public_key: bytes
    signature: bytes

    @classmethod
    def of_row(
        cls, ledger: str, size: Any, root: Any, created_at: Any, public_key: Any, signature: Any
    ) -> Checkpoint:
        """The checkpoint of a stored row's columns (as either backend's driver gives them)."""
        return cls(
            ledger=ledger,
            tree_size=int(size),
            root=bytes(root),
            created_at=from_micros(int(created_at)),
            public_key=bytes(public_key),
            signature=bytes(signature),
        )


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One journal entry with everything needed to recompute its hash."""

    seq: int
    kind: int
    ref_id: int | None
    body: str
    created_at: datetime
    hash: bytes
    previous_hash: bytes


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """Proof that a journal entry is leaf ``leaf_index`` of the signed tree ``checkpoint``."""

    entry: JournalEntry
    leaf_index: int
    tree_size: int
    path: list[bytes]
    checkpoint: Checkpoint


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """Proof that checkpoint ``old`` is a prefix of checkpoint ``new``."""

    old: Checkpoint
    new: Checkpoint
    path: list[bytes]


@dataclass(slots=True)
class DryRun:
    """What a transaction would do, without committing it."""

    postings: list[Posting]
    metadata: dict[str, str]
    account_metadata: dict[str, dict[str, str]]
    balances: dict[str, dict[str, int]]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def now_micros() -> int:
    return time.time_ns() // 1000


def to_micros(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)
