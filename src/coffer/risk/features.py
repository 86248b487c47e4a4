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
from math import log1p

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
    _since,
)
from coffer.risk.windows import DAY, HOUR, Window

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
_LOG_NEVER = _since(0.0, None)  # "seconds since" something that never happened, as a feature
_KINDS = {
    kind: tuple(1.0 if i == at else 0.0 for i in range(5)) for kind, at in _KIND_INDEX.items()
}
# the counterparty's type flags: customer, merchant, IBAN, none
_CP_CUSTOMER, _CP_MERCHANT, _CP_IBAN, _CP_NONE = (
    tuple(1.0 if i == at else 0.0 for i in range(4)) for at in range(4)
)
_NO_ENTITY = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0)  # a card or device never seen
_NO_IP = (0.0, 0.0)
_NO_PARTY = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0)
_NO_OTHER = (-1.0, 0.0, 0.0, -1.0)  # a counterparty that is not a known customer
_IP_1H = FEATURE_INDEX["ip_country_count_1h"]
_IP_24H = FEATURE_INDEX["ip_country_count_24h"]


class FeatureState(StateStore):
    """Everything the features need to know about the past, in memory, and the feature
    vectors read from it."""

    def features(self, tx: Transaction, *, peek_ip: bool = False) -> list[float]:
        """The feature vector of ``tx`` from the past only (``tx`` not yet observed).
        ``peek_ip``: its IP country's window is read without being advanced (see
        :meth:`features_run`).

        One pass filling one list, helpers inlined (``log1p(x) if x > 0 else 0.0`` is
        :func:`~coffer.risk.features_state._log`): the online check's hottest code."""
        now = tx.at
        state = self.customers.get(tx.customer_id) or CustomerState(now)
        amount = tx.amount
        log_amount = log1p(amount) if amount > 0 else 0.0
        credit = tx.is_credit
        cp = tx.counterparty
        ip = tx.ip_country
        card_country = tx.card_country
        card_key = tx.card_fingerprint
        device_id = tx.device_id
        residence = state.country
        kinds = _KINDS[tx.kind]
        cp_flags = (
            _CP_NONE
            if cp is None
            else _CP_MERCHANT
            if cp.startswith("merchant:")
            else _CP_IBAN
            if ":" in cp
            else _CP_CUSTOMER
        )
        then = state.last_tx_at
        login_at = state.last_login_at
        new_login_at = state.last_new_device_login_at
        credit_at = state.last_credit_at
        transactions = state.transactions
        counts, sums = state.window.stats(now)
        c0, c1, c2, c3 = counts
        s0, s1, s2, s3 = sums
        out_counts, out_sums = state.out_window.stats(now)
        in_sums = state.in_window.stats(now)[1]
        out_24h, out_7d = out_sums
        in_24h, in_7d = in_sums
        history = state.in_stats if credit else state.out_stats
        std = history.std
        mean = history.mean
        seen = history.count
        balance = state.balance
        drained = 0.0 if credit else (amount / balance if balance > 0 else 10.0)
        after = balance + amount if credit else balance - amount
        kept = balance if balance > 0 else 0
        cp_new = bool(cp) and cp not in state.counterparties
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
            _LOG_NEVER if then is None else log1p(now - then) if now - then > 0 else 0.0,
            log1p(transactions) if transactions > 0 else 0.0,
            *cp_flags,
            1.0 if ip and residence and ip != residence else 0.0,
            1.0 if card_country and residence and card_country != residence else 0.0,
            1.0 if card_country and ip and card_country != ip else 0.0,
            1.0 if ip and ip not in state.countries else 0.0,
            1.0 if card_key and card_key not in state.cards else 0.0,
            1.0 if device_id and device_id not in state.devices else 0.0,
            1.0 if cp_new else 0.0,
            1.0 if device_id is None else 0.0,
            _LOG_NEVER
            if login_at is None
            else log1p(now - login_at)
            if now - login_at > 0
            else 0.0,
            _LOG_NEVER
            if new_login_at is None
            else log1p(now - new_login_at)
            if now - new_login_at > 0
            else 0.0,
            1.0 if device_id and device_id != state.last_login_device else 0.0,
            float(c0),
            float(c1),
            float(c2),
            float(c3),
            log1p(s0) if s0 > 0 else 0.0,
            log1p(s1) if s1 > 0 else 0.0,
            log1p(s2) if s2 > 0 else 0.0,
            log1p(s3) if s3 > 0 else 0.0,
            float(out_counts[0]),
            log1p(out_24h) if out_24h > 0 else 0.0,
            log1p(out_7d) if out_7d > 0 else 0.0,
            log1p(in_24h) if in_24h > 0 else 0.0,
            log1p(in_7d) if in_7d > 0 else 0.0,
            (log_amount - mean) / std if std > 0.05 else (log_amount - mean) * 5,
            log_amount - history.maximum if seen else 0.0,
            log_amount - history.median() if seen else 0.0,
            log1p(seen) if seen > 0 else 0.0,
            log1p(kept) if kept > 0 else 0.0,
            min(drained, 10.0),
            after / balance if balance > 0 else -1.0,
        ]
        append = vector.append
        card = self.cards.get(card_key) if card_key else None
        if card is None:
            vector += _NO_ENTITY
        else:  # counts, sum 24h, customers, age
            vector += _counts_and_day_sum(card.window, now)
            vector += (float(card.users.count(now)), (now - card.first_seen) / DAY)
        device = self.devices.get(device_id) if device_id else None
        if device is None:
            vector += _NO_ENTITY
        else:  # counts, customers, cards 24h, age
            device_counts = device.window.stats(now)[0]
            vector += map(float, device_counts)
            vector += (
                float(device.users.count(now)),
                float(device.others.count(now)),
                (now - device.first_seen) / DAY,
            )
        ip_entity = self.ip_countries.get(ip) if ip else None
        if ip_entity is not None:
            window = ip_entity.window
            ip_counts = window.counts_at(now) if peek_ip else window.stats(now)[0]
            append(float(ip_counts[0]))
            append(float(ip_counts[1]))
        else:
            vector += _NO_IP
        party = self.counterparties.get(cp) if cp else None
        if party is None:
            vector += _NO_PARTY
        else:
            vector += _counts_and_day_sum(party.window, now)
            vector += (
                float(party.users.count(now)),
                float(party.others.count(now)),
                (now - party.first_seen) / DAY,
            )
        other = self.customers.get(cp) if cp and ":" not in cp else None
        if other is None:
            vector += _NO_OTHER
        else:
            other_out = other.out_window.stats(now)[1][0]
            other_in = other.in_window.stats(now)[1][0]
            vector += (
                (now - other.created_at) / DAY,
                log1p(other_out) if other_out > 0 else 0.0,
                log1p(other_in) if other_in > 0 else 0.0,
                other.kyc,
            )
        small_counts = state.small_window.stats(now)[0]
        small_1h = small_counts[0]
        last_credit = state.last_credit_amount
        mcc = tx.mcc
        vector += (
            float(state.recent_recipients.count(now)),
            float(state.recent_senders.count(now)),
            float(state.recent_devices.count(now)),
            float(state.recent_countries.count(now)),
            float(state.recent_cards.count(now)),
            float(small_1h),
            small_1h / (small_counts[1] / 720.0 + 0.5),
            c0 / (c3 / 720.0 + 0.5),
            (card.others.count(now) / max(card.window.counts[1], 1)) if card else 0.0,
            _LOG_NEVER
            if credit_at is None
            else log1p(now - credit_at)
            if now - credit_at > 0
            else 0.0,
            amount / last_credit if last_credit else -1.0,
            (out_7d + (0 if credit else amount)) / in_7d if in_7d else -1.0,
            float(state.logins.stats(now)[0][0]),
            float(int(mcc)) if mcc and mcc.isdigit() else -1.0,
        )
        typical = self._reference(now).get(tx.kind)
        vs_population = log_amount - typical if typical is not None else 0.0
        tiny_counts = state.tiny_window.stats(now)[0]
        fresh_counts = state.fresh_cards.stats(now)[0]
        vector += (
            vs_population,
            float(tiny_counts[0]),
            float(tiny_counts[1]),
            tiny_counts[1] / (c1 + 1.0),
            float(state.cards_1h.count(now)),
            float(state.card_countries_24h.count(now)),
            float(fresh_counts[0]),
            float(fresh_counts[1]),
            1.0 if card_key and card is None else 0.0,
            amount / in_24h if in_24h else -1.0,
            vs_population if cp_new else -5.0,
        )
        sequence = self.sequences.features(tx, balance, out_24h, out_7d)
        vector += sequence
        vector += self.behaviour.features(
            tx,
            balance=balance,
            out_7d=out_7d,
            own_mean_log=state.out_stats.mean if state.out_stats.count else None,
            payee_first_days=sequence[3],
        )
        return vector

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


def _counts_and_day_sum(window: Window, now: float) -> list[float]:
    """A card's or counterparty's window at ``now``: its counts, then its 24 h sum (log)."""
    counts, sums = window.stats(now)
    day = sums[1]
    return [*map(float, counts), log1p(day) if day > 0 else 0.0]


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
