"""The simulated world: customers, their means (devices, cards, IBANs) and emitted events."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from coffer.risk.events import format_time
from coffer.risk.simulate.variants import Variant

HOME_COUNTRIES = ("DE", "DE", "DE", "FR", "FR", "NL", "ES", "IT", "AT", "BE")
TRAVEL_COUNTRIES = ("ES", "IT", "FR", "PT", "GR", "US", "GB", "TH", "HR", "TR")
RISKY_COUNTRIES = ("NG", "RU", "BR", "RO", "UA", "VN", "ID", "PH", "MA", "US")
FIRST_NAMES = ("Anna", "Jonas", "Marie", "Luca", "Sofia", "Paul", "Emma", "Noah", "Lea", "Ben")
LAST_NAMES = ("Schmidt", "Martin", "Rossi", "Garcia", "Bakker", "Dubois", "Weber", "Moreau")
DOMAINS = ("example.com", "mail.example", "post.example", "web.example")
MCCS = ("5411", "5812", "5999", "4111", "5732", "5541", "7011", "5912", "4511", "5311")


@dataclass
class SimCustomer:
    id: str
    kind: str
    country: str
    created_at: float
    kyc_level: str
    devices: list[str] = field(default_factory=list)
    cards: list[tuple[str, str]] = field(default_factory=list)
    iban: str = ""
    friends: list[str] = field(default_factory=list)
    rate: float = 0.5
    amount_mu: float = 3.0
    amount_sigma: float = 0.8
    balance: int = 0
    employer: str | None = None
    salary: int = 0
    role: str = "person"  # person, merchant, employer, sleeper, actor (typologies)
    busy_until: float = 0.0  # legit activity paused (dormant, typology actors)
    travel: tuple[float, float, str] | None = None
    landlord: str | None = None  # who this customer pays rent to, monthly
    rent: int = 0

    def at_home(self) -> tuple[str, str]:
        """The customer's own device and the country it connects from: (device, ip country)."""
        return self.devices[0], self.country


@dataclass
class Pattern:
    id: str
    typology: str
    transaction_ids: list[str] = field(default_factory=list)
    customer_ids: set[str] = field(default_factory=set)


class World:
    """Holds the random source, the customers and every event emitted, with its truth."""

    def __init__(self, seed: int, start: float, variant: Variant | None = None) -> None:
        self.rng = random.Random(seed)
        self.variant = variant or Variant()
        self.start = start
        self.customers: dict[str, SimCustomer] = {}
        self.events: list[tuple[float, int, dict[str, Any]]] = []
        self.truth: dict[str, tuple[str, str | None]] = {}
        self.patterns: list[Pattern] = []
        self._sequence = 0
        self._ids: dict[str, int] = {}

    def new_id(self, prefix: str) -> str:
        self._ids[prefix] = self._ids.get(prefix, 0) + 1
        return f"{prefix}{self._ids[prefix]}"

    def _emit(self, at: float, line: dict[str, Any]) -> None:
        self._sequence += 1
        line["at"] = format_time(at)
        self.events.append((at, self._sequence, line))

    def add_customer(
        self,
        at: float,
        kind: str = "natural",
        country: str | None = None,
        kyc_level: str | None = None,
        role: str = "person",
    ) -> SimCustomer:
        rng = self.rng
        customer = SimCustomer(
            id=self.new_id("c"),
            kind=kind,
            country=country or rng.choice(HOME_COUNTRIES),
            created_at=at,
            kyc_level=kyc_level or rng.choices(("none", "light", "verified"), (1, 3, 6))[0],
            role=role,
        )
        customer.devices.append(self.new_id("d"))
        if kind == "natural":
            card_country = customer.country if rng.random() > 0.04 else rng.choice(HOME_COUNTRIES)
            customer.cards.append((self.new_id("card"), card_country))
        customer.iban = f"iban:{customer.country}{rng.randrange(10**15, 10**16)}"
        self.customers[customer.id] = customer
        name = (
            f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            if kind == "natural"
            else f"{rng.choice(LAST_NAMES)} GmbH"
        )
        self._emit(
            at,
            {
                "type": "customer",
                "id": customer.id,
                "kind": kind,
                "name": name,
                "country": customer.country,
                "birth_year": rng.randrange(1945, 2006) if kind == "natural" else None,
                "email_domain": rng.choice(DOMAINS),
                "kyc_level": customer.kyc_level,
            },
        )
        return customer

    def login(self, at: float, customer: SimCustomer, device: str, ip_country: str) -> None:
        self._emit(
            at,
            {
                "type": "login",
                "customer_id": customer.id,
                "device_id": device,
                "ip_country": ip_country,
            },
        )

    def transaction(
        self,
        at: float,
        kind: str,
        customer: SimCustomer,
        amount: float,
        counterparty: str | None = None,
        card: tuple[str, str] | None = None,
        ip_country: str | None = None,
        device: str | None = None,
        mcc: str | None = None,
        fraud: str | None = None,
        pattern: Pattern | None = None,
    ) -> str:
        amount = max(int(amount), 1)
        tx_id = self.new_id("t")
        if kind in ("payin_card", "payin_bank"):
            customer.balance += amount
        else:
            customer.balance -= amount
            other = self.customers.get(counterparty or "")
            if other is not None:
                other.balance += amount
        self._emit(
            at,
            {
                "type": "transaction",
                "id": tx_id,
                "kind": kind,
                "customer_id": customer.id,
                "counterparty": counterparty,
                "amount": amount,
                "currency": "EUR",
                "card_fingerprint": card[0] if card else None,
                "card_country": card[1] if card else None,
                "ip_country": ip_country,
                "device_id": device,
                "mcc": mcc,
                "label": "fraud" if fraud else "legit",
            },
        )
        self.truth[tx_id] = ("fraud" if fraud else "legit", fraud)
        if pattern is not None:
            pattern.transaction_ids.append(tx_id)
            pattern.customer_ids.add(customer.id)
            if counterparty in self.customers:
                pattern.customer_ids.add(counterparty)
        return tx_id

    def new_pattern(self, typology: str) -> Pattern:
        pattern = Pattern(self.new_id("p"), typology)
        self.patterns.append(pattern)
        return pattern

    def home_ip(self, customer: SimCustomer, at: float) -> str:
        travel = customer.travel
        if travel is not None and travel[0] <= at < travel[1]:
            return travel[2]
        return customer.country
