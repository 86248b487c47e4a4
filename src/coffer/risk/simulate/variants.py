"""Worlds that differ from the training defaults: ``coffer risk simulate --variant NAME``.

A model tuned on one simulator meets another one in the field. The variants move what a
foreign simulator is likely to move, so that the loss of detection can be measured in one
command (``bench/risk_backtest.py --variants base,merchants,shifted``):

- ``base``: the defaults the model is developed on.
- ``merchants``: card testing only through acquiring merchants, each attack spread over
  several of them; push-payment scams as one large payout, mostly without a top-up first;
  account takeovers mostly from the victim's own country.
- ``shifted``: every amount on another scale in another currency (x2.5, GBP), more
  customers joining during the period, more travellers, twice the share of companies,
  scams paid out in several smaller payments, mules that wait hours to days, card testing
  spread over two merchants in most attacks.
- ``independent``: another simulator altogether (:mod:`coffer.risk.simulate.independent`),
  written apart from the default one: USD amounts log-normal per customer with heavy tails,
  other rhythms, merchants acquiring payments from cards outside the platform, and its own
  fraud and laundering mechanics.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["VARIANTS", "Variant"]


@dataclass(frozen=True)
class Variant:
    name: str = "base"
    generator: str = "default"  # or "independent": the separately written simulator
    currency: str = "EUR"
    amount_scale: float = 1.0  # every written amount times this
    join_share: float = 0.15  # customers created during the period
    travel_share: float = 0.12
    legal_divisor: int = 25  # one company per this many customers
    card_testing_via_merchant: float = 0.4  # share of card testing acquired by merchants
    card_testing_merchants: int = 1  # merchants one attack is spread over
    card_probe_max: int = 900  # largest probe, minor units (before amount_scale)
    scam_payouts: tuple[int, int] = (1, 3)
    scam_share: tuple[float, float] = (0.4, 0.95)  # of the balance, each payout
    scam_top_up: float = 0.6  # chance the victim moves money in first
    takeover_foreign_ip: float = 0.7
    mule_gap_hours: tuple[float, float] = (1 / 6, 8.0)  # between a mule's incoming payments


VARIANTS: dict[str, Variant] = {
    "base": Variant(),
    "merchants": Variant(
        name="merchants",
        card_testing_via_merchant=1.0,
        card_testing_merchants=4,
        card_probe_max=1_500,
        scam_payouts=(1, 1),
        scam_share=(0.85, 1.0),
        scam_top_up=0.3,
        takeover_foreign_ip=0.3,
    ),
    "shifted": Variant(
        name="shifted",
        currency="GBP",
        amount_scale=2.5,
        join_share=0.35,
        travel_share=0.25,
        legal_divisor=12,
        card_testing_via_merchant=0.7,
        card_testing_merchants=2,
        scam_payouts=(2, 5),
        scam_share=(0.15, 0.35),
        mule_gap_hours=(2.0, 36.0),
    ),
    "independent": Variant(name="independent", generator="independent", currency="USD"),
}
