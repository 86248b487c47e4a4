"""Fraud and laundering of the ``independent`` world (:mod:`.independent`), designed apart
from :mod:`.fraud` and :mod:`.laundering`, with other mechanics and parameters:

- fraud: account takeover (a login from a new device, then payouts or transfers minutes to
  days later, sometimes a small test payout first), card testing at the platform's merchants
  with outside cards (a few cents to a few dollars, sometimes one large charge with a card
  that worked), stolen cards used at several merchants within hours, push-payment scams paid
  in instalments over days, first-party fraud (a long-quiet customer runs up card top-ups and
  cashes out), mule accounts fed by many customers and cashing out (the cash-out is fraud,
  and the account's flows are also a ``mule`` laundering pattern);
- laundering: structuring under 10,000 and 3,000 (several accounts sharing the work), long
  cycles (5 to 7 hops over weeks), slow fan-in (over 2 to 4 weeks), fan-out to outside
  accounts, rapid movement after a transfer from a customer, dormant accounts waking after
  6 months or more, scatter-gather with intermediaries holding money for days, mules.
"""

from __future__ import annotations

from collections.abc import Callable

from coffer.risk.simulate.independent import ABROAD, COUNTRIES, DAY, HOUR, Independent
from coffer.risk.simulate.world import Pattern, SimCustomer

HELD_OUT_INDEPENDENT = ("app_instalments", "card_testing")
OFFSHORE = ("KY", "PA", "AE", "HK", "CY", "LV", "SG")


def _outside(sim: Independent, country: str = "US") -> str:
    return f"iban:{country}{sim.world.rng.randrange(10**15, 10**16)}"


def _someone(sim: Independent, at: float, minimum: int = 0, age: float = 20) -> SimCustomer:
    """An established natural customer (created ``age`` days before), or a new one."""
    world = sim.world
    people = [
        c
        for c in world.customers.values()
        if c.kind == "natural"
        and c.role == "person"
        and c.created_at < at - age * DAY
        and c.balance >= minimum
    ]
    if people:
        return world.rng.choice(people)
    return _recruit(sim, at - age * DAY)


def _recruit(sim: Independent, at: float) -> SimCustomer:
    world = sim.world
    kyc = world.rng.choice(("none", "light", "light", "verified"))
    return world.add_customer(at, "natural", world.rng.choice(COUNTRIES), kyc, "actor")


def _own(customer: SimCustomer, sim: Independent, at: float) -> tuple[str, str]:
    return customer.devices[0], sim.world.home_ip(customer, at)


# fraud ------------------------------------------------------------------------------------


def account_takeover(sim: Independent, at: float) -> None:
    world, rng = sim.world, sim.world.rng
    victim = _someone(sim, at, 20_000)
    device = world.new_id("d")
    ip = victim.country if rng.random() < 0.55 else rng.choice(ABROAD)
    world.login(at, victim, device, ip)
    moment = at + (rng.uniform(120, 1800) if rng.random() < 0.6 else rng.uniform(1, 72) * HOUR)
    world.login(moment - 60, victim, device, ip)
    target = _outside(sim, rng.choice(("US", "GB", "LT", "NG")))
    if rng.random() < 0.3:
        mule = _recruit(sim, moment - rng.uniform(1, 20) * DAY)
        target = mule.id
    if rng.random() < 0.35:  # a small payout first, to see that the account pays out
        probe = rng.randint(100, 2_000)
        world.transaction(
            moment, "payout", victim, probe, target, None, ip, device, fraud="account_takeover"
        )
        moment += rng.uniform(300, 6 * HOUR)
    for _ in range(rng.randint(1, 3)):
        amount = int(victim.balance * rng.uniform(0.3, 0.95))
        if amount < 500:
            break
        kind = "transfer" if target.startswith("c") else "payout"
        world.transaction(
            moment, kind, victim, amount, target, None, ip, device, fraud="account_takeover"
        )
        moment += rng.uniform(60, 4 * HOUR)


def card_testing(sim: Independent, at: float) -> None:
    world, rng = sim.world, sim.world.rng
    if not sim.merchants:
        return
    targets = rng.sample(sim.merchants, min(len(sim.merchants), rng.randint(1, 3)))
    moment = at
    working: tuple[str, str] | None = None
    for _ in range(rng.randint(4, 30)):
        card = (world.new_id("xcard"), rng.choice(ABROAD + COUNTRIES))
        amount = rng.choice((rng.randint(1, 99), rng.randint(100, 500)))
        world.transaction(
            moment, "payin_card", rng.choice(targets), amount, None, card, fraud="card_testing"
        )
        if rng.random() < 0.2:
            working = card
        moment += rng.expovariate(1 / 90)
    if working is not None and rng.random() < 0.5:
        world.transaction(
            moment + rng.uniform(600, DAY),
            "payin_card",
            rng.choice(sim.merchants),
            rng.randint(20_000, 150_000),
            None,
            working,
            fraud="card_testing",
        )


def stolen_card_merchants(sim: Independent, at: float) -> None:
    world, rng = sim.world, sim.world.rng
    if not sim.merchants:
        return
    card = (world.new_id("xcard"), rng.choice(COUNTRIES + ABROAD))
    moment = at
    for _ in range(rng.randint(2, 7)):
        merchant = rng.choice(sim.merchants)
        amount = int(rng.lognormvariate(10.0, 0.7))
        world.transaction(
            moment, "payin_card", merchant, amount, None, card, fraud="stolen_card_merchants"
        )
        moment += rng.uniform(300, 3 * HOUR)


def app_instalments(sim: Independent, at: float) -> None:
    world, rng = sim.world, sim.world.rng
    victim = _someone(sim, at, 5_000)
    device, ip = _own(victim, sim, at)
    world.login(at - 200, victim, device, ip)
    moment = at
    if rng.random() < 0.5:
        world.transaction(
            moment, "payin_bank", victim, int(rng.uniform(1_000, 15_000)) * 100, victim.iban
        )
        moment += rng.uniform(300, 8 * HOUR)
    payee = (
        _recruit(sim, at - rng.uniform(2, 30) * DAY).id
        if rng.random() < 0.3
        else (_outside(sim, rng.choice(("US", "GB", "MX"))))
    )
    kind = "transfer" if payee.startswith("c") else "payout"
    for _ in range(rng.randint(2, 6)):
        amount = int(max(victim.balance, 20_000) * rng.uniform(0.1, 0.4))
        world.login(moment - 120, victim, device, ip)
        world.transaction(
            moment, kind, victim, amount, payee, None, ip, device, fraud="app_instalments"
        )
        moment += rng.uniform(6 * HOUR, 4 * DAY)


def first_party(sim: Independent, at: float) -> None:
    world, rng = sim.world, sim.world.rng
    customer = _someone(sim, at, 0, age=60)
    device, ip = _own(customer, sim, at)
    world.login(at - 90, customer, device, ip)
    moment = at
    for _ in range(rng.randint(2, 5)):
        card = (world.new_id("card"), customer.country)
        amount = int(rng.uniform(400, 2_500)) * 100
        world.transaction(
            moment, "payin_card", customer, amount, None, card, ip, device, fraud="first_party"
        )
        moment += rng.uniform(600, 2 * DAY)
    world.transaction(
        moment + rng.uniform(600, DAY),
        "payout",
        customer,
        int(customer.balance * rng.uniform(0.85, 1.0)),
        _outside(sim),
        None,
        ip,
        device,
        fraud="first_party",
    )


def mule_cashout(sim: Independent, at: float) -> None:
    world, rng = sim.world, sim.world.rng
    mule = _recruit(sim, at - rng.uniform(2, 40) * DAY)
    pattern = world.new_pattern("mule")  # the cash-out is fraud, the account launders too
    moment = at
    for _ in range(rng.randint(4, 12)):
        payer = _someone(sim, moment, 5_000)
        device, ip = _own(payer, sim, moment)
        amount = int(rng.uniform(50, 900)) * 100
        world.transaction(
            moment, "transfer", payer, amount, mule.id, None, ip, device, pattern=pattern
        )
        moment += rng.uniform(HOUR, 2 * DAY)
    device = mule.devices[0]
    ip = rng.choice((*ABROAD, mule.country))
    world.login(moment, mule, device, ip)
    for _ in range(rng.randint(1, 3)):
        amount = int(mule.balance * rng.uniform(0.5, 0.97))
        if amount < 500:
            break
        world.transaction(
            moment + 60,
            "payout",
            mule,
            amount,
            _outside(sim, "LT"),
            None,
            ip,
            device,
            fraud="mule_cashout",
            pattern=pattern,
        )
        moment += rng.uniform(600, 6 * HOUR)


# laundering -------------------------------------------------------------------------------


def _send(
    sim: Independent, at: float, sender: SimCustomer, amount: float, to: str, pattern: Pattern
) -> None:
    device, ip = _own(sender, sim, at)
    kind = "payout" if to.startswith("iban:") else "transfer"
    sim.world.transaction(at, kind, sender, amount, to, None, ip, device, pattern=pattern)


def _deposit(
    sim: Independent,
    at: float,
    to: SimCustomer,
    amount: float,
    pattern: Pattern,
    country: str = "US",
) -> None:
    sim.world.transaction(at, "payin_bank", to, amount, _outside(sim, country), pattern=pattern)


def _launderer(sim: Independent, at: float) -> SimCustomer:
    rng = sim.world.rng
    if rng.random() < 0.5:
        return _someone(sim, at, 0, age=40)
    return _recruit(sim, at - rng.uniform(3, 90) * DAY)


def _offshore(
    sim: Independent,
    at: float,
    account: SimCustomer,
    share: tuple[float, float],
    gap_hours: tuple[float, float],
    pattern: Pattern,
) -> None:
    """One to four payouts of a ``share`` of the balance to offshore accounts, from ``at``,
    ``gap_hours`` apart."""
    rng = sim.world.rng
    moment = at
    for _ in range(rng.randint(1, 4)):
        amount = int(account.balance * rng.uniform(*share))
        _send(sim, moment, account, amount, _outside(sim, rng.choice(OFFSHORE)), pattern)
        moment += rng.uniform(*gap_hours) * HOUR


def structuring(sim: Independent, at: float) -> None:
    rng = sim.world.rng
    pattern = sim.world.new_pattern("structuring")
    limit = rng.choice((1_000_000, 300_000))
    accounts = [_launderer(sim, at) for _ in range(rng.randint(1, 3))]
    moment = at
    for _ in range(rng.randint(4, 9)):
        amount = int(limit * rng.uniform(0.88, 0.999))
        _deposit(sim, moment, rng.choice(accounts), amount, pattern)
        moment += rng.uniform(12 * HOUR, 4 * DAY)


def long_cycle(sim: Independent, at: float) -> None:
    rng = sim.world.rng
    pattern = sim.world.new_pattern("cycle")
    ring = [_launderer(sim, at) for _ in range(rng.randint(5, 7))]
    amount = float(rng.uniform(4_000, 50_000) * 100)
    _deposit(
        sim, at - rng.uniform(1, 3) * DAY, ring[0], amount * 1.1, pattern, rng.choice(OFFSHORE)
    )
    moment = at
    for index, member in enumerate(ring):
        _send(sim, moment, member, amount, ring[(index + 1) % len(ring)].id, pattern)
        amount *= rng.uniform(0.92, 0.98)
        moment += rng.uniform(1, 6) * DAY


def slow_fan_in(sim: Independent, at: float) -> None:
    rng = sim.world.rng
    pattern = sim.world.new_pattern("fan_in")
    target = _launderer(sim, at)
    moment = at
    for _ in range(rng.randint(8, 20)):
        if rng.random() < 0.6:
            sender = _launderer(sim, moment)
            sender.balance += 300_000
            _send(sim, moment, sender, int(rng.uniform(200, 2_500)) * 100, target.id, pattern)
        else:
            _deposit(
                sim,
                moment,
                target,
                int(rng.uniform(200, 2_500)) * 100,
                pattern,
                rng.choice(OFFSHORE),
            )
        moment += rng.uniform(12 * HOUR, 2.5 * DAY)


def fan_out(sim: Independent, at: float) -> None:
    rng = sim.world.rng
    pattern = sim.world.new_pattern("fan_out")
    source = _launderer(sim, at)
    count = rng.randint(5, 15)
    each = int(rng.uniform(800, 4_000)) * 100
    _deposit(sim, at, source, each * count * 1.05, pattern, rng.choice(OFFSHORE))
    moment = at + rng.uniform(2 * HOUR, 2 * DAY)
    for _ in range(count):
        to = (
            _outside(sim, rng.choice(OFFSHORE))
            if rng.random() < 0.6
            else (_launderer(sim, moment).id)
        )
        _send(sim, moment, source, each * rng.uniform(0.85, 1.0), to, pattern)
        moment += rng.uniform(10 * 60, 12 * HOUR)


def rapid_movement(sim: Independent, at: float) -> None:
    rng = sim.world.rng
    pattern = sim.world.new_pattern("rapid_movement")
    hub = _launderer(sim, at)
    sender = _launderer(sim, at)
    amount = int(rng.uniform(2_500, 60_000)) * 100
    sender.balance += amount
    _send(sim, at, sender, amount, hub.id, pattern)
    _offshore(sim, at + rng.uniform(0.5, 12) * HOUR, hub, (0.4, 0.95), (0.2, 6), pattern)


def dormant_reactivation(sim: Independent, at: float) -> None:
    world, rng = sim.world, sim.world.rng
    pattern = world.new_pattern("dormant_reactivation")
    sleeper = world.add_customer(
        at - rng.uniform(200, 900) * DAY, "natural", rng.choice(COUNTRIES), "verified", "actor"
    )
    device, ip = _own(sleeper, sim, at)
    world.login(at - 600, sleeper, device, ip)
    _deposit(sim, at, sleeper, int(rng.uniform(3_000, 80_000)) * 100, pattern, rng.choice(OFFSHORE))
    _offshore(sim, at + rng.uniform(6 * HOUR, 5 * DAY), sleeper, (0.2, 0.8), (2, 48), pattern)


def scatter_gather(sim: Independent, at: float) -> None:
    rng = sim.world.rng
    pattern = sim.world.new_pattern("scatter_gather")
    source, sink = _launderer(sim, at), _launderer(sim, at)
    middles = [_launderer(sim, at) for _ in range(rng.randint(3, 6))]
    each = int(rng.uniform(1_500, 9_000)) * 100
    _deposit(sim, at - 2 * HOUR, source, each * len(middles) * 1.02, pattern, rng.choice(OFFSHORE))
    for middle in middles:
        _send(sim, at + rng.uniform(0, 12) * HOUR, source, each, middle.id, pattern)
    for middle in middles:
        _send(
            sim,
            at + rng.uniform(1, 4) * DAY,
            middle,
            each * rng.uniform(0.85, 0.97),
            sink.id,
            pattern,
        )


def mule(sim: Independent, at: float) -> None:
    world, rng = sim.world, sim.world.rng
    pattern = world.new_pattern("mule")
    account = _recruit(sim, at - rng.uniform(2, 25) * DAY)
    moment = at
    for _ in range(rng.randint(3, 7)):
        _deposit(
            sim,
            moment,
            account,
            int(rng.uniform(500, 4_000)) * 100,
            pattern,
            rng.choice(("US", "GB", "DE")),
        )
        moment += rng.uniform(3 * HOUR, 3 * DAY)
    _send(
        sim,
        moment,
        account,
        int(account.balance * rng.uniform(0.75, 0.98)),
        _outside(sim, rng.choice(OFFSHORE)),
        pattern,
    )


INDEPENDENT_FRAUD: dict[str, Callable[[Independent, float], None]] = {
    "account_takeover": account_takeover,
    "card_testing": card_testing,
    "stolen_card_merchants": stolen_card_merchants,
    "app_instalments": app_instalments,
    "first_party": first_party,
    "mule_cashout": mule_cashout,
}
INDEPENDENT_LAUNDERING: dict[str, Callable[[Independent, float], None]] = {
    "structuring": structuring,
    "cycle": long_cycle,
    "fan_in": slow_fan_in,
    "fan_out": fan_out,
    "rapid_movement": rapid_movement,
    "dormant_reactivation": dormant_reactivation,
    "scatter_gather": scatter_gather,
    "mule": mule,
}
