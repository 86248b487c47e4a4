"""Requests queued for the sequencer, and the waiters that block callers until they are done."""

from __future__ import annotations

import enum
import hashlib
import threading
from dataclasses import dataclass, field
from typing import Any

from coffer.errors import CofferError
from coffer.ledger.models import Posting


class Op(enum.IntEnum):
    POST = 1
    HOLD = 2
    POST_HOLD = 3
    VOID_HOLD = 4
    REVERT = 5
    TX_METADATA = 6
    TX_METADATA_DELETE = 7
    ACCOUNT_METADATA = 8
    ACCOUNT_METADATA_DELETE = 9
    OVERDRAFT = 10
    RUN = 11
    GROUP = 12
    NOOP = 13
    CHECKPOINT = 14


class Waiter:
    """Blocks one calling thread until its requests are done or it is asked to lead."""

    __slots__ = ("_lock", "lead", "pending", "released")

    def __init__(self, pending: int) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()
        self.pending = pending
        self.lead = False
        self.released = False

    def wake(self) -> None:
        if not self.released:
            self.released = True
            self._lock.release()

    def wait(self) -> None:
        self._lock.acquire()

    def rearm(self) -> None:
        """After a wake that did not finish our requests (a call to lead), block again."""
        if self.released:
            self._lock.acquire(blocking=False)
            self.released = False


@dataclass(slots=True, eq=False)
class Request:
    op: Op
    waiter: Waiter | None = None
    postings: tuple[Posting, ...] = ()
    metadata: dict[str, str] | None = None
    reference: str | None = None
    timestamp: int | None = None
    idempotency_key: str | None = None
    request_hash: bytes | None = None
    timeout_micros: int | None = None
    # account -> overdraft granted by this transaction (None: unbounded)
    overdrafts: dict[str, int | None] | None = None
    target_id: int | None = None
    amounts: list[int] | None = None
    force: bool = False
    at_effective_date: bool = False
    address: str | None = None
    asset: str | None = None
    limit: int | None = None
    key: str | None = None
    script: Any = None
    variables: dict[str, str] | None = None
    feature_flags: frozenset[str] = frozenset()
    pending: bool = False
    dry_run: bool = False
    children: list[Request] = field(default_factory=list)
    result: Any = None
    error: CofferError | None = None
    ticket: int = 0  # arrival order, kept when a batch is applied again
    attempts: int = 0
    careful: bool = False  # look references and keys up in the database first


def request_hash(*parts: object) -> bytes:
    """A digest of a request's payload, to tell a retry from a different request."""
    return hashlib.sha256(repr(parts).encode()).digest()
