"""The one feature definition of the fraud model, computed incrementally.

:class:`FeatureState` consumes events in time order. For a transaction, :meth:`features`
returns its feature vector from the past only; :meth:`observe` then adds it to the state.
Training, the backtest and the online path all go through these two calls.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from coffer.risk.events import Customer, Event, Login, Transaction
from coffer.risk.features_behaviour import BEHAVIOUR_FEATURE_NAMES, BehaviourState
from coffer.risk.features_sequence import SEQUENCE_FEATURE_NAMES, SequenceState
from coffer.risk.windows import DAY, HORIZON_NAMES, HOUR, DistinctWindow, RunningStats, Window

KYC_RANK = {"none": 0.0, "light": 1.0, "verified": 2.0}
SMALL_AMOUNT = 1_000  # minor units: card testing probes stay under this
NEVER = 1e9  # "seconds since" when it never happened
# "tiny" relative to the population: log amount this far under the mean log amount of the
# same kind of transaction (about a fifth of a typical amount), whatever the currency's scale
TINY_GAP = 1.2


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


FEATURE_NAMES: tuple[str, ...] = (
    "kind_payin_card",
    "kind_payin_bank",
    "kind_transfer",
    "kind_payment",
    "kind_payout",
    "log_amount",
    "amount_round",
    "hour_of_day",
    "day_of_week",
    "customer_legal",
    "kyc_level",
    "customer_age_years",
    "account_age_days",
    "log_seconds_since_last_tx",
    "log_transactions_before",
    "counterparty_customer",
    "counterparty_merchant",
    "counterparty_iban",
    "counterparty_none",
    "ip_foreign",
    "card_foreign",
    "card_ip_mismatch",
    "ip_country_new",
    "card_new",
    "device_new",
    "counterparty_new",
    "device_missing",
    "log_seconds_since_login",
    "log_seconds_since_new_device_login",
    "device_not_last_login",
    *(f"customer_count_{name}" for name in HORIZON_NAMES),
    *(f"customer_sum_{name}" for name in HORIZON_NAMES),
    "customer_out_count_24h",
    "customer_out_sum_24h",
    "customer_out_sum_7d",
    "customer_in_sum_24h",
    "customer_in_sum_7d",
    "amount_zscore",
    "amount_ratio_max",
    "amount_ratio_median",
    "history_size",
    "log_balance_before",
    "balance_drained_share",
    "balance_after_share",
    *(f"card_count_{name}" for name in HORIZON_NAMES),
    "card_sum_24h",
    "card_customers_30d",
    "card_age_days",
    *(f"device_count_{name}" for name in HORIZON_NAMES),
    "device_customers_30d",
    "device_cards_24h",
    "device_age_days",
    "ip_country_count_1h",
    "ip_country_count_24h",
    *(f"counterparty_count_{name}" for name in HORIZON_NAMES),
    "counterparty_sum_24h",
    "counterparty_senders_30d",
    "counterparty_senders_24h",
    "counterparty_age_days",
    "counterparty_account_age_days",
    "counterparty_out_sum_24h",
    "counterparty_in_sum_24h",
    "counterparty_kyc_level",
    "customer_recipients_24h",
    "customer_senders_7d",
    "customer_devices_7d",
    "customer_countries_7d",
    "customer_cards_24h",
    "customer_small_1h",
    "customer_small_burst",
    "customer_burst_1h",
    "card_small_share",
    "log_seconds_since_credit",
    "amount_to_last_credit",
    "out_to_in_7d",
    "logins_24h",
    "mcc",
    # relative to the population and to the entity's own history (scale-free)
    "amount_vs_population",
    "customer_tiny_1h",
    "customer_tiny_24h",
    "customer_tiny_share_24h",
    "customer_cards_1h",
    "customer_card_countries_24h",
    "customer_fresh_cards_1h",
    "customer_fresh_cards_24h",
    "card_fresh",
    "amount_to_in_24h",
    "counterparty_new_large",
    # sequences: money to payees new to the customer, cards moving between merchants
    *SEQUENCE_FEATURE_NAMES,
    *BEHAVIOUR_FEATURE_NAMES,  # against the customer's own habits
)
FEATURE_INDEX = {name: index for index, name in enumerate(FEATURE_NAMES)}
_IP_1H = FEATURE_INDEX["ip_country_count_1h"]
_IP_24H = FEATURE_INDEX["ip_country_count_24h"]
_KIND_INDEX = {"payin_card": 0, "payin_bank": 1, "transfer": 2, "payment": 3, "payout": 4}


class FeatureState:
    """Everything the features need to know about the past, in memory."""

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
        now = tx.at
        state = self.customer(tx.customer_id, now)
        amount = tx.amount
        log_amount = _log(amount)
        typical = self._reference(now).get(tx.kind)
        if typical is not None and log_amount < typical - TINY_GAP:
            state.tiny_window.add(now, 1)
        self.population[tx.kind].add(log_amount)
        self.sequences.observe(tx)
        self.behaviour.observe(tx)
        state.window.add(now, amount)
        if tx.is_credit:
            state.balance += amount
            state.in_window.add(now, amount)
            state.in_stats.add(log_amount)
            state.last_credit_at = now
            state.last_credit_amount = amount
            if tx.counterparty is not None:
                state.recent_senders.add(now, tx.counterparty)
        else:
            state.balance -= amount
            state.out_window.add(now, amount)
            state.out_stats.add(log_amount)
            if tx.counterparty is not None:
                state.recent_recipients.add(now, tx.counterparty)
        if amount < SMALL_AMOUNT:
            state.small_window.add(now, 1)
        state.transactions += 1
        state.last_tx_at = now
        if tx.device_id is not None:
            state.devices.add(tx.device_id)
            state.recent_devices.add(now, tx.device_id)
            device = self._used(self.devices, tx.device_id, now, amount, tx.customer_id)
            if tx.card_fingerprint is not None:
                device.others.add(now, tx.card_fingerprint)
        if tx.ip_country is not None:
            state.countries.add(tx.ip_country)
            state.recent_countries.add(now, tx.ip_country)
            self._entity(self.ip_countries, tx.ip_country, now).window.add(now, amount)
        if tx.card_fingerprint is not None:
            if tx.card_fingerprint not in self.cards:
                state.fresh_cards.add(now, 1)
            state.cards.add(tx.card_fingerprint)
            state.recent_cards.add(now, tx.card_fingerprint)
            state.cards_1h.add(now, tx.card_fingerprint)
            if tx.card_country is not None:
                state.card_countries_24h.add(now, tx.card_country)
            card = self._used(self.cards, tx.card_fingerprint, now, amount, tx.customer_id)
            if amount < SMALL_AMOUNT:
                card.others.add(now, tx.id)
        if tx.counterparty is not None:
            state.counterparties.add(tx.counterparty)
            party = self._entity(self.counterparties, tx.counterparty, now)
            party.window.add(now, amount)
            party.users.add(now, tx.customer_id)
            party.others.add(now, tx.customer_id)
            receiver = tx.internal_counterparty
            if receiver is not None and not tx.is_credit:
                other = self.customer(receiver, now)
                other.balance += amount
                other.in_window.add(now, amount)
                other.in_stats.add(log_amount)
                other.last_credit_at = now
                other.last_credit_amount = amount
                other.recent_senders.add(now, tx.customer_id)

    # -- features ------------------------------------------------------------------------

    def features(self, tx: Transaction, *, peek_ip: bool = False) -> list[float]:
        """The feature vector of ``tx`` from the past only (``tx`` not yet observed).
        ``peek_ip``: its IP country's window is read without being advanced (see
        :meth:`features_run`)."""
        now = tx.at
        state = self.customers.get(tx.customer_id) or CustomerState(now)
        amount = tx.amount
        log_amount = _log(amount)
        credit = tx.is_credit
        kinds = [0.0] * 5
        kinds[_KIND_INDEX[tx.kind]] = 1.0
        cp = tx.counterparty
        cp_type = 3 if cp is None else (1 if cp.startswith("merchant:") else 2 if ":" in cp else 0)
        cp_flags = [0.0] * 4
        cp_flags[cp_type] = 1.0
        residence = state.country
        ip = tx.ip_country
        card_country = tx.card_country
        vector: list[float] = [
            *kinds,
            log_amount,
            1.0 if amount and amount % 10_000 == 0 else 0.0,
            float(int(now // 3600) % 24),
            float(int(now // DAY + 3) % 7),  # Monday 0: 1970-01-01 was a Thursday
            1.0 if state.kind == "legal" else 0.0,
            state.kyc,
            (now / (365.25 * DAY) + 1970.0 - state.birth_year) if state.birth_year else -1.0,
            (now - state.created_at) / DAY,
            _since(now, state.last_tx_at),
            _log(state.transactions),
            *cp_flags,
            1.0 if ip and residence and ip != residence else 0.0,
            1.0 if card_country and residence and card_country != residence else 0.0,
            1.0 if card_country and ip and card_country != ip else 0.0,
            1.0 if ip and ip not in state.countries else 0.0,
            1.0 if tx.card_fingerprint and tx.card_fingerprint not in state.cards else 0.0,
            1.0 if tx.device_id and tx.device_id not in state.devices else 0.0,
            1.0 if cp and cp not in state.counterparties else 0.0,
            1.0 if tx.device_id is None else 0.0,
            _since(now, state.last_login_at),
            _since(now, state.last_new_device_login_at),
            1.0 if tx.device_id and tx.device_id != state.last_login_device else 0.0,
        ]
        counts, sums = state.window.stats(now)
        vector.extend(map(float, counts))
        vector.extend(map(_log, sums))
        out_counts, out_sums = state.out_window.stats(now)
        _in_counts, in_sums = state.in_window.stats(now)
        vector.extend(
            (
                float(out_counts[0]),
                _log(out_sums[0]),
                _log(out_sums[1]),
                _log(in_sums[0]),
                _log(in_sums[1]),
            )
        )
        history = state.in_stats if credit else state.out_stats
        std = history.std
        vector.extend(
            (
                (log_amount - history.mean) / std
                if std > 0.05
                else (log_amount - history.mean) * 5,
                log_amount - history.maximum if history.count else 0.0,
                log_amount - history.median() if history.count else 0.0,
                _log(history.count),
            )
        )
        balance = state.balance
        drained = 0.0 if credit else (amount / balance if balance > 0 else 10.0)
        after = balance + amount if credit else balance - amount
        vector.extend(
            (
                _log(max(balance, 0)),
                min(drained, 10.0),
                after / balance if balance > 0 else -1.0,
            )
        )
        vector.extend(self._entity_features(self.cards, tx.card_fingerprint, now, 4))
        card = self.cards.get(tx.card_fingerprint) if tx.card_fingerprint else None
        vector.extend(self._entity_features(self.devices, tx.device_id, now, 3))
        ip_entity = self.ip_countries.get(ip) if ip else None
        if ip_entity is not None:
            window = ip_entity.window
            ip_counts = window.counts_at(now) if peek_ip else window.stats(now)[0]
            vector.extend((float(ip_counts[0]), float(ip_counts[1])))
        else:
            vector.extend((0.0, 0.0))
        vector.extend(self._counterparty_features(cp, now))
        small_counts = state.small_window.stats(now)[0]
        vector.extend(
            (
                float(state.recent_recipients.count(now)),
                float(state.recent_senders.count(now)),
                float(state.recent_devices.count(now)),
                float(state.recent_countries.count(now)),
                float(state.recent_cards.count(now)),
                float(small_counts[0]),
                small_counts[0] / (small_counts[1] / 720.0 + 0.5),
                counts[0] / (counts[3] / 720.0 + 0.5),
                (card.others.count(now) / max(card.window.counts[1], 1)) if card else 0.0,
                _since(now, state.last_credit_at),
                amount / state.last_credit_amount if state.last_credit_amount else -1.0,
                (out_sums[1] + (0 if credit else amount)) / in_sums[1] if in_sums[1] else -1.0,
                float(state.logins.stats(now)[0][0]),
                float(int(tx.mcc)) if tx.mcc and tx.mcc.isdigit() else -1.0,
            )
        )
        typical = self._reference(now).get(tx.kind)
        vs_population = log_amount - typical if typical is not None else 0.0
        tiny_counts = state.tiny_window.stats(now)[0]
        fresh_counts = state.fresh_cards.stats(now)[0]
        fresh = 1.0 if tx.card_fingerprint and card is None else 0.0
        vector.extend(
            (
                vs_population,
                float(tiny_counts[0]),
                float(tiny_counts[1]),
                tiny_counts[1] / (counts[1] + 1.0),
                float(state.cards_1h.count(now)),
                float(state.card_countries_24h.count(now)),
                float(fresh_counts[0]),
                float(fresh_counts[1]),
                fresh,
                amount / in_sums[0] if in_sums[0] else -1.0,
                vs_population if cp and cp not in state.counterparties else -5.0,
            )
        )
        sequence = self.sequences.features(tx, balance, out_sums[0], out_sums[1])
        vector.extend(sequence)
        own = state.out_stats.mean if state.out_stats.count else None
        vector.extend(
            self.behaviour.features(
                tx,
                balance=balance,
                out_7d=out_sums[1],
                own_mean_log=own,
                payee_first_days=sequence[3],
            )
        )
        return vector

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

    def _entity_features(
        self, table: dict[str, EntityState], key: str | None, now: float, kind: int
    ) -> list[float]:
        """Cards (kind 4): counts, sum 24h, customers, age; devices (3): counts, customers,
        cards 24h, age."""
        entity = table.get(key) if key else None
        if entity is None:
            return [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0]
        counts, sums = entity.window.stats(now)
        head = list(map(float, counts))
        age = (now - entity.first_seen) / DAY
        if kind == 4:
            return [*head, _log(sums[1]), float(entity.users.count(now)), age]
        return [*head, float(entity.users.count(now)), float(entity.others.count(now)), age]

    def _counterparty_features(self, cp: str | None, now: float) -> list[float]:
        entity = self.counterparties.get(cp) if cp else None
        if entity is None:
            head = [0.0] * 4 + [0.0, 0.0, 0.0, -1.0]
        else:
            counts, sums = entity.window.stats(now)
            head = [
                *map(float, counts),
                _log(sums[1]),
                float(entity.users.count(now)),
                float(entity.others.count(now)),
                (now - entity.first_seen) / DAY,
            ]
        other = self.customers.get(cp) if cp and ":" not in cp else None
        if other is None:
            return [*head, -1.0, 0.0, 0.0, -1.0]
        _, out_sums = other.out_window.stats(now)
        _, in_sums = other.in_window.stats(now)
        return [
            *head,
            (now - other.created_at) / DAY,
            _log(out_sums[0]),
            _log(in_sums[0]),
            other.kyc,
        ]

    def features_run(self, transactions: Sequence[Transaction]) -> list[list[float]]:
        """The features of each transaction of a run (see :func:`run_length`), as if those
        before it in the run had been observed first: the vectors of :meth:`features` then
        :meth:`observe` one at a time (transactions in time order, of one day). They share no
        entity but their IP country (and the population's daily reference, fixed for the day), whose counts then include the run's earlier transactions; its
        window is advanced to the first one's time only, so that the run's later ones can
        be scored again after an earlier one (a window never goes back in time)."""
        vectors = []
        earlier: dict[str, list[float]] = {}  # IP country -> times of the run before
        for tx in transactions:
            ip = tx.ip_country
            vector = self.features(tx, peek_ip=ip in earlier)
            vectors.append(vector)
            if ip is None:
                continue
            times = earlier.setdefault(ip, [])
            now = tx.at
            for moment in times:
                if moment > now - HOUR:
                    vector[_IP_1H] += 1.0
                if moment > now - DAY:
                    vector[_IP_24H] += 1.0
            times.append(now)
        return vectors

    def process(self, tx: Transaction) -> list[float]:
        """Features of ``tx``, then ``tx`` added to the state."""
        vector = self.features(tx)
        self.observe(tx)
        return vector


def entity_keys(tx: Transaction) -> tuple[str, ...]:
    """The state ``tx``'s features read and its observation changes, but its IP country:
    its customer, counterparty (as a customer too), device and card."""
    cp = tx.counterparty
    keys = ["c" + tx.customer_id]
    if cp is not None:
        keys.append("p" + cp)
        if ":" not in cp:
            keys.append("c" + cp)
    if tx.device_id is not None:
        keys.append("d" + tx.device_id)
    if tx.card_fingerprint is not None:
        keys.append("k" + tx.card_fingerprint)
    return tuple(keys)


def run_length(transactions: Sequence[Transaction], start: int) -> int:
    """How many transactions from ``start`` share no entity key (:func:`entity_keys`)
    with one another and the day of the first (so the population's reference, taken once a
    day, is the same for all): a run whose features :meth:`FeatureState.features_run` takes
    at once."""
    seen: set[str] = set()
    day = int(transactions[start].at // DAY) if start < len(transactions) else 0
    for offset, tx in enumerate(transactions[start:]):
        keys = entity_keys(tx)
        if not seen.isdisjoint(keys) or int(tx.at // DAY) != day:
            return offset
        seen.update(keys)
    return len(transactions) - start
