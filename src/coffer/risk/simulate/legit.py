"""Legitimate activity, with its hard cases: travellers, new phones, one-off big purchases,
new customers with a large first top-up, salary days, merchants and employers, sleepers."""

from __future__ import annotations

import math
import random

from coffer.risk.simulate.world import MCCS, TRAVEL_COUNTRIES, SimCustomer, World

DAY = 86400.0


def populate(world: World, customers: int, days: int) -> None:
    """Create the customers: most exist before the start, some join during the period."""
    rng = world.rng
    legal_count = max(4, customers // world.variant.legal_divisor)
    employers: list[SimCustomer] = []
    merchants: list[SimCustomer] = []
    for index in range(legal_count):
        created = world.start - rng.uniform(60, 900) * DAY
        role = "employer" if index % 2 == 0 else "merchant"
        legal = world.add_customer(created, "legal", kyc_level="verified", role=role)
        legal.rate = rng.uniform(0.2, 1.0)
        (employers if role == "employer" else merchants).append(legal)
    naturals = customers - legal_count
    for _ in range(naturals):
        if rng.random() >= world.variant.join_share:
            created = world.start - rng.uniform(5, 700) * DAY
        else:
            created = world.start + rng.uniform(0, days * 0.95) * DAY
        person = world.add_customer(created)
        person.rate = rng.lognormvariate(math.log(0.45), 0.6)
        person.amount_mu = rng.uniform(2.8, 4.3)  # log EUR of a typical payment
        person.amount_sigma = rng.uniform(0.5, 1.0)
        if rng.random() < 0.55 and employers:
            employer = rng.choice(employers)
            person.employer = employer.id
            person.salary = int(rng.uniform(1500, 5000)) * 100
        if rng.random() < 0.03:
            person.role = "sleeper"
            person.rate = 0.02
        if rng.random() < world.variant.travel_share:
            begin = world.start + rng.uniform(0, days - 5) * DAY
            person.travel = (begin, begin + rng.uniform(4, 15) * DAY, rng.choice(TRAVEL_COUNTRIES))
        if created < world.start:
            person.balance = int(rng.uniform(0, 1500)) * 100
    ids = [c.id for c in world.customers.values() if c.kind == "natural"]
    for customer in world.customers.values():
        if customer.kind == "natural":
            customer.friends = rng.sample(ids, min(len(ids), rng.randint(2, 7)))
    # private landlords: several tenants pay them rent on the same day of each month
    for landlord_id in rng.sample(ids, max(1, len(ids) // 60)):
        for tenant_id in rng.sample(ids, rng.randint(3, 7)):
            tenant = world.customers[tenant_id]
            if tenant_id != landlord_id and tenant.landlord is None:
                tenant.landlord = landlord_id
                tenant.rent = int(rng.uniform(450, 1300)) * 100


def _legal_targets(world: World) -> tuple[list[SimCustomer], list[SimCustomer]]:
    legal = [c for c in world.customers.values() if c.kind == "legal"]
    return [c for c in legal if c.role == "merchant"], [c for c in legal if c.role == "employer"]


def simulate_day(world: World, day: int) -> None:
    """Emit one day of legitimate activity of every customer."""
    rng = world.rng
    base = world.start + day * DAY
    merchants, _ = _legal_targets(world)
    salary_day = (day % 30) == 26
    for customer in list(world.customers.values()):
        if customer.created_at >= base + DAY or customer.busy_until > base:
            continue
        if customer.kind == "legal":
            _legal_day(world, customer, base, salary_day)
            continue
        if customer.role == "actor":
            continue
        if customer.landlord is not None and day % 30 == 1 and customer.created_at < base:
            world.transaction(
                base + rng.uniform(6, 22) * 3600,
                "transfer",
                customer,
                customer.rent,
                customer.landlord,
                None,
                customer.country,
                customer.devices[0],
            )
        if rng.random() < 0.002 and len(customer.friends) >= 2:  # friends chip in for a gift
            moment = base + rng.uniform(8, 20) * 3600
            for friend_id in customer.friends + rng.sample(list(world.customers), 3):
                friend = world.customers[friend_id]
                if friend.kind == "natural" and friend_id != customer.id:
                    moment += rng.uniform(60, 3 * 3600)
                    world.transaction(
                        moment,
                        "transfer",
                        friend,
                        int(rng.uniform(10, 60)) * 100,
                        customer.id,
                        None,
                        friend.country,
                        friend.devices[0],
                    )
        first_day = base <= customer.created_at < base + DAY
        if first_day:
            _first_top_up(world, customer, customer.created_at + rng.uniform(300, 7200))
            continue
        if customer.created_at > base:
            continue
        activity = customer.rate
        if rng.random() < 0.01:  # a new phone now and then
            customer.devices.insert(0, world.new_id("d"))
        count = poisson(rng, activity)
        if count == 0:
            continue
        moment = base + rng.uniform(7, 21) * 3600
        device = customer.devices[0]
        ip = world.home_ip(customer, moment)
        world.login(moment - rng.uniform(20, 600), customer, device, ip)
        for _ in range(count):
            moment += rng.expovariate(1 / 1800)
            _one_action(world, customer, moment, device, ip, merchants)


def poisson(rng: random.Random, rate: float, most: int = 20) -> int:
    """A Poisson draw of mean ``rate``, at most ``most``."""
    limit = math.exp(-rate)
    count = 0
    product = rng.random()
    while product > limit and count < most:
        count += 1
        product *= rng.random()
    return count


def _first_top_up(world: World, customer: SimCustomer, at: float) -> None:
    rng = world.rng
    device = customer.devices[0]
    world.login(at - 60, customer, device, customer.country)
    large = rng.random() < 0.25
    amount = int(rng.uniform(1000, 6000) if large else rng.uniform(20, 300)) * 100
    if rng.random() < 0.5:
        world.transaction(
            at, "payin_card", customer, amount, None, customer.cards[0], customer.country, device
        )
    else:
        world.transaction(at, "payin_bank", customer, amount, customer.iban)


def _paid_by_bank(
    world: World, legal: SimCustomer, base: float, low: int, high: int, country: str
) -> None:
    """A business paid by bank transfer during office hours of the day starting at
    ``base``: between ``low`` and ``high`` major units, from an account in ``country``."""
    rng = world.rng
    world.transaction(
        base + rng.uniform(8, 18) * 3600,
        "payin_bank",
        legal,
        int(rng.uniform(low, high)) * 100,
        f"iban:{country}{rng.randrange(10**15)}",
    )


def _shop(
    world: World, customer: SimCustomer, at: float, amount: int, device: str, ip: str
) -> None:
    """A card payment at one of the simulated merchants."""
    rng = world.rng
    world.transaction(
        at,
        "payment",
        customer,
        amount,
        f"merchant:m{rng.randrange(500)}",
        None,
        ip,
        device,
        rng.choice(MCCS),
    )


def _top_up(
    world: World, customer: SimCustomer, at: float, device: str, ip: str, amount: int
) -> None:
    if world.rng.random() < 0.55:
        world.transaction(at, "payin_card", customer, amount, None, customer.cards[0], ip, device)
    else:
        world.transaction(at, "payin_bank", customer, amount, customer.iban)


def _one_action(
    world: World,
    customer: SimCustomer,
    at: float,
    device: str,
    ip: str,
    merchants: list[SimCustomer],
) -> None:
    rng = world.rng
    typical = int(math.exp(customer.amount_mu) * 100)
    roll = rng.random()
    if roll < 0.004:  # one-off big purchase, paid after a matching top-up
        amount = int(typical * rng.uniform(10, 40))
        _top_up(world, customer, at, device, ip, amount)
        _shop(world, customer, at + rng.uniform(60, 1800), amount, device, ip)
        return
    if customer.balance < typical * 3:
        amount = int(max(typical * rng.uniform(3, 12), 2000) / 1000) * 1000
        _top_up(world, customer, at, device, ip, amount)
        at += rng.uniform(30, 600)
    if roll < 0.68:
        amount = int(rng.lognormvariate(customer.amount_mu, customer.amount_sigma) * 100)
        if merchants and rng.random() < 0.25:
            merchant = rng.choice(merchants)
            world.transaction(at, "payin_card", merchant, amount, None, customer.cards[0])
        else:
            _shop(world, customer, at, amount, device, ip)
    elif roll < 0.82 and customer.friends:
        amount = int(rng.uniform(5, 150)) * 100
        friend = rng.choice(customer.friends)
        if friend != customer.id:
            world.transaction(at, "transfer", customer, amount, friend, None, ip, device)
    elif roll < 0.9 and merchants:
        merchant = rng.choice(merchants)
        amount = int(rng.lognormvariate(customer.amount_mu + 0.8, 0.7) * 100)
        world.transaction(at, "transfer", customer, amount, merchant.id, None, ip, device)
    elif customer.balance > 2000:
        share = rng.uniform(0.3, 1.0)
        world.transaction(
            at, "payout", customer, int(customer.balance * share), customer.iban, None, ip, device
        )


def _legal_day(world: World, legal: SimCustomer, base: float, salary_day: bool) -> None:
    rng = world.rng
    if legal.role == "employer":
        if salary_day:
            staff = [
                c
                for c in world.customers.values()
                if c.employer == legal.id and c.created_at < base
            ]
            total = sum(c.salary for c in staff)
            if staff:
                world.transaction(base + 7 * 3600, "payin_bank", legal, total + 100_000, legal.iban)
            moment = base + 8 * 3600
            for person in staff:
                moment += rng.uniform(1, 30)
                world.transaction(moment, "transfer", legal, person.salary, person.id)
        elif rng.random() < 0.05:
            _paid_by_bank(world, legal, base, 500, 20000, "DE")
        return
    if rng.random() < legal.rate * 0.3:
        _paid_by_bank(world, legal, base, 200, 8000, "FR")
    if day_of_week(base) == 4 and legal.balance > 10_000:
        world.transaction(base + 17 * 3600, "payout", legal, int(legal.balance * 0.9), legal.iban)


def day_of_week(at: float) -> int:
    return int((at // DAY + 3) % 7)  # 1970-01-01 was a Thursday
