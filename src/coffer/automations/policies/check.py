"""The spending policies' movement check (a :class:`coffer.wallets.checks.MovementCheck`).

For a batch of movements: one read of the active policies on their wallets and customers;
the rules that need no state (per-transaction maximum, counterparties, merchant
categories, hours) are evaluated in memory; the velocity limits are counted in one write
unit: the usage rows of the batch's windows are created if missing and locked (in key
order on PostgreSQL), then each movement is counted by a conditional UPDATE (``... WHERE
amount_used + amount <= limit``), so two concurrent movements cannot both pass a limit
that only one fits. A movement that does not happen after all (refused by another check or
by the ledger) is uncounted through its verdict's ``release``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from coffer.automations.policies import repository as R
from coffer.automations.policies import tables as T
from coffer.automations.policies.errors import SpendingPolicyRefused
from coffer.automations.policies.rules import (
    SPENDING_KINDS,
    PolicyRules,
    Refusal,
    VelocityLimit,
    local_time,
    static_refusal,
    velocity_refusal,
    window_start,
)
from coffer.automations.repository import dumps, loads, new_id
from coffer.wallets.checks import UNIT, Movement, Verdict

NAME = "spending_policies"
RULES_CACHE_BOUND = 10_000
OPENED_BOUND = 100_000  # usage rows known to exist


@dataclass(slots=True)
class _Policy:
    id: str
    platform_id: str
    version: int
    mode: str
    rules: PolicyRules


@dataclass(slots=True)
class _Pending:
    """One movement's way through the check."""

    movement: Movement
    policies: list[_Policy]
    at: float
    refusal: tuple[_Policy, Refusal] | None = None
    monitored: list[tuple[_Policy, Refusal]] = field(default_factory=list)
    counted: list[tuple[str, str, str, int]] = field(default_factory=list)
    windows: list[tuple[_Policy, VelocityLimit, str]] | None = None


class SpendingPolicyCheck:
    """Asked by the wallets before money moves (registered by
    :func:`coffer.automations.policies.open_spending_policies`)."""

    name = NAME

    def __init__(self, engine: sa.Engine, clock: Callable[[], float] | None = None) -> None:
        self.engine = engine
        self.clock = clock  # tests: the time movements are judged at (else their own)
        self._rules: dict[tuple[str, int], PolicyRules] = {}
        self._lock = threading.Lock()
        self._opened: set[R.WindowKey] = set()

    def _parsed(self, connection: sa.Connection, row: dict[str, Any]) -> _Policy:
        key = (str(row["id"]), int(row["version"]))
        rules = self._rules.get(key)
        if rules is None:
            rules = PolicyRules.model_validate(loads(R.rules_of(connection, *key)))
            with self._lock:
                if len(self._rules) >= RULES_CACHE_BOUND:
                    self._rules.clear()
                self._rules[key] = rules
        return _Policy(key[0], str(row["platform_id"]), key[1], str(row["mode"]), rules)

    @contextmanager
    def _connection(self, write: bool) -> Iterator[sa.Connection]:
        caller = UNIT.get()
        if caller is not None:
            yield caller
        elif write:
            with R.usage_unit(self.engine) as connection:
                yield connection
        else:
            with self.engine.connect() as connection:
                yield connection

    def check(self, movements: Sequence[Movement]) -> list[Verdict]:
        if UNIT.get() is None and self.engine.dialect.name == "postgresql":
            # one transaction (one round trip less per statement set) for the read and the
            # count; SQLite reads outside its write lock instead
            with R.usage_unit(self.engine) as connection:
                token = UNIT.set(connection)
                try:
                    return self._check(movements)
                finally:
                    UNIT.reset(token)
        return self._check(movements)

    def _check(self, movements: Sequence[Movement]) -> list[Verdict]:
        allow = Verdict("allow", NAME)
        spending = [m for m in movements if m.kind in SPENDING_KINDS]
        if not spending:
            return [allow] * len(movements)
        with self._connection(write=False) as connection:
            rows = R.active_for(
                connection,
                (m.wallet_id for m in spending),
                (m.customer_id for m in spending if m.customer_id),
            )
            policies = [self._parsed(connection, row) for row in rows]
        if not rows:
            return [allow] * len(movements)
        by_wallet: dict[str, list[_Policy]] = {}
        by_customer: dict[str, list[_Policy]] = {}
        for row, parsed in zip(rows, policies, strict=True):
            if row["wallet_id"]:
                by_wallet.setdefault(str(row["wallet_id"]), []).append(parsed)
            if row["customer_id"]:
                by_customer.setdefault(str(row["customer_id"]), []).append(parsed)
        pending: dict[int, _Pending] = {}
        for index, movement in enumerate(movements):
            applying = [
                policy
                for policy in (
                    by_wallet.get(movement.wallet_id, [])
                    + by_customer.get(movement.customer_id or "", [])
                )
                if policy.platform_id == movement.platform_id
                and movement.kind in policy.rules.movement_kinds
            ]
            if applying and movement.kind in SPENDING_KINDS:
                at = self.clock() if self.clock is not None else movement.at
                pending[index] = self._judge(movement, applying, at)
        counting = [p for p in pending.values() if p.refusal is None and self._velocity(p)]
        if counting:
            self._count(counting)
        return [
            self._verdict(pending[index]) if index in pending else allow
            for index in range(len(movements))
        ]

    @staticmethod
    def _velocity(item: _Pending) -> bool:
        return any(policy.rules.limits for policy in item.policies)

    def _judge(self, movement: Movement, policies: list[_Policy], at: float) -> _Pending:
        """The rules without state: the first enforced refusal, the monitored ones."""
        item = _Pending(movement, policies, at)
        for policy in policies:
            local = local_time(policy.rules, at)
            refusal = static_refusal(
                policy.rules,
                policy.id,
                amount=movement.amount,
                currency=movement.currency,
                counterparty=movement.counterparty,
                mcc=movement.context.get("mcc"),
                local=local,
            )
            if refusal is None:
                continue
            if policy.mode == "enforce":
                item.refusal = (policy, refusal)
                return item
            item.monitored.append((policy, refusal))
        return item

    @staticmethod
    def _windows(item: _Pending) -> list[tuple[_Policy, VelocityLimit, str]]:
        """The velocity windows the movement counts in (computed once per movement)."""
        if item.windows is None:
            item.windows = []
            for policy in item.policies:
                if not policy.rules.limits:
                    continue
                local = local_time(policy.rules, item.at)
                for limit in policy.rules.limits:
                    start = window_start(limit.window, local).isoformat()
                    item.windows.append((policy, limit, start))
        return item.windows

    def _count(self, items: list[_Pending]) -> None:
        """Count every movement in its policies' windows, in one unit: the windows' usage
        rows are created if missing and read locked, each movement is judged against them
        in order (an enforced limit it does not fit refuses it, and it counts nowhere), and
        the new usage is written back before the unit commits."""
        now = time.time_ns() // 1000
        platforms: dict[R.WindowKey, str] = {
            (policy.id, limit.window, start): policy.platform_id
            for item in items
            for policy, limit, start in self._windows(item)
        }
        keys = sorted(platforms)
        with self._connection(write=True) as connection:
            R.open_windows(connection, self._new_rows(keys, platforms, now, only_unknown=True))
            usage = R.lock_usage(connection, keys)
            missing = [key for key in keys if key not in usage]
            if missing:  # a window whose row was deleted since (its policy deleted)
                R.open_windows(connection, self._new_rows(missing, platforms, now))
                usage.update(R.lock_usage(connection, missing))
            before = {key: tuple(value) for key, value in usage.items()}
            for item in items:
                self._count_one(item, usage)
            R.set_usage(
                connection,
                [(key, usage[key]) for key in keys if tuple(usage[key]) != before[key]],
                now,
            )
        with self._lock:
            if len(self._opened) > OPENED_BOUND:
                self._opened.clear()
            self._opened.update(keys)

    def _new_rows(
        self,
        keys: Sequence[R.WindowKey],
        platforms: dict[R.WindowKey, str],
        now: int,
        *,
        only_unknown: bool = False,
    ) -> list[dict[str, Any]]:
        return [
            {
                "policy_id": key[0],
                "window": key[1],
                "window_start": key[2],
                "platform_id": platforms[key],
                "amount_used": 0,
                "count_used": 0,
                "updated_at": now,
            }
            for key in keys
            if not (only_unknown and key in self._opened)
        ]

    def _count_one(self, item: _Pending, usage: dict[R.WindowKey, list[int]]) -> None:
        """Count one movement in ``usage`` (read locked), or refuse it."""
        amount = item.movement.amount
        for policy, limit, start in self._windows(item):
            key = (policy.id, limit.window, start)
            amount_used, count_used = usage[key]
            over_amount = limit.amount is not None and amount > limit.amount - amount_used
            over_count = limit.count is not None and count_used + 1 > limit.count
            if over_amount or over_count:
                refusal = velocity_refusal(
                    policy.rules,
                    policy.id,
                    limit,
                    amount=amount,
                    amount_used=amount_used,
                    count_used=count_used,
                )
                if policy.mode == "enforce":  # uncount the movement, refuse it
                    for counted_id, window, counted_start, counted_amount in item.counted:
                        counted_usage = usage[(counted_id, window, counted_start)]
                        counted_usage[0] -= counted_amount
                        counted_usage[1] -= 1
                    item.counted.clear()
                    item.refusal = (policy, refusal)
                    return
                item.monitored.append((policy, refusal))
            usage[key] = [amount_used + amount, count_used + 1]
            item.counted.append((*key, amount))

    def _verdict(self, item: _Pending) -> Verdict:
        movement = item.movement
        writes = []
        events = []
        decided = [(policy, refusal, "would_refuse") for policy, refusal in item.monitored]
        if item.refusal is not None:
            decided.append((*item.refusal, "refused"))
        for policy, refusal, outcome in decided:
            row = {
                "id": new_id("spd"),
                "platform_id": movement.platform_id,
                "policy_id": policy.id,
                "policy_version": policy.version,
                "mode": policy.mode,
                "outcome": outcome,
                "rule": refusal.rule,
                "message": refusal.message,
                "movement_kind": movement.kind,
                "movement_id": movement.id,
                "wallet_id": movement.wallet_id,
                "amount": movement.amount,
                "currency": movement.currency,
                "created_at": time.time_ns() // 1000,
            }
            writes.append((T.spending_policy_decisions, row))
            event = (
                "spending_policy.refused" if outcome == "refused" else "spending_policy.monitored"
            )
            events.append((event, {"object": "spending_policy_decision", **row}))
        if item.refusal is not None:
            policy, refusal = item.refusal
            error = SpendingPolicyRefused(refusal.message, policy_id=policy.id, rule=refusal.rule)
            return Verdict(
                "block",
                NAME,
                decision_id=str(writes[-1][1]["id"]),
                reasons=(refusal.rule,),
                message=refusal.message,
                writes=tuple(writes),
                events=tuple(events),
                error=error,
            )
        counted = list(item.counted)
        return Verdict(
            "allow",
            NAME,
            reasons=tuple(refusal.rule for _, refusal in item.monitored),
            writes=tuple(writes),
            events=tuple(events),
            release=(lambda connection: self._release(connection, counted)) if counted else None,
        )

    def _release(
        self, connection: sa.Connection | None, counted: list[tuple[str, str, str, int]]
    ) -> None:
        now = time.time_ns() // 1000
        movements = [((p, w, start), amount) for p, w, start, amount in counted]
        if connection is not None:
            R.take_usage(connection, movements, now)
            return
        with R.usage_unit(self.engine) as own:
            R.take_usage(own, movements, now)


def dump_rules(rules: PolicyRules) -> str:
    return dumps(rules.model_dump(mode="json", exclude_none=False))
