"""Fraud typologies; their transactions are labelled fraud (the typology is in the truth)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from coffer.risk.simulate.world import HOME_COUNTRIES, RISKY_COUNTRIES, SimCustomer, World

DAY = 86400.0


def _victim(world: World, at: float, minimum: int) -> SimCustomer | None:
    rng = world.rng
    candidates = [
        c
        for c in world.customers.values()
        if c.kind == "natural"
        and c.role == "person"
        and c.created_at < at - 3 * DAY
        and c.balance >= minimum
    ]
    return rng.choice(candidates) if candidates else None


def _fraudster(world: World, at: float) -> SimCustomer:
    rng = world.rng
    actor = world.add_customer(
        at, kyc_level=rng.choice(("none", "light", "light", "verified")), role="actor"
    )
    return actor


def account_takeover(world: World, at: float) -> None:
    """A new device, often abroad, then payouts to a new IBAN draining the balance."""
    rng = world.rng
    victim = _victim(world, at, 15_000)
    if victim is None:
        return
    device = world.new_id("d")
    foreign = rng.random() < world.variant.takeover_foreign_ip
    ip = rng.choice(RISKY_COUNTRIES) if foreign else victim.country
    world.login(at, victim, device, ip)
    moment = at + rng.uniform(60, 3600)
    iban = f"iban:{rng.choice(('LT', 'GB', 'RO', 'DE'))}{rng.randrange(10**15, 10**16)}"
    steps = rng.randint(1, 3)
    for step in range(steps):
        share = rng.uniform(0.7, 1.0) if step == steps - 1 else rng.uniform(0.2, 0.5)
        amount = int(victim.balance * share)
        if amount < 100:
            break
        kind = "payout" if rng.random() < 0.8 else "transfer"
        target = iban if kind == "payout" else _fraudster(world, moment - 600).id
        world.transaction(
            moment, kind, victim, amount, target, None, ip, device, fraud="account_takeover"
        )
        moment += rng.uniform(60, 1800)


def stolen_card(world: World, at: float) -> None:
    """A fresh account tops up with several stolen cards, then cashes out."""
    rng = world.rng
    actor = _fraudster(world, at - rng.uniform(600, 5 * DAY))
    device = actor.devices[0]
    ip = rng.choice(RISKY_COUNTRIES + HOME_COUNTRIES)
    world.login(at - 120, actor, device, ip)
    moment = at
    for _ in range(rng.randint(2, 6)):
        card = (world.new_id("card"), rng.choice(RISKY_COUNTRIES + HOME_COUNTRIES))
        amount = int(rng.uniform(80, 1500)) * 100
        world.transaction(
            moment, "payin_card", actor, amount, None, card, ip, device, fraud="stolen_card"
        )
        moment += rng.uniform(60, 3 * 3600)
    if rng.random() < 0.8:
        world.transaction(
            moment + rng.uniform(60, 7200),
            "payout",
            actor,
            int(actor.balance * rng.uniform(0.8, 1.0)),
            f"iban:LT{rng.randrange(10**15, 10**16)}",
            None,
            ip,
            device,
            fraud="stolen_card",
        )


def bust_out(world: World, at: float) -> None:
    """An account that behaved for weeks suddenly tops up by card and spends it all."""
    rng = world.rng
    victim = _victim(world, at, 0)
    if victim is None:
        return
    device, ip = victim.at_home()
    moment = at
    card = (world.new_id("card"), rng.choice(HOME_COUNTRIES))

    def move(kind: str, amount: float, counterparty: str | None = None, **more: Any) -> None:
        """One of the bust-out's movements at ``moment``, from the account's home."""
        world.transaction(
            moment,
            kind,
            victim,
            amount,
            counterparty,
            ip_country=ip,
            device=device,
            fraud="bust_out",
            **more,
        )

    for _ in range(rng.randint(2, 4)):
        move("payin_card", int(rng.uniform(500, 3000)) * 100, card=card)
        moment += rng.uniform(300, 3600)
    for _ in range(rng.randint(2, 5)):
        amount = int(rng.uniform(300, 2500)) * 100
        merchant = f"merchant:m{rng.randrange(500, 520)}"
        move("payment", amount, merchant, mcc="5732")
        moment += rng.uniform(120, 3600)
    if victim.balance > 1000:
        move("payout", victim.balance, victim.iban)


def app_scam(world: World, at: float) -> None:
    """Authorised push payment: the customer, on their own device, sends a large amount to a
    new beneficiary, often after moving money in for it."""
    rng = world.rng
    victim = _victim(world, at, 0)
    if victim is None:
        return
    device, ip = victim.at_home()
    world.login(at - 300, victim, device, ip)
    moment = at
    variant = world.variant
    if rng.random() < variant.scam_top_up:
        world.transaction(
            moment, "payin_bank", victim, int(rng.uniform(1000, 9000)) * 100, victim.iban
        )
        moment += rng.uniform(600, 4 * 3600)
    iban = f"iban:{rng.choice(('GB', 'LT', 'ES', 'NL'))}{rng.randrange(10**15, 10**16)}"
    for _ in range(rng.randint(*variant.scam_payouts)):
        amount = int(max(victim.balance, 10_000) * rng.uniform(*variant.scam_share))
        world.transaction(
            moment, "payout", victim, amount, iban, None, ip, device, fraud="app_scam"
        )
        moment += rng.uniform(1800, DAY)


def card_testing(world: World, at: float) -> None:
    """Many stolen cards probed with tiny amounts, on one device or through merchants (one,
    or several in the variants that spread an attack)."""
    rng = world.rng
    variant = world.variant
    moment = at
    merchants = [c for c in world.customers.values() if c.role == "merchant"]
    through_merchant = merchants and rng.random() < variant.card_testing_via_merchant
    merchant = rng.choice(merchants) if merchants else None
    spread = [merchant] if merchant is not None else []
    if variant.card_testing_merchants > 1 and merchants:
        spread = rng.sample(merchants, min(len(merchants), variant.card_testing_merchants))
    actor = _fraudster(world, at - rng.uniform(300, 2 * DAY))
    device = actor.devices[0]
    ip = rng.choice(RISKY_COUNTRIES)
    if not through_merchant:
        world.login(at - 60, actor, device, ip)
    for _ in range(rng.randint(5, 20)):
        card = (world.new_id("card"), rng.choice(RISKY_COUNTRIES + HOME_COUNTRIES))
        amount = rng.randint(100, variant.card_probe_max)
        if through_merchant and spread:
            world.transaction(
                moment,
                "payin_card",
                spread[0] if len(spread) == 1 else rng.choice(spread),
                amount,
                None,
                card,
                fraud="card_testing",
            )
        else:
            world.transaction(
                moment, "payin_card", actor, amount, None, card, ip, device, fraud="card_testing"
            )
        moment += rng.uniform(5, 300)


FRAUD_TYPOLOGIES: dict[str, Callable[[World, float], None]] = {
    "account_takeover": account_takeover,
    "stolen_card": stolen_card,
    "bust_out": bust_out,
    "app_scam": app_scam,
    "card_testing": card_testing,
}
HELD_OUT_FRAUD = ("app_scam", "card_testing")
