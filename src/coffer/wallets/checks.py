"""The check hook: what must say yes before money moves.

Pay-ins, transfers, payments and payouts describe each movement as a :class:`Movement` and
ask every registered :class:`MovementCheck` (the risk engine, spending policies) before the
ledger moves anything. Each check answers a :class:`Verdict` per movement:

- ``allow``: the movement goes ahead;
- ``review``: the movement is created as a ledger hold (status ``in_review``) and a row of
  ``wallet_reviews`` remembers it; the check later calls
  :meth:`coffer.wallets.reviews.Reviews.resolve_review` to post the hold (approve) or void it
  (decline);
- ``block``: the movement is refused with the verdict's ``error`` when it has one (a
  spending policy names itself and its limit), else with :class:`~coffer.errors.RiskBlocked`
  (the verdict's public ``message`` only: no score, no rule is leaked).

A verdict carries the rows the check wants stored about its decision (``writes``: its own
tables, its own row values) and the events it wants in the wallets outbox (``events``: each
event's data as a mapping, or already as its JSON text, which saves the wallets domain
building it when the check runs in its own process). The
wallets domain commits them in the same database transaction as the movement's own row and
event, so a decision is stored exactly when its movement is (a blocked movement stores its
decision alone). The check stays the owner of its tables; the wallets domain only commits.

A check that reserves something when it allows a movement (a spending policy's usage
counters) gives its verdict a ``release``: the wallets domain calls
:meth:`Assessment.release` when the movement does not happen after all (another check
blocked it, the ledger refused it), in the caller's transaction when it has one. A check
that needs the movement's own transaction reads it from :data:`UNIT` (set by
:func:`within_unit` around the checks of a movement written in one unit).

With no check registered (:attr:`Checks.active` is False) the fast path costs nothing more.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import sqlalchemy as sa

from coffer.errors import CofferError
from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.wallets.registry import MovementFacts, Registry

log = logging.getLogger(__name__)
# the caller's write transaction, when the movement's row is written in one unit with its
# checks (payments, payouts): a check writes there instead of opening its own
UNIT: contextvars.ContextVar[sa.Connection | None] = contextvars.ContextVar(
    "coffer_checks_unit", default=None
)

OUTCOMES = ("allow", "review", "block")
_RANK = {name: rank for rank, name in enumerate(OUTCOMES)}
MOVEMENT_KINDS = ("payin_card", "payin_bank", "transfer", "payment", "payout")
BLOCKED_MESSAGE = "this movement was refused; contact support if you think it is a mistake"


@dataclass(frozen=True, slots=True)
class Movement(MovementFacts):
    """A money movement about to happen, as checks see it.

    ``customer_id`` is the customer whose wallet is debited (transfers, payments, payouts)
    or credited (pay-ins); ``counterparty`` another customer's id, ``merchant:<wallet id>``,
    ``iban:<IBAN>`` or None. ``context`` holds what the request said about its origin
    (``device_id``, ``ip_country``, ``card_country``, ``mcc`` from the movement's metadata).
    """

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
    # (type, data): data as a mapping or already as its outbox JSON text
    events: tuple[tuple[str, Mapping[str, Any] | str], ...] = ()
    error: CofferError | None = None  # what a block raises instead of RiskBlocked
    # undoes what the check reserved for an allowed movement that did not happen; called
    # with the caller's connection (or None: the check opens its own unit)
    release: Callable[[sa.Connection | None], None] | None = None


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
    def records(self) -> bool:
        """Whether a verdict has rows or events to store."""
        return any(verdict.writes or verdict.events for verdict in self.verdicts)

    @property
    def writes(self) -> list[tuple[sa.Table, Mapping[str, Any]]]:
        return [write for verdict in self.verdicts for write in verdict.writes]

    @property
    def error(self) -> CofferError | None:
        """The refusal a blocking check named, if any (else the caller's RiskBlocked)."""
        deciding = self.deciding
        return None if deciding is None else deciding.error

    def release(self, connection: sa.Connection | None = None) -> None:
        """The movement did not happen: every check undoes what it reserved for it. A
        failure is logged, not raised (what stays reserved only makes limits stricter)."""
        for verdict in self.verdicts:
            if verdict.release is None:
                continue
            try:
                verdict.release(connection)
            except Exception:
                if connection is not None:
                    raise
                log.exception("check %s could not release a reservation", verdict.check)

    @property
    def events(self) -> list[tuple[str, Mapping[str, Any] | str]]:
        return [event for verdict in self.verdicts for event in verdict.events]


ALLOWED = Assessment("allow", ())


class Checks(Registry[MovementCheck]):
    """The checks registered with one wallets core, asked in registration order (a second
    check of the same name replaces the first)."""

    def assess(self, movements: Sequence[Movement]) -> list[Assessment]:
        """Each movement's assessment: the worst outcome of every check's verdict."""
        checks = self._items
        if not checks or not movements:
            return [ALLOWED] * len(movements)
        per_check: list[list[Verdict]] = []
        for check in checks:
            verdicts = check.check(movements)
            if len(verdicts) != len(movements):
                raise RuntimeError(f"check {check.name!r} answered {len(verdicts)} verdicts")
            per_check.append(verdicts)
        if len(per_check) == 1:  # one check (the common case): its verdicts decide
            return [Assessment(verdict.outcome, (verdict,)) for verdict in per_check[0]]
        out = []
        for index in range(len(movements)):
            answered = tuple(answers[index] for answers in per_check)
            worst = max((v.outcome for v in answered), key=_RANK.__getitem__)
            out.append(Assessment(worst, answered))
        return out


@contextlib.contextmanager
def within_unit(connection: sa.Connection) -> Iterator[None]:
    """Run the checks inside the caller's write transaction (see :data:`UNIT`)."""
    token = UNIT.set(connection)
    try:
        yield
    finally:
        UNIT.reset(token)


def context_of(metadata: Mapping[str, Any] | None) -> dict[str, str]:
    """The origin a movement's metadata states, for the checks."""
    if not metadata:
        return {}
    return {
        key: str(metadata[key])
        for key in ("device_id", "ip_country", "card_country", "mcc")
        if metadata.get(key) is not None
    }
