"""The feature state: what the fraud features know about the past, and how each event
(customer, login, transaction) changes it.

:class:`StateStore` owns the per-customer and per-entity state (cards, devices, IP
countries, counterparties, the population's amounts, sequences) and :meth:`StateStore.observe`;
:class:`coffer.risk.features.FeatureState` builds on it and reads the feature vectors.
"""

from __future__ import annotations

import math

from coffer.risk.events import Customer, Event, Login, Transaction
from coffer.risk.features_behaviour import BehaviourState
from coffer.risk.features_sequence import SequenceState
from coffer.risk.windows import DAY, HOUR, DistinctWindow, RunningStats, Window

KYC_RANK = {"none": 0.0, "light": 1.0, "verified": 2.0}
SMALL_AMOUNT = 1_000  # minor units: card testing probes stay under this
NEVER = 1e9  # "seconds since" when it never happened
# "tiny" relative to the population: log amount this far under the mean log amount of the
# same kind of transaction (about a fifth of a typical amount), whatever the currency's scale
TINY_GAP = 1.2
_KIND_INDEX = {"payin_card": 0, "payin_bank": 1, "transfer": 2, "payment": 3, "payout": 4}


class CustomerState:
    __slots__ = (
        "balance",
        "birth_year",
        "card_countries_24h",
        "cards",
        "cards_1h",
        "counterparties",
        "countries",
        "country",
        "created_at",
        "devices",
        "fresh_cards",
        "in_stats",
        "in_window",
        "kind",
        "kyc",
        "last_credit_amount",
        "last_credit_at",
        "last_login_at",
        "last_login_device",
        "last_new_device_login_at",
        "last_tx_at",
        "logins",
        "out_stats",
        "out_window",
        "recent_cards",
        "recent_countries",
        "recent_devices",
        "recent_recipients",
        "recent_senders",
        "small_window",
        "tiny_window",
        "transactions",
        "window",
    )

    def __init__(self, created_at: float) -> None:
        self.created_at = created_at
        self.kind = "natural"
        self.country: str | None = None
        self.birth_year: int | None = None
        self.kyc = 0.0
        self.balance = 0
        self.transactions = 0
        self.last_tx_at: float | None = None
        self.last_login_at: float | None = None
        self.last_login_device: str | None = None
        self.last_new_device_login_at: float | None = None
        self.last_credit_at: float | None = None
        self.last_credit_amount = 0
        self.devices: set[str] = set()
        self.cards: set[str] = set()
        self.counterparties: set[str] = set()
        self.countries: set[str] = set()
        self.window = Window()
        self.out_window = Window((DAY, 7 * DAY))
        self.in_window = Window((DAY, 7 * DAY))
        self.small_window = Window((HOUR, 30 * DAY))
        self.logins = Window((DAY,))
        self.out_stats = RunningStats()
        self.in_stats = RunningStats()
        self.recent_recipients = DistinctWindow(DAY)
        self.recent_senders = DistinctWindow(7 * DAY)
        self.recent_devices = DistinctWindow(7 * DAY)
        self.recent_countries = DistinctWindow(7 * DAY)
        self.recent_cards = DistinctWindow(DAY)
        self.cards_1h = DistinctWindow(HOUR)
        self.card_countries_24h = DistinctWindow(DAY)
        self.tiny_window = Window((HOUR, DAY))  # tiny against the population, see TINY_GAP
        self.fresh_cards = Window((HOUR, DAY))  # cards the platform never saw before


class EntityState:
    """A card, device, IP country or counterparty: its windows and who used it."""

    __slots__ = ("first_seen", "others", "users", "window")

    def __init__(self, now: float, users_horizon: float = 30 * DAY) -> None:
        self.first_seen = now
        self.window = Window()
        self.users = DistinctWindow(users_horizon)
        self.others = DistinctWindow(DAY)


def _log(value: float) -> float:
    return math.log1p(value) if value > 0 else 0.0


def _since(now: float, then: float | None) -> float:
    return _log(now - then) if then is not None else _log(NEVER)


class StateStore:
    """Everything the features need to know about the past, in memory, and how events
    change it."""

    def __init__(self) -> None:
        self.customers: dict[str, CustomerState] = {}
        self.cards: dict[str, EntityState] = {}
        self.devices: dict[str, EntityState] = {}
        self.ip_countries: dict[str, EntityState] = {}
        self.counterparties: dict[str, EntityState] = {}
        # log amounts of every transaction, per kind: the population's scale; the features
        # read their means as of the start of the transaction's day (see run_length)
        self.population = {kind: RunningStats() for kind in _KIND_INDEX}
        self.reference: dict[str, float] = {}
        self.reference_day = -1
        self.sequences = SequenceState()
        self.behaviour = BehaviourState()
        self.now = 0.0
        self.events = 0

    # -- state ---------------------------------------------------------------------------

    def customer(self, customer_id: str, now: float) -> CustomerState:
        state = self.customers.get(customer_id)
        if state is None:
            state = self.customers[customer_id] = CustomerState(now)
        return state

    @staticmethod
    def _entity(table: dict[str, EntityState], key: str, now: float) -> EntityState:
        entity = table.get(key)
        if entity is None:
            entity = table[key] = EntityState(now)
        return entity

    @staticmethod
    def _used(
        table: dict[str, EntityState], key: str, now: float, amount: int, customer_id: str
    ) -> EntityState:
        """The device or card ``key`` (created on first use) after ``customer_id`` paid
        ``amount`` with it."""
        entity = table.get(key)
        if entity is None:
            entity = table[key] = EntityState(now)
        entity.window.add(now, amount)
        entity.users.add(now, customer_id)
        return entity

    def observe(self, event: Event) -> None:
        """Add an event to the state (for a transaction: after its features were taken)."""
        self.events += 1
        self.now = max(self.now, event.at)
        if isinstance(event, Transaction):
            self._observe_transaction(event)
        elif isinstance(event, Login):
            self._observe_login(event)
        else:
            self._observe_customer(event)

    def _observe_customer(self, event: Customer) -> None:
        state = self.customer(event.id, event.at)
        if state.transactions == 0:
            state.created_at = min(state.created_at, event.at)
        state.kind = event.kind
        state.country = event.country
        state.birth_year = event.birth_year
        state.kyc = KYC_RANK.get(event.kyc_level, 0.0)

    def _observe_login(self, event: Login) -> None:
        state = self.customer(event.customer_id, event.at)
        if event.device_id is not None and event.device_id not in state.devices:
            if state.devices:
                state.last_new_device_login_at = event.at
            state.devices.add(event.device_id)
        state.last_login_at = event.at
        state.last_login_device = event.device_id
        state.logins.add(event.at, 1)
        if event.ip_country is not None:
            state.countries.add(event.ip_country)
            state.recent_countries.add(event.at, event.ip_country)

    def _observe_transaction(self, tx: Transaction) -> None:
        """Add ``tx`` to the state (helpers inlined: the online check's hot path)."""
        now = tx.at
        customer_id = tx.customer_id
        customers = self.customers
        state = customers.get(customer_id)
        if state is None:
            state = customers[customer_id] = CustomerState(now)
        amount = tx.amount
        log_amount = math.log1p(amount) if amount > 0 else 0.0
        kind = tx.kind
        reference = (
            self.reference if int(now // DAY) == self.reference_day else self._reference(now)
        )
        typical = reference.get(kind)
        if typical is not None and log_amount < typical - TINY_GAP:
            state.tiny_window.add(now, 1)
        self.population[kind].add(log_amount)
        self.sequences.observe(tx)
        self.behaviour.observe(tx)
        state.window.add(now, amount)
        cp = tx.counterparty
        credit = tx.is_credit
        if credit:
            state.balance += amount
            state.in_window.add(now, amount)
            state.in_stats.add(log_amount)
            state.last_credit_at = now
            state.last_credit_amount = amount
            if cp is not None:
                state.recent_senders.add(now, cp)
        else:
            state.balance -= amount
            state.out_window.add(now, amount)
            state.out_stats.add(log_amount)
            if cp is not None:
                state.recent_recipients.add(now, cp)
        if amount < SMALL_AMOUNT:
            state.small_window.add(now, 1)
        state.transactions += 1
        state.last_tx_at = now
        device_id = tx.device_id
        card_key = tx.card_fingerprint
        if device_id is not None:
            state.devices.add(device_id)
            state.recent_devices.add(now, device_id)
            device = self._used(self.devices, device_id, now, amount, customer_id)
            if card_key is not None:
                device.others.add(now, card_key)
        ip = tx.ip_country
        if ip is not None:
            state.countries.add(ip)
            state.recent_countries.add(now, ip)
            self._entity(self.ip_countries, ip, now).window.add(now, amount)
        if card_key is not None:
            if card_key not in self.cards:
                state.fresh_cards.add(now, 1)
            state.cards.add(card_key)
            state.recent_cards.add(now, card_key)
            state.cards_1h.add(now, card_key)
            if tx.card_country is not None:
                state.card_countries_24h.add(now, tx.card_country)
            card = self._used(self.cards, card_key, now, amount, customer_id)
            if amount < SMALL_AMOUNT:
                card.others.add(now, tx.id)
        if cp is not None:
            state.counterparties.add(cp)
            party = self._entity(self.counterparties, cp, now)
            party.window.add(now, amount)
            party.users.add(now, customer_id)
            party.others.add(now, customer_id)
            if not credit and ":" not in cp:  # paid to another customer: credited
                other = customers.get(cp)
                if other is None:
                    other = customers[cp] = CustomerState(now)
                other.balance += amount
                other.in_window.add(now, amount)
                other.in_stats.add(log_amount)
                other.last_credit_at = now
                other.last_credit_amount = amount
                other.recent_senders.add(now, customer_id)

    def _reference(self, now: float) -> dict[str, float]:
        """Per kind, the mean log amount of the transactions observed before ``now``'s day
        (taken at the day's first transaction: all those observed are from earlier days)."""
        day = int(now // DAY)
        if day != self.reference_day:
            self.reference_day = day
            self.reference = {
                kind: stats.mean for kind, stats in self.population.items() if stats.count
            }
        return self.reference
