"""The ``independent`` world: legitimate activity written apart from :mod:`.legit`.

A second, separately designed simulator in the same event format, to measure what carries to a
simulator the model was not developed on. Its choices differ on purpose:

- amounts in USD, log-normal per customer with a heavy (Pareto) tail, merchants with their own
  ticket sizes;
- rhythms: a preferred hour per customer (morning, lunch, evening or night), busier weekends,
  bursty days (a day-level activity multiplier), logins without any movement, two devices
  (phone and laptop) for a third of the customers;
- one legal customer per 8, most of them merchants acquiring card payments from cards of
  people outside the platform (a repeat-shopper pool, so many cards are seen for the first
  time) and from tourists' foreign cards; merchants cash out daily or weekly;
- salaries on the last working day of the month, from employers on the platform or from bank
  accounts outside it; rent and utility bills to outside IBANs; now and then a legitimate
  large payment to a new payee (a car, a deposit, a tradesman).

Fraud and laundering of this world: :mod:`.independent_crime`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from coffer.risk.simulate.legit import poisson
from coffer.risk.simulate.world import SimCustomer, World

DAY = 86400.0
HOUR = 3600.0
COUNTRIES = ("US", "US", "US", "US", "CA", "GB", "MX", "US", "CA", "US")
ABROAD = ("MX", "FR", "JP", "GB", "IT", "BR", "DE", "ES", "CA", "TH")
CATEGORIES = ("5411", "5812", "5814", "5999", "4121", "5541", "5732", "5651", "7832", "5942")
PEAK_HOURS = (8.5, 12.5, 19.0, 22.5)


@dataclass
class Profile:
    """What this simulator keeps per customer beyond :class:`SimCustomer`."""

    mu: float  # log of a typical amount, minor units
    sigma: float
    tail: float  # chance an amount comes from the Pareto tail
    peak: float  # preferred hour
    bills: list[tuple[str, int, int]] = field(default_factory=list)  # iban, day, amount
    payees: list[str] = field(default_factory=list)  # outside IBANs paid before
    paid_outside: bool = False  # salary from an outside bank account


@dataclass
class ShopperPool:
    """Cards of people outside the platform that shop at its merchants (repeat shoppers)."""

    cards: list[tuple[str, str]] = field(default_factory=list)

    def pick(self, world: World, country: str) -> tuple[str, str]:
        rng = world.rng
        if self.cards and rng.random() < 0.65:
            index = int(len(self.cards) * rng.random() ** 2.5)  # favourite shoppers return
            return self.cards[index]
        foreign = rng.random() < 0.12
        card = (world.new_id("xcard"), rng.choice(ABROAD) if foreign else country)
        self.cards.append(card)
        return card


class Independent:
    """Drives the legitimate side of the independent world, one day at a time."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.profiles: dict[str, Profile] = {}
        self.pool = ShopperPool()
        self.merchants: list[SimCustomer] = []
        self.employers: list[SimCustomer] = []

    # population ---------------------------------------------------------------------------

    def populate(self, customers: int, days: int) -> None:
        world, rng = self.world, self.world.rng
        companies = max(6, customers // 8)
        for index in range(companies):
            created = world.start - rng.uniform(90, 2000) * DAY
            role = "merchant" if index % 4 else "employer"
            company = world.add_customer(created, "legal", rng.choice(COUNTRIES), "verified", role)
            company.rate = rng.gammavariate(1.2, 2.5)  # acquired payments a day
            company.amount_mu = rng.gauss(math.log(2_500), 0.7)
            (self.merchants if role == "merchant" else self.employers).append(company)
        for _ in range(customers - companies):
            joined = rng.random() < 0.2
            created = (
                world.start + rng.uniform(0, days * 0.9) * DAY
                if joined
                else world.start - rng.expovariate(1 / 400) * DAY - DAY
            )
            person = world.add_customer(created, "natural", rng.choice(COUNTRIES))
            self._profile(person)
        people = [c.id for c in world.customers.values() if c.kind == "natural"]
        for person_id in people:
            person = world.customers[person_id]
            person.friends = rng.sample(people, min(len(people), 1 + int(rng.expovariate(1 / 4))))

    def _profile(self, person: SimCustomer) -> None:
        rng = self.world.rng
        person.rate = rng.gammavariate(0.8, 0.7)
        person.balance = (
            int(rng.lognormvariate(math.log(60_000), 1.2))
            if person.created_at < (self.world.start)
            else 0
        )
        if rng.random() < 0.33:
            person.devices.append(self.world.new_id("d"))
        if rng.random() < 0.1:
            begin = self.world.start + rng.uniform(0, 100) * DAY
            person.travel = (begin, begin + rng.uniform(3, 21) * DAY, rng.choice(ABROAD))
        if rng.random() < 0.6 and self.employers:
            person.salary = int(rng.lognormvariate(math.log(380_000), 0.5))
            if rng.random() < 0.5:
                person.employer = rng.choice(self.employers).id
        profile = Profile(
            mu=rng.gauss(math.log(3_000), 0.6),
            sigma=rng.uniform(0.6, 1.3),
            tail=rng.uniform(0.005, 0.03),
            peak=rng.choice(PEAK_HOURS) + rng.gauss(0, 1.0),
            paid_outside=person.employer is None,
        )
        for _ in range(rng.randint(0, 3)):
            bill = f"iban:US{rng.randrange(10**15, 10**16)}"
            profile.bills.append((bill, rng.randint(1, 28), int(rng.lognormvariate(9.5, 0.6))))
        self.profiles[person.id] = profile

    # amounts and moments ------------------------------------------------------------------

    def amount(self, person: SimCustomer, scale: float = 0.0) -> int:
        rng = self.world.rng
        profile = self.profiles[person.id]
        value = rng.lognormvariate(profile.mu + scale, profile.sigma)
        if rng.random() < profile.tail:
            value *= rng.paretovariate(1.3) * 4
        return max(int(value), 50)

    def moment(self, person: SimCustomer, base: float) -> float:
        hour = self.world.rng.gauss(self.profiles[person.id].peak, 2.0) % 24
        return base + hour * HOUR

    # days ---------------------------------------------------------------------------------

    def day(self, day: int) -> None:
        world, rng = self.world, self.world.rng
        base = world.start + day * DAY
        weekday = int((base // DAY + 3) % 7)  # 0 Monday
        weekend = weekday >= 5
        month_day = day % 30 + 1
        payday = month_day == 28 or (month_day in (26, 27) and weekday == 4)
        mood = rng.lognormvariate(0, 0.25)
        for customer in list(world.customers.values()):
            if customer.created_at >= base + DAY or customer.busy_until > base:
                continue
            if customer.kind == "legal":
                self._company_day(customer, base, weekday, payday)
            elif customer.role == "person":
                self._person_day(customer, base, month_day, weekend, mood, day)

    def _person_day(
        self,
        person: SimCustomer,
        base: float,
        month_day: int,
        weekend: bool,
        mood: float,
        day: int,
    ) -> None:
        world, rng = self.world, self.world.rng
        profile = self.profiles[person.id]
        if base <= person.created_at:
            self._welcome(person, person.created_at + rng.uniform(120, 3 * HOUR))
            return
        if profile.paid_outside and person.salary and month_day == 28:
            world.transaction(
                base + rng.uniform(1, 6) * HOUR,
                "payin_bank",
                person,
                person.salary,
                f"iban:US{rng.randrange(10**15, 10**16)}",
            )
        for iban, bill_day, amount in profile.bills:
            if bill_day == month_day and person.balance > amount:
                device, ip = self._session(person, base + rng.uniform(7, 10) * HOUR)
                world.transaction(
                    base + rng.uniform(10, 11) * HOUR,
                    "payout",
                    person,
                    int(amount * rng.uniform(0.9, 1.1)),
                    iban,
                    None,
                    ip,
                    device,
                )
        if rng.random() < 0.01:
            person.devices.insert(0, world.new_id("d"))
        expected = person.rate * mood * (1.35 if weekend else 0.9)
        count = poisson(rng, expected, 40)
        if count == 0:
            if rng.random() < 0.08:  # checks the balance only
                self._session(person, self.moment(person, base))
            return
        at = self.moment(person, base)
        device, ip = self._session(person, at)
        for _ in range(count):
            at += rng.expovariate(1 / 2400)
            self._action(person, at, device, ip, day)

    def _session(self, person: SimCustomer, at: float) -> tuple[str, str]:
        rng = self.world.rng
        device = person.devices[0] if len(person.devices) == 1 else rng.choice(person.devices)
        ip = self.world.home_ip(person, at)
        self.world.login(at - rng.uniform(5, 400), person, device, ip)
        return device, ip

    def _welcome(self, person: SimCustomer, at: float) -> None:
        world, rng = self.world, self.world.rng
        device, ip = self._session(person, at)
        amount = int(rng.lognormvariate(math.log(20_000), 1.3))
        if rng.random() < 0.4:
            world.transaction(at, "payin_card", person, amount, None, person.cards[0], ip, device)
        else:
            world.transaction(at, "payin_bank", person, amount, person.iban)

    def _fund(self, person: SimCustomer, at: float, device: str, ip: str, need: int) -> float:
        world, rng = self.world, self.world.rng
        if person.balance >= need:
            return at
        amount = int(max(need * rng.uniform(1.2, 4), 5_000) / 500) * 500
        if rng.random() < 0.4:
            world.transaction(at, "payin_card", person, amount, None, person.cards[0], ip, device)
        else:
            world.transaction(at, "payin_bank", person, amount, person.iban)
        return at + rng.uniform(20, 900)

    def _action(self, person: SimCustomer, at: float, device: str, ip: str, day: int) -> None:
        world, rng = self.world, self.world.rng
        roll = rng.random()
        if roll < 0.003:  # a legitimate large payment to a new payee: a car, a deposit
            amount = self.amount(person, rng.uniform(2.5, 4.0))
            at = self._fund(person, at, device, ip, amount)
            payee = f"iban:US{rng.randrange(10**15, 10**16)}"
            self.profiles[person.id].payees.append(payee)
            world.transaction(at, "payout", person, amount, payee, None, ip, device)
            return
        if roll < 0.50:
            amount = self.amount(person)
            at = self._fund(person, at, device, ip, amount)
            shop = f"merchant:u{int(rng.paretovariate(1.1) * 10) % 3000}"
            mcc = rng.choice(CATEGORIES)
            world.transaction(at, "payment", person, amount, shop, None, ip, device, mcc)
        elif roll < 0.70 and self.merchants:  # pays a platform merchant with the own card
            merchant = rng.choice(self.merchants)
            card = person.cards[0]
            world.transaction(at, "payin_card", merchant, self.amount(person), None, card)
        elif roll < 0.84 and person.friends:
            friend = rng.choice(person.friends)
            if friend != person.id:
                amount = self.amount(person, rng.uniform(-0.5, 1.0))
                at = self._fund(person, at, device, ip, amount)
                world.transaction(at, "transfer", person, amount, friend, None, ip, device)
        elif roll < 0.90:
            profile = self.profiles[person.id]
            if profile.payees and rng.random() < 0.7:
                payee = rng.choice(profile.payees)
            else:
                payee = f"iban:US{rng.randrange(10**15, 10**16)}"
                profile.payees.append(payee)
            amount = self.amount(person, 0.8)
            at = self._fund(person, at, device, ip, amount)
            world.transaction(at, "payout", person, amount, payee, None, ip, device)
        elif person.balance > 10_000:
            share = rng.betavariate(2, 2)
            world.transaction(
                at, "payout", person, int(person.balance * share), person.iban, None, ip, device
            )

    def _company_day(self, company: SimCustomer, base: float, weekday: int, payday: bool) -> None:
        world, rng = self.world, self.world.rng
        if company.role == "employer":
            if rng.random() < 0.3:
                world.transaction(
                    base + rng.uniform(8, 17) * HOUR,
                    "payin_bank",
                    company,
                    int(rng.lognormvariate(math.log(2_000_000), 0.8)),
                    f"iban:US{rng.randrange(10**15, 10**16)}",
                )
            if payday:
                at = base + rng.uniform(5, 9) * HOUR
                for person in world.customers.values():
                    if person.employer == company.id and person.created_at < base:
                        at += rng.uniform(0.5, 5)
                        world.transaction(at, "transfer", company, person.salary, person.id)
            return
        count = poisson(rng, company.rate * (1.3 if weekday >= 5 else 1.0), 40)
        for _ in range(count):
            at = base + rng.triangular(9, 23, 18) * HOUR
            card = self.pool.pick(world, company.country)
            amount = max(int(rng.lognormvariate(company.amount_mu, 0.9)), 99)
            world.transaction(at, "payin_card", company, amount, None, card)
        weekly = company.rate < 4
        if company.balance > 50_000 and (not weekly or weekday == 0):
            world.transaction(
                base + 23.5 * HOUR, "payout", company, int(company.balance * 0.95), company.iban
            )
