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
from coffer.automations.repository import dumps, loads, new_id, unit
from coffer.wallets.checks import UNIT, Movement, Verdict

NAME = "spending_policies"
RULES_CACHE_BOUND = 10_000


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


class SpendingPolicyCheck:
    """Asked by the wallets before money moves (registered by
    :func:`coffer.automations.policies.open_spending_policies`)."""

    name = NAME

    def __init__(self, engine: sa.Engine, clock: Callable[[], float] | None = None) -> None:
        self.engine = engine
        self.clock = clock  # tests: the time movements are judged at (else their own)
        self._rules: dict[tuple[str, int], PolicyRules] = {}
        self._lock = threading.Lock()

    def _parsed(self, row: dict[str, Any]) -> _Policy:
        key = (str(row["id"]), int(row["version"]))
        rules = self._rules.get(key)
        if rules is None:
            rules = PolicyRules.model_validate(loads(row["rules"]))
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
            with unit(self.engine) as connection:
                yield connection
        else:
            with self.engine.connect() as connection:
                yield connection

    def check(self, movements: Sequence[Movement]) -> list[Verdict]:
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
        if not rows:
            return [allow] * len(movements)
        policies = [self._parsed(row) for row in rows]
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

    def _windows(self, item: _Pending) -> Iterator[tuple[_Policy, VelocityLimit, str]]:
        for policy in item.policies:
            if not policy.rules.limits:
                continue
            local = local_time(policy.rules, item.at)
            for limit in policy.rules.limits:
                yield policy, limit, window_start(limit.window, local).isoformat()

    def _count(self, items: list[_Pending]) -> None:
        """Count every movement in its policies' windows, in one unit."""
        now = time.time_ns() // 1000
        keys = sorted(
            {
                (policy.id, limit.window, start, policy.platform_id)
                for item in items
                for policy, limit, start in self._windows(item)
            }
        )
        with self._connection(write=True) as connection:
            R.open_windows(
                connection,
                [
                    {
                        "policy_id": policy_id,
                        "window": window,
                        "window_start": start,
                        "platform_id": platform_id,
                        "amount_used": 0,
                        "count_used": 0,
                        "updated_at": now,
                    }
                    for policy_id, window, start, platform_id in keys
                ],
            )
            R.lock_windows(connection, [key[:3] for key in keys])
            for item in items:
                self._count_one(connection, item, now)

    def _count_one(self, connection: sa.Connection, item: _Pending, now: int) -> None:
        amount = item.movement.amount
        for policy, limit, start in self._windows(item):
            enforced = policy.mode == "enforce"
            after = R.add_usage(
                connection,
                policy.id,
                limit.window,
                start,
                amount=amount,
                amount_limit=limit.amount if enforced else None,
                count_limit=limit.count if enforced else None,
                now=now,
            )
            if after is None:  # enforced and over the limit: uncount the movement
                amount_used, count_used = R.used(connection, policy.id, limit.window, start)
                for counted in item.counted:
                    R.remove_usage(connection, *counted, now)
                item.counted.clear()
                refusal = velocity_refusal(
                    policy.rules,
                    policy.id,
                    limit,
                    amount=amount,
                    amount_used=amount_used,
                    count_used=count_used,
                )
                item.refusal = (policy, refusal)
                return
            item.counted.append((policy.id, limit.window, start, amount))
            amount_used, count_used = after
            over_amount = limit.amount is not None and amount_used > limit.amount
            over_count = limit.count is not None and count_used > limit.count
            if not enforced and (over_amount or over_count):
                item.monitored.append(
                    (
                        policy,
                        velocity_refusal(
                            policy.rules,
                            policy.id,
                            limit,
                            amount=amount,
                            amount_used=amount_used - amount,
                            count_used=count_used - 1,
                        ),
                    )
                )

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
        if connection is not None:
            for key in counted:
                R.remove_usage(connection, *key, now)
            return
        with unit(self.engine) as own:
            for key in counted:
                R.remove_usage(own, *key, now)


def dump_rules(rules: PolicyRules) -> str:
    return dumps(rules.model_dump(mode="json", exclude_none=False))
