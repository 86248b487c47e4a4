"""Earning points: pure functions over a program's rules (exact, rounded down)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from fractions import Fraction

from coffer.fx.loyalty.schemas import EarnRule, Tier
from coffer.wallets import currencies


def points_for(
    rules: Sequence[EarnRule],
    *,
    amount: int,
    currency: str,
    at: datetime,
    mcc: str | None = None,
    campaign: str | None = None,
) -> int:
    """Points a payment of ``amount`` minor units earns: each matching rule adds
    floor(major units x points_per_unit), at most its ``cap``."""
    major = Fraction(amount, 10 ** currencies.exponent(currency))
    total = 0
    for rule in rules:
        if rule.currency is not None and rule.currency != currency:
            continue
        if rule.mcc is not None and rule.mcc != mcc:
            continue
        if rule.campaign is not None and rule.campaign != campaign:
            continue
        if rule.starts_at is not None and at < _aware(rule.starts_at):
            continue
        if rule.ends_at is not None and at >= _aware(rule.ends_at):
            continue
        earned = int(major * Fraction(rule.points_per_unit))  # floor: amounts are >= 0
        if rule.cap is not None:
            earned = min(earned, rule.cap)
        total += earned
    return total


def tier_for(tiers: Sequence[Tier], points_in_window: int) -> str | None:
    """The highest tier whose threshold the points earned in the window reach."""
    best: Tier | None = None
    for tier in tiers:
        if points_in_window >= tier.min_points and (
            best is None or tier.min_points > best.min_points
        ):
            best = tier
    return best.name if best else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
