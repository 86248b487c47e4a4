"""The check hook: what must say yes before money moves.

Pay-ins, transfers, payments and payouts describe each movement as a :class:`Movement` and
ask every registered :class:`MovementCheck` (the risk engine, spending policies) before the
ledger moves anything. Each check answers a :class:`Verdict` per movement:

- ``allow``: the movement goes ahead;
- ``review``: the movement is created as a ledger hold (status ``in_review``) and a row of
  ``wallet_reviews`` remembers it; the check later calls
  :meth:`coffer.wallets.reviews.Reviews.resolve_review` to post the hold (approve) or void it
  (decline);
- ``block``: the movement is refused with :class:`~coffer.errors.RiskBlocked` (the verdict's
  public ``message`` only: no score, no rule is leaked).

A verdict carries the rows the check wants stored about its decision (``writes``: its own
tables, its own row values) and the events it wants in the wallets outbox (``events``). The
wallets domain commits them in the same database transaction as the movement's own row and
event, so a decision is stored exactly when its movement is (a blocked movement stores its
decision alone). The check stays the owner of its tables; the wallets domain only commits.

With no check registered (:attr:`Checks.active` is False) the fast path costs nothing more.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import sqlalchemy as sa

from coffer.platforms import DEFAULT_PLATFORM_ID

OUTCOMES = ("allow", "review", "block")
_RANK = {name: rank for rank, name in enumerate(OUTCOMES)}
MOVEMENT_KINDS = ("payin_card", "payin_bank", "transfer", "payment", "payout")
BLOCKED_MESSAGE = "this movement was refused; contact support if you think it is a mistake"


@dataclass(frozen=True, slots=True)
class Movement:
    """A money movement about to happen, as checks see it.

    ``customer_id`` is the customer whose wallet is debited (transfers, payments, payouts)
    or credited (pay-ins); ``counterparty`` another customer's id, ``merchant:<wallet id>``,
    ``iban:<IBAN>`` or None. ``context`` holds what the request said about its origin
    (``device_id``, ``ip_country``, ``card_country``, ``mcc`` from the movement's metadata).
    """

    kind: str
    id: str
    platform_id: str
    wallet_id: str
    customer_id: str | None
    amount: int
    currency: str
    counterparty: str | None = None
    counterparty_name: str | None = None
    card_fingerprint: str | None = None
    context: Mapping[str, str] = field(default_factory=dict)
    at: float = field(default_factory=time.time)

    @classmethod
    def of_wallet(
        cls,
        kind: str,
        movement_id: str,
        wallet: Mapping[str, Any],
        amount: int,
        currency: str,
        **details: Any,
    ) -> Movement:
        """The movement ``movement_id`` of ``amount`` debiting (or, for a pay-in,
        crediting) the wallet row ``wallet``, on its platform and customer; ``details``:
        the optional fields (counterparty, card fingerprint, context)."""
        return cls(
            kind=kind,
            id=movement_id,
            platform_id=str(wallet.get("platform_id") or DEFAULT_PLATFORM_ID),
            wallet_id=wallet["id"],
            customer_id=wallet["customer_id"],
            amount=amount,
            currency=currency,
            **details,
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    """One check's answer about one movement."""

    outcome: str  # allow | review | block
    check: str
    decision_id: str | None = None
    score: float = 0.0
    reasons: tuple[str, ...] = ()
    message: str = BLOCKED_MESSAGE  # what the customer is told when blocked
    review_deadline_micros: int | None = None
    writes: tuple[tuple[sa.Table, Mapping[str, Any]], ...] = ()
    events: tuple[tuple[str, Mapping[str, Any]], ...] = ()


@runtime_checkable
class MovementCheck(Protocol):
    """What a domain implements to be asked before money moves (see the module doc)."""

    name: str

    def check(self, movements: Sequence[Movement]) -> list[Verdict]:
        """One verdict per movement, in order; must not write to the database (the
        wallets domain commits the verdicts' ``writes`` with the movements)."""
        ...


@dataclass(frozen=True, slots=True)
class Assessment:
    """Every check's verdict on one movement, and what they add up to."""

    outcome: str
    verdicts: tuple[Verdict, ...]

    @property
    def deciding(self) -> Verdict | None:
        """The verdict that set the outcome (the first of the worst)."""
        for verdict in self.verdicts:
            if verdict.outcome == self.outcome:
                return verdict
        return None

    @property
    def writes(self) -> list[tuple[sa.Table, Mapping[str, Any]]]:
        return [write for verdict in self.verdicts for write in verdict.writes]

    @property
    def events(self) -> list[tuple[str, Mapping[str, Any]]]:
        return [event for verdict in self.verdicts for event in verdict.events]


ALLOWED = Assessment("allow", ())


class Checks:
    """The checks registered with one wallets core, asked in registration order."""

    def __init__(self) -> None:
        self._checks: tuple[MovementCheck, ...] = ()
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return bool(self._checks)

    @property
    def names(self) -> list[str]:
        return [check.name for check in self._checks]

    def register(self, check: MovementCheck) -> None:
        """Ask ``check`` about every movement from now on (a second check of the same
        name replaces the first)."""
        with self._lock:
            kept = tuple(c for c in self._checks if c.name != check.name)
            self._checks = (*kept, check)

    def unregister(self, name: str) -> None:
        with self._lock:
            self._checks = tuple(c for c in self._checks if c.name != name)

    def get(self, name: str) -> MovementCheck | None:
        for check in self._checks:
            if check.name == name:
                return check
        return None

    def assess(self, movements: Sequence[Movement]) -> list[Assessment]:
        """Each movement's assessment: the worst outcome of every check's verdict."""
        checks = self._checks
        if not checks or not movements:
            return [ALLOWED] * len(movements)
        per_check: list[list[Verdict]] = []
        for check in checks:
            verdicts = check.check(movements)
            if len(verdicts) != len(movements):
                raise RuntimeError(f"check {check.name!r} answered {len(verdicts)} verdicts")
            per_check.append(verdicts)
        out = []
        for index in range(len(movements)):
            answered = tuple(answers[index] for answers in per_check)
            worst = max((v.outcome for v in answered), key=_RANK.__getitem__)
            out.append(Assessment(worst, answered))
        return out


def context_of(metadata: Mapping[str, Any] | None) -> dict[str, str]:
    """The origin a movement's metadata states, for the checks."""
    if not metadata:
        return {}
    return {
        key: str(metadata[key])
        for key in ("device_id", "ip_country", "card_country", "mcc")
        if metadata.get(key) is not None
    }
