"""Transaction monitoring: typology detectors run incrementally as transactions arrive.

:meth:`Monitor.observe` takes events in time order and returns the alerts the latest one
raised. Each detector looks only at the past and the transaction at hand; an account is not
alerted twice for the same typology within a cool-down, and no alert names more than 50
customers or 1,000 transactions.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from coffer.risk.aml.population import AmountScale
from coffer.risk.aml.state import DAY, HOUR, AccountState, Flow
from coffer.risk.events import Customer, Event, Transaction
from coffer.risk.windows import DistinctWindow, Window

TYPOLOGIES = (
    "structuring",
    "fan_in",
    "fan_out",
    "cycle",
    "rapid_movement",
    "dormant_reactivation",
    "scatter_gather",
    "mule",
)
MAX_CUSTOMERS = 50
MAX_TRANSACTIONS = 1000


@dataclass(frozen=True)
class Alert:
    typology: str
    customer_ids: tuple[str, ...]
    transaction_ids: tuple[str, ...]
    at: float


@dataclass
class MonitorSettings:
    """Thresholds of the detectors (amounts in minor units of a 2-decimal currency)."""

    reporting_thresholds: tuple[int, ...] = (1_000_000, 1_500_000, 500_000, 300_000)
    structuring_band: float = 0.85  # amounts in [band * threshold, threshold)
    structuring_count: int = 3
    structuring_window_seconds: float = 10 * DAY
    fan_window_seconds: float = 3 * DAY
    fan_in_senders: int = 5
    fan_out_recipients: int = 5
    fan_legal_minimum: int = 15
    fan_minimum_total: int = 200_000
    # slow fan-in: many distinct new senders over weeks, no single 3-day window looks busy
    fan_slow_window_seconds: float = 21 * DAY
    fan_slow_parties: int = 8
    fan_slow_minimum_total: int = 400_000
    fan_slow_minimum_each: int = 10_000  # smaller gifts and splits do not count
    cycle_window_seconds: float = 30 * DAY
    cycle_max_hops: int = 7
    cycle_minimum_amount: int = 50_000
    two_hop_minimum_amount: int = 300_000
    rapid_window_seconds: float = 24 * HOUR
    rapid_minimum_amount: int = 300_000
    rapid_out_share: float = 0.6
    dormant_seconds: float = 90 * DAY
    dormant_minimum_amount: int = 200_000
    dormant_follow_seconds: float = 7 * DAY
    gather_window_seconds: float = 5 * DAY
    gather_middles: int = 3
    gather_minimum_amount: int = 20_000
    mule_account_age_seconds: float = 60 * DAY
    mule_sources: int = 3
    mule_minimum_amount: int = 100_000
    mule_out_share: float = 0.5  # of the money in, paid out within 2 days
    mule_source_share: float = 0.7  # no single source above this share of the money in
    mule_window_seconds: float = 14 * DAY  # money in over this long
    cooldown_seconds: float = 14 * DAY


@dataclass
class Monitor:
    settings: MonitorSettings = field(default_factory=MonitorSettings)
    accounts: dict[str, AccountState] = field(default_factory=dict)
    alerted_cycles: set[frozenset[str]] = field(default_factory=set)
    gathers: dict[str, dict[str, dict[str, tuple[float, str, str]]]] = field(default_factory=dict)
    legal: set[str] = field(default_factory=set)  # established legal customers
    scale: AmountScale = field(default_factory=AmountScale)
    currency: str = "EUR"  # of the transaction at hand

    def account(self, customer_id: str, now: float) -> AccountState:
        state = self.accounts.get(customer_id)
        if state is None:
            state = self.accounts[customer_id] = AccountState(created_at=now)
        return state

    def observe(self, event: Event) -> list[Alert]:
        if isinstance(event, Customer):
            state = self.account(event.id, event.at)
            if state.last_tx_at is None:
                state.created_at = min(state.created_at, event.at)
            state.kind = event.kind
            if event.kind == "legal":
                self.legal.add(event.id)
            return []
        if not isinstance(event, Transaction):
            return []
        return self._transaction(event)

    # -- bookkeeping ---------------------------------------------------------------------

    def _floor(self, amount: int) -> float:
        """An amount floor of the settings, raised where the currency's payments run larger
        than the ones it was set for."""
        scale: AmountScale | None = getattr(self, "scale", None)  # a state saved without one
        return amount * scale.factor(self.currency) if scale is not None else float(amount)

    def _transaction(self, tx: Transaction) -> list[Alert]:
        now = tx.at
        if getattr(self, "scale", None) is None:
            self.scale = AmountScale()
        self.scale.observe(tx.currency, tx.amount)
        self.currency = tx.currency
        alerts: list[Alert] = []
        owner = self.account(tx.customer_id, now)
        owner.expire(now)
        party = tx.counterparty or "external"
        receiver_id = tx.internal_counterparty
        dormancy = now - (owner.last_tx_at if owner.last_tx_at is not None else owner.created_at)
        flow = Flow(
            now, tx.amount, tx.id, party, receiver_id is not None, party not in owner.parties
        )
        owner.parties.add(party)
        if tx.is_credit:
            owner.credits.append(flow)
        else:
            owner.debits.append(flow)
        alerts.extend(self._dormant(tx, owner, flow, dormancy))
        owner.last_tx_at = now
        alerts.extend(self._structuring(tx, owner, flow))
        receiver: AccountState | None = None
        if receiver_id is not None and not tx.is_credit:
            receiver = self.account(receiver_id, now)
            receiver.expire(now)
            incoming = Flow(
                now, tx.amount, tx.id, tx.customer_id, True, tx.customer_id not in receiver.parties
            )
            receiver.parties.add(tx.customer_id)
            receiver.credits.append(incoming)
            rdormancy = now - (
                receiver.last_tx_at if receiver.last_tx_at is not None else receiver.created_at
            )
            if not self._is_legal(owner, now):  # a salary or a refund wakes nothing up
                alerts.extend(self._dormant_receiver(receiver_id, receiver, incoming, rdormancy))
                receiver.last_tx_at = now
            alerts.extend(self._fan_in(receiver_id, receiver, now))
            if tx.customer_id not in self.legal:
                alerts.extend(self._structuring(tx, receiver, incoming, receiver_id))
            alerts.extend(self._cycle(tx, receiver_id))
            alerts.extend(self._scatter_gather(tx, owner, receiver_id, receiver))
        elif tx.is_credit:
            alerts.extend(self._fan_in(tx.customer_id, owner, now))
        if not tx.is_credit and not party.startswith("merchant:"):
            alerts.extend(self._fan_out(tx.customer_id, owner, now))
            alerts.extend(self._rapid(tx.customer_id, owner, now))
            alerts.extend(self._mule(tx.customer_id, owner, now))
        return alerts

    def _cooling(self, state: AccountState, typology: str, now: float) -> bool:
        until = state.cooldowns.get(typology)
        return until is not None and now < until

    def _alert(
        self,
        typology: str,
        state: AccountState,
        now: float,
        customers: list[str],
        transactions: list[str],
    ) -> list[Alert]:
        state.cooldowns[typology] = now + self.settings.cooldown_seconds
        unique_customers = list(dict.fromkeys(customers))[:MAX_CUSTOMERS]
        unique_transactions = list(dict.fromkeys(transactions))[-MAX_TRANSACTIONS:]
        return [Alert(typology, tuple(unique_customers), tuple(unique_transactions), now)]

    def _is_legal(self, state: AccountState, now: float) -> bool:
        return state.kind == "legal" and now - state.created_at > 30 * DAY

    # -- detectors -----------------------------------------------------------------------

    def _structuring(
        self, tx: Transaction, state: AccountState, flow: Flow, customer_id: str | None = None
    ) -> list[Alert]:
        """Amounts just under a reporting threshold, sent or received by one account."""
        settings = self.settings
        if tx.kind in ("payment", "payin_card") or self._is_legal(state, tx.at):
            return []
        limit = self._under_threshold(tx.amount)
        if limit is None:
            return []
        now = tx.at
        queue = state.structuring
        queue.append(flow)
        while queue and queue[0].at <= now - settings.structuring_window_seconds:
            queue.popleft()
        # staying under one threshold again and again; amounts under different thresholds
        # are ordinary sizes of payment, not a threshold avoided
        same = [f for f in queue if self._under_threshold(f.amount) == limit]
        needed = settings.structuring_count + (2 if state.kind == "legal" else 0)
        if len(same) < needed or self._cooling(state, "structuring", now):
            return []
        owner = customer_id or tx.customer_id
        customers = [owner] + [f.party for f in same if f.internal]
        return self._alert("structuring", state, now, customers, [f.tx_id for f in same])

    def _under_threshold(self, amount: int) -> int | None:
        """The reporting threshold ``amount`` is just under (within the band), if any."""
        band = self.settings.structuring_band
        for limit in self.settings.reporting_thresholds:
            if band * limit <= amount < limit:
                return limit
        return None

    def _fan(
        self, direction: str, customer_id: str, state: AccountState, now: float, flows: deque[Flow]
    ) -> list[Alert]:
        settings = self.settings
        typology = "fan_in" if direction == "in" else "fan_out"
        window = settings.fan_window_seconds
        tracked = state.fans.get(direction)
        if tracked is None:
            tracked = state.fans[direction] = (DistinctWindow(window), Window((window,)))
        parties, sums = tracked
        latest = flows[-1]  # the flow just recorded
        if self._fan_party(latest.party):
            parties.add(now, latest.party)
            sums.add(now, latest.amount)
        count = parties.count(now)
        baseline = state.baseline(direction, now, window)
        state.remember_count(direction, now, count)
        minimum = settings.fan_in_senders if direction == "in" else settings.fan_out_recipients
        if self._is_legal(state, now):
            minimum = max(minimum, settings.fan_legal_minimum)
        if count < max(minimum, int(1.5 * baseline) + 1):
            return []
        if sums.stats(now)[1][0] < self._floor(settings.fan_minimum_total):
            return []
        if self._cooling(state, typology, now):
            return []
        recent = [f for f in flows if f.at > now - window and self._fan_party(f.party)]
        customers = [customer_id] + [f.party for f in recent if f.internal]
        return self._alert(typology, state, now, customers, [f.tx_id for f in recent])

    def _slow_fan_in(self, customer_id: str, state: AccountState, now: float) -> list[Alert]:
        """Many distinct senders new to the account over weeks
        (:attr:`MonitorSettings.fan_slow_window_seconds`), each sending at least
        :attr:`MonitorSettings.fan_slow_minimum_each`; raised as ``fan_in``."""
        settings = self.settings
        typology = "fan_in"
        window = settings.fan_slow_window_seconds
        flows = state.credits
        latest = flows[-1]
        if not self._fan_party(latest.party) or self._is_legal(state, now):
            return []  # established companies: the 3-day fans, with their own thresholds
        if self._cooling(state, typology, now):
            return []
        recent = [
            f
            for f in flows
            if f.at > now - window
            and f.new_party
            and f.amount >= self._floor(settings.fan_slow_minimum_each)
            and self._fan_party(f.party)
        ]
        parties = {f.party for f in recent}
        if len(parties) < settings.fan_slow_parties:
            return []
        if sum(f.amount for f in recent) < self._floor(settings.fan_slow_minimum_total):
            return []
        customers = [customer_id] + [f.party for f in recent if f.internal]
        return self._alert(typology, state, now, customers, [f.tx_id for f in recent])

    def _fan_party(self, party: str) -> bool:
        """Whether money with this party counts for fan-in/out (not merchants, legal
        customers or unknown sources)."""
        return party not in self.legal and party != "external" and not party.startswith("merchant:")

    def _fan_in(self, customer_id: str, state: AccountState, now: float) -> list[Alert]:
        alerts = self._fan("in", customer_id, state, now, state.credits)
        return alerts or self._slow_fan_in(customer_id, state, now)

    def _fan_out(self, customer_id: str, state: AccountState, now: float) -> list[Alert]:
        return self._fan("out", customer_id, state, now, state.debits)

    def _cycle(self, tx: Transaction, receiver_id: str) -> list[Alert]:
        """``tx`` (u -> v) closes a cycle when v's money reached u through earlier hops."""
        settings = self.settings
        if tx.amount < self._floor(settings.cycle_minimum_amount):
            return []
        origin = tx.customer_id
        now = tx.at
        start = now - settings.cycle_window_seconds
        found: list[Flow] | None = None
        stack: list[tuple[str, float, int, list[Flow]]] = [(receiver_id, start, tx.amount, [])]
        steps = 0
        while stack and found is None and steps < 2000:
            node, after, _previous_amount, path = stack.pop()
            state = self.accounts.get(node)
            if state is None:
                continue
            for flow in state.debits:
                steps += 1
                if not flow.internal or flow.at <= after or flow.tx_id == tx.id:
                    continue
                if not 0.7 * tx.amount <= flow.amount <= 1.6 * tx.amount:
                    continue
                if flow.party in {f.party for f in path} or flow.party == receiver_id:
                    continue
                hops = [*path, flow]
                if flow.party == origin:
                    if len(hops) >= 2 or tx.amount >= self._floor(settings.two_hop_minimum_amount):
                        found = hops
                        break
                    continue
                if len(hops) < settings.cycle_max_hops - 1:
                    stack.append((flow.party, flow.at, flow.amount, hops))
        if found is None:
            return []
        members = [receiver_id] + [f.party for f in found]
        key = frozenset(members)
        if key in self.alerted_cycles:
            return []
        self.alerted_cycles.add(key)
        state = self.account(origin, now)
        return self._alert("cycle", state, now, members, [f.tx_id for f in found] + [tx.id])

    def _rapid(self, customer_id: str, state: AccountState, now: float) -> list[Alert]:
        """Pass-through: most of what came in within the window goes out again."""
        settings = self.settings
        if self._is_legal(state, now) or self._cooling(state, "rapid_movement", now):
            return []
        window = settings.rapid_window_seconds
        credits = [
            f
            for f in state.credits
            if f.at > now - window and f.party != "external" and f.party not in self.legal
        ]
        if not credits:
            return []
        received = sum(f.amount for f in credits)
        if received < self._floor(settings.rapid_minimum_amount):
            return []
        first = credits[0].at
        sources = {f.party for f in credits}
        debits = [
            f
            for f in state.debits
            if f.at >= first and not f.party.startswith("merchant:") and f.party not in sources
        ]  # money sent back where it came from is not passed through
        sent = sum(f.amount for f in debits)
        if sent < settings.rapid_out_share * received:
            return []
        if not any(f.new_party for f in credits):
            return []  # money from known sources sent on: a customer's own decision (or a scam)
        customers = [customer_id] + [f.party for f in credits + debits if f.internal]
        return self._alert(
            "rapid_movement", state, now, customers, [f.tx_id for f in credits + debits]
        )

    def _dormant(
        self, tx: Transaction, state: AccountState, flow: Flow, dormancy: float
    ) -> list[Alert]:
        return self._dormant_receiver(tx.customer_id, state, flow, dormancy)

    def _dormant_receiver(
        self, customer_id: str, state: AccountState, flow: Flow, dormancy: float
    ) -> list[Alert]:
        settings = self.settings
        now = flow.at
        if dormancy >= settings.dormant_seconds:
            state.woke_at = now
            state.woke_flows = []
        if state.woke_at is None:
            return []
        if now - state.woke_at > settings.dormant_follow_seconds:
            state.woke_at = None
            state.woke_flows = []
            return []
        state.woke_flows.append(flow)
        total = sum(f.amount for f in state.woke_flows if not f.party.startswith("merchant:"))
        if total < self._floor(settings.dormant_minimum_amount) or self._cooling(
            state, "dormant_reactivation", now
        ):
            return []
        flows = state.woke_flows
        state.woke_at = None
        state.woke_flows = []
        customers = [customer_id] + [f.party for f in flows if f.internal]
        return self._alert("dormant_reactivation", state, now, customers, [f.tx_id for f in flows])

    def _scatter_gather(
        self, tx: Transaction, middle: AccountState, target_id: str, target: AccountState
    ) -> list[Alert]:
        settings = self.settings
        now = tx.at
        if tx.amount < self._floor(settings.gather_minimum_amount) or self._is_legal(target, now):
            return []
        middle_id = tx.customer_id
        gathered = self.gathers.setdefault(target_id, {})
        for source in list(gathered):
            entries = gathered[source]
            for key in [
                k for k, v in entries.items() if v[0] <= now - settings.gather_window_seconds
            ]:
                del entries[key]
            if not entries:
                del gathered[source]
        alerts: list[Alert] = []
        for flow in middle.credits:
            if not flow.internal or flow.party in (target_id, middle_id):
                continue
            if flow.at <= now - settings.gather_window_seconds:
                continue
            if not 0.5 * flow.amount <= tx.amount <= 1.05 * flow.amount:
                continue
            entries = gathered.setdefault(flow.party, {})
            entries[middle_id] = (now, flow.tx_id, tx.id)
            if len(entries) >= settings.gather_middles and not self._cooling(
                target, "scatter_gather", now
            ):
                customers = [flow.party, target_id, *entries]
                transactions = [t for _, a, b in entries.values() for t in (a, b)]
                alerts.extend(self._alert("scatter_gather", target, now, customers, transactions))
        return alerts

    def _mule(self, customer_id: str, state: AccountState, now: float) -> list[Alert]:
        """A young account fed by several sources, none of them most of the money, that pays
        most of it out at once to parties that did not fund it (not back to its own bank
        account)."""
        settings = self.settings
        if now - state.created_at > settings.mule_account_age_seconds:
            return []
        if self._cooling(state, "mule", now):
            return []
        window = settings.mule_window_seconds
        credits = [f for f in state.credits if f.at > now - window and f.party != "external"]
        by_source: dict[str, int] = {}
        for f in credits:
            by_source[f.party] = by_source.get(f.party, 0) + f.amount
        received = sum(by_source.values())
        if len(by_source) < settings.mule_sources or received < self._floor(
            settings.mule_minimum_amount
        ):
            return []
        if max(by_source.values()) > settings.mule_source_share * received:
            return []  # one party's money with a little from others: not a collection
        debits = [f for f in state.debits if f.at > now - 2 * DAY and f.party not in by_source]
        sent = sum(f.amount for f in debits)
        if sent < settings.mule_out_share * received:
            return []
        customers = [customer_id] + [f.party for f in credits if f.internal]
        transactions = [f.tx_id for f in credits] + [f.tx_id for f in debits]
        return self._alert("mule", state, now, customers, transactions)
