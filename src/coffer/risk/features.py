"""The one feature definition of the fraud model, computed incrementally.

:class:`FeatureState` consumes events in time order. For a transaction, :meth:`features`
returns its feature vector from the past only; :meth:`observe` then adds it to the state.
Training, the backtest and the online path all go through these two calls.

This module owns the feature vector and the batched runs (:func:`run_length`,
:meth:`FeatureState.features_run`); the state and its updates are in
:mod:`coffer.risk.features_state`, the feature names in :mod:`coffer.risk.features_names`.
"""

from __future__ import annotations

from collections.abc import Sequence

from coffer.risk.events import Transaction
from coffer.risk.features_names import FEATURE_INDEX, FEATURE_NAMES
from coffer.risk.features_state import (
    _KIND_INDEX,
    KYC_RANK,
    NEVER,
    SMALL_AMOUNT,
    TINY_GAP,
    CustomerState,
    EntityState,
    StateStore,
    _log,
    _since,
)
from coffer.risk.windows import DAY, HOUR

# CustomerState and EntityState are named here too: states pickled with this module's names
# (model folders, snapshots) load
__all__ = [
    "FEATURE_INDEX",
    "FEATURE_NAMES",
    "KYC_RANK",
    "NEVER",
    "SMALL_AMOUNT",
    "TINY_GAP",
    "CustomerState",
    "EntityState",
    "FeatureState",
    "entity_keys",
    "run_length",
]
_IP_1H = FEATURE_INDEX["ip_country_count_1h"]
_IP_24H = FEATURE_INDEX["ip_country_count_24h"]


class FeatureState(StateStore):
    """Everything the features need to know about the past, in memory, and the feature
    vectors read from it."""

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
        vector.extend(self.sequences.features(tx, balance, out_sums[0], out_sums[1]))
        return vector

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
