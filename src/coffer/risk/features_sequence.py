"""Sequence features: money sent to payees new to the customer, and cards moving between
merchants, over the last 24 hours and 7 days.

A push-payment scam paid in instalments reads, one payment at a time, as a customer paying a
new payee an ordinary amount; what stands out is the sequence: a growing share of the money
available going to payees that appeared in the last days. A stolen card used at several
merchants reads, at each one, as a new shopper; what stands out is the number of merchants
that card reached within hours. :class:`SequenceState` is part of
:class:`coffer.risk.features.FeatureState` (one definition for training, backtest and the
online path); it is keyed by the same entities (customer, card), so the batched runs of
:func:`coffer.risk.features.run_length` stay exact.
"""

from __future__ import annotations

from coffer.risk.events import Transaction
from coffer.risk.windows import DAY, DistinctWindow, Window

RECENT_PAYEE = 7 * DAY  # a payee first paid this recently is "new"

SEQUENCE_FEATURE_NAMES: tuple[str, ...] = (
    "new_payee_out_share_24h",
    "new_payee_out_share_7d",
    "new_payee_payments_7d",
    "payee_known_days",
    "card_merchants_24h",
)


class PayeeHistory:
    """One customer's payees (when each was first paid) and the money sent to new ones."""

    __slots__ = ("first_paid", "to_new")

    def __init__(self) -> None:
        self.first_paid: dict[str, float] = {}
        self.to_new = Window((DAY, RECENT_PAYEE))


class SequenceState:
    """Per customer, payees and money to new payees; per card, the merchants it paid."""

    def __init__(self) -> None:
        self.payees: dict[str, PayeeHistory] = {}
        self.card_merchants: dict[str, DistinctWindow] = {}

    def observe(self, tx: Transaction) -> None:
        now = tx.at
        cp = tx.counterparty
        if not tx.is_credit and cp is not None and not cp.startswith("merchant:"):
            history = self.payees.get(tx.customer_id)
            if history is None:
                history = self.payees[tx.customer_id] = PayeeHistory()
            first = history.first_paid.setdefault(cp, now)
            if now - first < RECENT_PAYEE:
                history.to_new.add(now, tx.amount)
        if tx.kind == "payin_card" and tx.card_fingerprint is not None and tx.device_id is None:
            merchants = self.card_merchants.get(tx.card_fingerprint)
            if merchants is None:
                merchants = self.card_merchants[tx.card_fingerprint] = DistinctWindow(DAY)
            merchants.add(now, tx.customer_id)

    def features(self, tx: Transaction, balance: int, out_24h: int, out_7d: int) -> list[float]:
        """For ``tx`` (not yet observed), with the customer's balance before it and its money
        out over 24 h and 7 d: the share of the money available (balance plus what already
        left) sent to new payees including ``tx`` (24 h, 7 d), payments to new payees in
        7 d, days since this payee was first paid (-1: never), merchants the card paid in
        24 h including this one."""
        now = tx.at
        cp = tx.counterparty
        merchants = self.card_merchants.get(tx.card_fingerprint or "")
        acquired = tx.kind == "payin_card" and tx.card_fingerprint is not None
        card_merchants = 0.0
        if acquired and tx.device_id is None:
            seen = merchants.count(now) if merchants is not None else 0
            known = merchants is not None and tx.customer_id in merchants
            card_merchants = float(seen + (0 if known else 1))
        history = self.payees.get(tx.customer_id)
        if tx.is_credit or cp is None or cp.startswith("merchant:"):
            counts = history.to_new.stats(now)[0] if history is not None else [0, 0]
            return [0.0, 0.0, float(counts[1]), -1.0, card_merchants]
        first = history.first_paid.get(cp) if history is not None else None
        new_now = first is None or now - first < RECENT_PAYEE
        extra = tx.amount if new_now else 0
        if history is not None:
            counts, sums = history.to_new.stats(now)
        else:
            counts, sums = [0, 0], [0, 0]
        available_24h = max(balance, 0) + out_24h
        available_7d = max(balance, 0) + out_7d
        return [
            _share(sums[0] + extra, available_24h),
            _share(sums[1] + extra, available_7d),
            float(counts[1] + (1 if new_now else 0)),
            (now - first) / DAY if first is not None else -1.0,
            card_merchants,
        ]


def _share(part: float, whole: float) -> float:
    if whole <= 0:
        return 10.0 if part > 0 else 0.0
    return min(part / whole, 10.0)
