"""The earning hook: postings another domain adds to a movement's own ledger transaction.

Loyalty programs (``coffer.fx.loyalty``) award points with the payment that earns them and
take them back with its refund. The wallets domain knows nothing of points: it describes
the movement as an :class:`EarnEvent` (a payment settled, a card pay-in succeeded) or a
:class:`ClawbackEvent` (a refund of one), asks every registered :class:`Earner`, and runs
the movement's Numscript template with each answer's postings appended as extra ``send``
statements: one ledger transaction, both or neither. After the ledger answered, each
:class:`Extra` is told whether it was posted (``posted(transaction)``) or not
(``failed()``), so its owner settles its own rows.

With no earner registered (:attr:`Earners.active` is False) nothing changes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from coffer.ledger import Posting, Transaction
from coffer.wallets.registry import MovementFacts, Registry

logger = logging.getLogger("coffer.wallets.earning")
EARN_KINDS = ("payment", "payin_card")
MAX_EXTRA_POSTINGS = 20


@dataclass(frozen=True, slots=True)
class EarnEvent(MovementFacts):
    """A movement that may earn: ``id`` the payment's or pay-in's id; ``customer_id`` the
    customer who paid (payments) or was credited (card pay-ins); ``context`` the
    movement's metadata (``mcc``, ``loyalty_campaign``)."""

    # kind: payment | payin_card
    context: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ClawbackEvent:
    """A refund of an earning movement: ``amount`` refunded now out of ``captured``."""

    kind: str  # payment | payin_card
    id: str  # the refunded payment's or pay-in's id
    refund_id: str
    platform_id: str
    customer_id: str | None
    amount: int
    captured: int
    currency: str


def earn_context(metadata: str | Mapping[str, object] | None) -> dict[str, str]:
    """What a movement's metadata (a JSON text or a mapping) says about earning: its
    ``mcc`` and ``loyalty_campaign``."""
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return {}
    if not isinstance(metadata, Mapping):
        return {}
    return {
        key: str(metadata[key])
        for key in ("mcc", "loyalty_campaign")
        if metadata.get(key) is not None
    }


def _nothing(*_args: object) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Extra:
    """Postings to add to the movement's transaction; ``unbounded`` the sources that may
    go negative (an issuing account), every other source keeps its zero floor."""

    postings: tuple[Posting, ...]
    unbounded: frozenset[str] = frozenset()
    posted: Callable[[Transaction], None] = _nothing
    failed: Callable[[], None] = _nothing


@runtime_checkable
class Earner(Protocol):
    name: str

    def earn(self, event: EarnEvent) -> Extra | None:
        """Postings to add to the movement (None: it earns nothing); may write its own
        rows (committed before the movement: settled by ``posted``/``failed``)."""
        ...

    def claw_back(self, event: ClawbackEvent) -> Extra | None:
        """Postings to add to the refund (None: nothing to take back)."""
        ...


class Earners(Registry[Earner]):
    """The earners registered with one wallets core."""

    def earn(self, event: EarnEvent) -> list[Extra]:
        return [x for e in self._items if (x := e.earn(event)) is not None and x.postings]

    def claw_back(self, event: ClawbackEvent) -> list[Extra]:
        return [x for e in self._items if (x := e.claw_back(event)) is not None and x.postings]


def with_extras(
    template: str, variables: Mapping[str, str], extras: Sequence[Extra]
) -> tuple[str, dict[str, str]]:
    """The template with each extra posting appended as a ``send`` (variables only, never
    interpolation), and the variables those sends need."""
    postings = [(p, p.source in x.unbounded) for x in extras for p in x.postings]
    if len(postings) > MAX_EXTRA_POSTINGS:
        raise ValueError(f"at most {MAX_EXTRA_POSTINGS} extra postings per movement")
    if not template.startswith("vars {\n"):
        raise ValueError("a template with extras must start with its vars block")
    declarations: list[str] = []
    sends: list[str] = []
    values = dict(variables)
    for index, (posting, unbounded) in enumerate(postings):
        name = f"extra_{index}"
        declarations += [
            f"  account ${name}_from\n",
            f"  account ${name}_to\n",
            f"  monetary ${name}_amount\n",
        ]
        overdraft = " allowing unbounded overdraft" if unbounded else ""
        sends.append(
            f"send ${name}_amount (\n  source = ${name}_from{overdraft}\n"
            f"  destination = ${name}_to\n)\n"
        )
        values[f"{name}_from"] = posting.source
        values[f"{name}_to"] = posting.destination
        values[f"{name}_amount"] = f"{posting.asset} {posting.amount}"
    head = "vars {\n" + "".join(declarations)
    return head + template.removeprefix("vars {\n") + "".join(sends), values


def settle_extras(extras: Sequence[Extra], transaction: Transaction | None) -> None:
    """Tell each extra what became of its movement (an earner's failure is logged: the
    movement itself has happened)."""
    for extra in extras:
        try:
            if transaction is None:
                extra.failed()
            else:
                extra.posted(transaction)
        except Exception:
            logger.exception("an earner failed to settle its rows")
