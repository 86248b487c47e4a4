"""Behaviour features: a payment against the customer's own habits, scale-free.

What carries from one world to another is not an amount or a count but a change: money to one
payee far above what the customer usually sends in a week, a week's outflow far above the
usual one, repeated payments to a payee that appeared days ago, a payment to a new payee soon
after a login from a new device, the share of the funds at hand that one payee received. Each
is a ratio to the customer's own history, so it means the same whatever the currency's scale
or the simulator's habits. :class:`BehaviourState` is part of
:class:`coffer.risk.features.FeatureState`; it is keyed by customer (and, within a customer,
by payee), so the batched runs of :func:`coffer.risk.features.run_length` stay exact.
"""

from __future__ import annotations

import math

from coffer.risk.events import Transaction
from coffer.risk.windows import DAY, Window

WEEK = 7 * DAY
RECENT_PAYEE = WEEK  # a payee first paid this recently is "new"
MIN_HISTORY = 14 * DAY  # the usual week is averaged over at least this much history
NO_PAYEE = -5.0  # the log-ratio features when the transaction pays no payee

BEHAVIOUR_FEATURE_NAMES: tuple[str, ...] = (
    "payee_sent_7d_vs_usual_week",
    "payee_payments_7d",
    "out_7d_vs_usual_week",
    "new_payee_amount_vs_own",
    "payee_funds_share_7d",
)


class PayeeWindows:
    """One customer's money out: since when, how much in all, and per payee over 7 days."""

    __slots__ = ("first_out", "payees", "total_out")

    def __init__(self, now: float) -> None:
        self.first_out = now
        self.total_out = 0
        self.payees: dict[str, Window] = {}


class BehaviourState:
    """Per customer, total money out and, per payee, a 7-day window of payments."""

    def __init__(self) -> None:
        self.customers: dict[str, PayeeWindows] = {}

    def observe(self, tx: Transaction) -> None:
        if tx.is_credit:
            return
        now = tx.at
        history = self.customers.get(tx.customer_id)
        if history is None:
            history = self.customers[tx.customer_id] = PayeeWindows(now)
        history.total_out += tx.amount
        cp = tx.counterparty
        if cp is None or cp.startswith("merchant:"):
            return
        window = history.payees.get(cp)
        if window is None:
            window = history.payees[cp] = Window((WEEK,))
        window.add(now, tx.amount)

    def features(
        self,
        tx: Transaction,
        *,
        balance: int,
        out_7d: int,
        own_mean_log: float | None,
        payee_first_days: float,
    ) -> list[float]:
        """For ``tx`` (not yet observed), with the customer's balance before it, money out
        over 7 days, the mean log amount of its past payments (``None``: none) and the days
        since the payee was first paid (-1: never): the log-ratio of the money to this payee
        over 7 days (``tx`` included) to the customer's usual week out, payments to this
        payee over 7 days (``tx`` included), the log-ratio of the week's money out to the
        usual week, how far the amount is above the customer's usual payment when the payee
        is new (:data:`NO_PAYEE` otherwise), and the share of the funds at hand that went to
        this payee over 7 days."""
        cp = tx.counterparty
        amount = tx.amount
        history = self.customers.get(tx.customer_id)
        now = tx.at
        usual_week = 0.0
        if history is not None and history.total_out > 0:
            span = max(now - history.first_out, MIN_HISTORY)
            usual_week = history.total_out * WEEK / span
        week_out = out_7d + amount
        out_ratio = _log_ratio(week_out, usual_week)
        if tx.is_credit or cp is None or cp.startswith("merchant:"):
            return [NO_PAYEE, 0.0, out_ratio if not tx.is_credit else NO_PAYEE, NO_PAYEE, 0.0]
        window = history.payees.get(cp) if history is not None else None
        if window is not None:
            counts, sums = window.stats(now)
            sent, payments = sums[0], counts[0]
        else:
            sent, payments = 0, 0
        to_payee = sent + amount
        new_payee = payee_first_days < 0 or payee_first_days * DAY < RECENT_PAYEE
        log_amount = math.log1p(amount) if amount > 0 else 0.0
        above_own = log_amount - own_mean_log if own_mean_log is not None else log_amount - 5.0
        funds = max(balance, 0) + sent
        return [
            _log_ratio(to_payee, usual_week),
            float(payments + 1),
            out_ratio,
            above_own if new_payee else NO_PAYEE,
            min(to_payee / funds, 10.0) if funds > 0 else 10.0,
        ]


def _log_ratio(part: float, usual: float) -> float:
    """log of ``part`` over ``usual`` (a customer with no history: against one minor unit)."""
    return math.log1p(part) - math.log1p(usual)
