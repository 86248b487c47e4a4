"""The spending policies' movement check (a :class:`coffer.wallets.checks.MovementCheck`).

For a batch of movements: the active policies of their wallets and customers come from
the process's cache (:mod:`.active`); the rules that need no state (per-transaction
maximum, counterparties, merchant categories, hours) are evaluated in memory; the velocity
limits are counted against this process's leases of the windows (:mod:`.leases`) when
they have room, else by the windows' usage rows, read locked (in key order on
PostgreSQL), where ``used + reserved`` never passes an enforced limit: two concurrent
movements, in one process or several, cannot both pass a limit that only one fits. A
movement that does not happen after all (refused by another check or by the ledger) is
uncounted through its verdict's ``release``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from coffer.automations.policies import repository as R
from coffer.automations.policies import tables as T
from coffer.automations.policies.active import ActivePolicies, ActivePolicy
from coffer.automations.policies.errors import SpendingPolicyRefused
from coffer.automations.policies.leases import LEASE_SHARE, Leases, WindowKey
from coffer.automations.policies.rules import (
    SPENDING_KINDS,
    Refusal,
    VelocityLimit,
    local_time,
    static_refusal,
    velocity_refusal,
    window_starts,
)
from coffer.automations.repository import new_id
from coffer.wallets.checks import UNIT, Movement, Verdict

NAME = "spending_policies"
SYNC_SECONDS = 1.0  # how often the rows hear what leases counted
log = logging.getLogger(__name__)
OPENED_BOUND = 100_000  # usage rows known to exist
AHEAD_SECONDS = 3 * SYNC_SECONDS  # a window's successor is leased this long before it starts
AHEAD_BOUND = 10_000  # leases renewed or taken ahead per tick
_ALLOW = Verdict("allow", NAME)


Window = tuple[WindowKey, int, ActivePolicy, VelocityLimit]  # key, policy version, ...
Windows = dict[WindowKey, tuple[ActivePolicy, VelocityLimit]]


@dataclass(slots=True)
class _Pending:
    """One movement's way through the check."""

    movement: Movement
    policies: list[ActivePolicy]
    at: float
    refusal: tuple[ActivePolicy, Refusal] | None = None
    monitored: list[tuple[ActivePolicy, Refusal]] = field(default_factory=list)
    counted: list[tuple[WindowKey, int, bool]] = field(default_factory=list)  # from a lease?
    windows: list[Window] = field(default_factory=list)  # the velocity windows it counts in
    leasable: bool = True  # every policy of its windows enforces: leases may count it


class _Calendar:
    """The calendar work of one batch, done once per time zone and minute (window starts)
    or second (local times for hours)."""

    __slots__ = ("_locals", "_starts")

    def __init__(self) -> None:
        self._starts: dict[tuple[str, int], dict[str, str]] = {}
        self._locals: dict[tuple[str, int], datetime] = {}

    def starts(self, time_zone: str, at: float) -> dict[str, str]:
        key = (time_zone, int(at // 60))
        found = self._starts.get(key)
        if found is None:
            found = self._starts[key] = window_starts(time_zone, at)
        return found

    def local(self, policy: ActivePolicy, at: float) -> datetime:
        if not policy.hours_to_the_second:
            return local_time(policy.rules, at)
        key = (policy.time_zone, int(at // 1))
        found = self._locals.get(key)
        if found is None:
            found = self._locals[key] = local_time(policy.rules, float(key[1]))
        return found


class SpendingPolicyCheck:
    """Asked by the wallets before money moves (registered by
    :func:`coffer.automations.policies.open_spending_policies`)."""

    name = NAME

    def __init__(
        self,
        engine: sa.Engine,
        clock: Callable[[], float] | None = None,
        *,
        cache_seconds: float = 1.0,
    ) -> None:
        self.engine = engine
        self.clock = clock  # tests: the time movements are judged at (else their own)
        self.policies = ActivePolicies(cache_seconds)
        self._lock = threading.Lock()
        self._opened: Windows = {}  # the windows whose rows exist
        self._opened_generation = 0  # of the policies' cache when they were opened
        self.leases = Leases()
        self._unit_lock = threading.Lock()  # one reconciliation of this process at a time
        self._timer: threading.Timer | None = None
        self._closed = False

    def _reading(self) -> AbstractContextManager[sa.Connection]:
        caller = UNIT.get()
        return nullcontext(caller) if caller is not None else self.engine.connect()

    def check(self, movements: Sequence[Movement]) -> list[Verdict]:
        spending = [m for m in movements if m.kind in SPENDING_KINDS]
        if not spending:
            return [_ALLOW] * len(movements)
        wallets, customers = self.policies.of(
            self._reading,
            {m.wallet_id for m in spending},
            {m.customer_id for m in spending if m.customer_id},
        )
        pending: dict[int, _Pending] = {}
        calendar = _Calendar()
        for index, movement in enumerate(movements):
            found = wallets.get(movement.wallet_id, ())
            if movement.customer_id and (of_customer := customers.get(movement.customer_id)):
                found += of_customer
            if not found or movement.kind not in SPENDING_KINDS:
                continue
            platform_id, kind = movement.platform_id, movement.kind
            applying = [p for p in found if p.platform_id == platform_id and kind in p.kinds]
            if applying:
                at = self.clock() if self.clock is not None else movement.at
                pending[index] = self._judge(movement, applying, at, calendar)
        if not pending:
            return [_ALLOW] * len(movements)
        counting = [p for p in pending.values() if p.refusal is None and p.windows]
        if counting:
            self._count(counting)
        return [
            self._verdict(pending[index]) if index in pending else _ALLOW
            for index in range(len(movements))
        ]

    @staticmethod
    def _judge(
        movement: Movement, policies: list[ActivePolicy], at: float, calendar: _Calendar
    ) -> _Pending:
        """The rules without state (the first enforced refusal, the monitored ones), then
        the velocity windows the movement counts in."""
        item = _Pending(movement, policies, at)
        amount, currency, counterparty = movement.amount, movement.currency, movement.counterparty
        mcc = movement.context.get("mcc")
        for policy in policies:
            if policy.passes(amount, currency, counterparty, mcc, at, calendar.local):
                continue
            refusal = static_refusal(
                policy.rules,
                policy.id,
                amount=amount,
                currency=currency,
                counterparty=counterparty,
                mcc=mcc,
                at=at,
            )
            assert refusal is not None
            if policy.enforce:
                item.refusal = (policy, refusal)
                return item
            item.monitored.append((policy, refusal))
        windows = item.windows
        for policy in policies:
            if policy.limits:
                starts = calendar.starts(policy.time_zone, at)
                item.leasable = item.leasable and policy.enforce
                for limit in policy.limits:
                    key = (policy.id, limit.window, starts[limit.window])
                    windows.append((key, policy.version, policy, limit))
        return item

    def _count(self, items: list[_Pending]) -> None:
        """Count every movement in its policies' windows: from this process's leases
        when they all have room (no database round trip), else under the rows' lock
        (:meth:`_reconcile`). Inside a caller's unit (payments, payouts) always under the
        rows' lock, so the count commits or rolls back with the movement's row."""
        rest = items
        if UNIT.get() is None:
            rest = []
            taken = self.leases.take(
                [(item.windows, item.movement.amount) if item.leasable else None for item in items]
            )
            for item, took in zip(items, taken, strict=True):
                if took:
                    amount = item.movement.amount
                    item.counted = [(window[0], amount, True) for window in item.windows]
                else:
                    rest.append(item)
        if rest:
            self._reconcile(rest)
        self._arm()

    def _reconcile(self, items: list[_Pending], ahead: Windows | None = None) -> None:
        """Count ``items`` under the rows' lock, in the caller's unit or in one of this
        process's (one at a time), which also tells the rows what leases counted and
        reserves new leases, and tops up the leases of the windows ``ahead``."""
        windows: Windows = {
            key: (policy, limit) for item in items for key, _, policy, limit in item.windows
        }
        caller = UNIT.get()
        if caller is not None:
            # given back in the caller's unit (lost if it rolls back: stricter, not laxer)
            withdrawn = self.leases.withdraw(windows)
            self._counted_in(caller, items, windows, withdrawn, reserve=False)
            return
        with self._unit_lock:
            withdrawn = self.leases.withdraw(windows)
            needed = windows
            if ahead:
                windows = ahead | windows
            try:
                with R.usage_unit(self.engine) as connection:
                    grants = self._counted_in(connection, items, windows, withdrawn, reserve=True)
            except BaseException:
                self.leases.restore(withdrawn)
                raise
            for key, grant in grants.items():
                self.leases.grant(key, *grant, ahead=key not in needed)

    def renew(self) -> None:
        """Top up the leases in use that run short, and take the leases of the windows
        following those in use when they start within :data:`AHEAD_SECONDS` (one unit):
        in steady state no movement waits on a row."""
        ahead = self._ahead()
        if ahead:
            self._reconcile([], ahead)

    def _ahead(self) -> Windows:
        if self._opened_generation != self.policies.generation:
            return {}  # a policy changed since: its windows are renewed by movements only
        now = self.clock() if self.clock is not None else time.time()
        held = self.leases.held()
        leased = {key for key, _ in held}
        out: Windows = {}
        for key, short in held[:AHEAD_BOUND]:
            known = self._opened.get(key)
            if known is None or not known[0].enforce:
                continue
            if short:
                out[key] = known
            following = (
                key[0],
                key[1],
                window_starts(known[0].time_zone, now + AHEAD_SECONDS)[key[1]],
            )
            if following != key and following not in leased:
                out[following] = known
        return out

    def _counted_in(
        self,
        connection: sa.Connection,
        items: list[_Pending],
        windows: dict[WindowKey, tuple[ActivePolicy, VelocityLimit]],
        withdrawn: dict[WindowKey, tuple[int, int]],
        *,
        reserve: bool,
    ) -> dict[WindowKey, tuple[int, int | None, int | None]]:
        """The rows' part: the windows' rows are created if missing and read locked,
        the headroom ``withdrawn`` from leases is given back, each movement is judged against
        ``used + reserved`` in order (an enforced limit it does not fit refuses it, and it
        counts nowhere), new leases are reserved (``reserve``: in this process's unit), the
        rows are written back. Answers the leases reserved: version, amount, count."""
        now = time.time_ns() // 1000
        platforms = {key: policy.platform_id for key, (policy, _) in windows.items()}
        keys = sorted(windows)
        R.open_windows(
            connection, self._new_rows(sorted(windows), platforms, now, only_unknown=True)
        )
        usage = R.lock_usage(connection, keys)
        missing = [key for key in windows if key not in usage]
        if missing:  # a window whose row was deleted since (its policy deleted)
            R.open_windows(connection, self._new_rows(missing, platforms, now))
            usage.update(R.lock_usage(connection, missing))
        before = {key: tuple(value) for key, value in usage.items()}
        for key, (amount, count) in withdrawn.items():
            row = usage[key]
            row[2], row[3] = max(0, row[2] - amount), max(0, row[3] - count)
        for item in items:
            self._count_one(item, usage)
        grants: dict[WindowKey, tuple[int, int | None, int | None]] = {}
        if reserve:
            for key, (policy, limit) in windows.items():
                if not policy.enforce:
                    continue
                row = usage[key]
                share = _share(limit.amount, row[0] + row[2]), _share(limit.count, row[1] + row[3])
                row[2] += share[0] or 0
                row[3] += share[1] or 0
                grants[key] = (policy.version, *share)
        R.set_usage(
            connection, [(key, usage[key]) for key in keys if tuple(usage[key]) != before[key]], now
        )
        with self._lock:
            generation = self.policies.generation
            if len(self._opened) > OPENED_BOUND or generation != self._opened_generation:
                self._opened, self._opened_generation = {}, generation
            self._opened.update(windows)
        return grants

    def sync(self, *, everything: bool = False) -> None:
        """Tell the rows what this process's leases counted, and give back the leases
        idle for long (or all of them: ``everything``), in one unit."""
        with self._unit_lock:
            synced = self.leases.take_sync(everything=everything)
            if not synced:
                return
            changes = {key: sync.change() for key, sync in synced.items()}
            try:
                with R.usage_unit(self.engine) as connection:
                    R.add_usage(connection, changes, time.time_ns() // 1000)
            except BaseException:
                self.leases.untake_sync(synced)
                raise

    def _arm(self) -> None:
        """Reconcile the leases in about :data:`SYNC_SECONDS` (a timer thread)."""
        if self._timer is not None or self._closed or not self.leases:
            return
        with self._lock:
            if self._timer is None:
                self._timer = threading.Timer(SYNC_SECONDS, self._tick)
                self._timer.daemon = True
                self._timer.start()

    def _tick(self) -> None:
        self._timer = None
        try:
            self.sync()
            self.renew()
        except Exception:  # counts stay pending; retried while movements come
            log.warning("spending policies: leases not reconciled", exc_info=True)
            return
        self._arm()

    def close(self) -> None:
        """Stop the timer; the rows hear everything and get every lease back."""
        self._closed = True
        timer = self._timer
        if timer is not None:
            timer.cancel()
        self.sync(everything=True)

    def _new_rows(
        self,
        keys: Sequence[WindowKey],
        platforms: dict[WindowKey, str],
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

    def _count_one(self, item: _Pending, usage: dict[WindowKey, list[int]]) -> None:
        """Count one movement in ``usage`` (read locked), or refuse it."""
        amount = item.movement.amount
        for key, _, policy, limit in item.windows:
            row = usage[key]
            amount_used, count_used = row[0] + row[2], row[1] + row[3]  # used + reserved
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
                if policy.enforce:  # uncount the movement, refuse it
                    for counted_key, counted_amount, _ in item.counted:
                        usage[counted_key][0] -= counted_amount
                        usage[counted_key][1] -= 1
                    item.counted.clear()
                    item.refusal = (policy, refusal)
                    return
                item.monitored.append((policy, refusal))
            row[0] += amount
            row[1] += 1
            item.counted.append((key, amount, False))

    def _verdict(self, item: _Pending) -> Verdict:
        if item.refusal is None and not item.monitored:  # allowed, nothing to record
            counted = item.counted
            return Verdict(
                "allow",
                NAME,
                release=(lambda connection: self._release(connection, counted))
                if counted
                else None,
            )
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
        self, connection: sa.Connection | None, counted: list[tuple[WindowKey, int, bool]]
    ) -> None:
        leased = [(key, amount) for key, amount, from_lease in counted if from_lease]
        if leased:
            self.leases.give_back(leased)
            self._arm()
        changes = {
            key: (-amount, -1, 0, 0) for key, amount, from_lease in counted if not from_lease
        }
        if not changes:
            return
        now = time.time_ns() // 1000
        if connection is not None:
            R.add_usage(connection, changes, now)
            return
        with R.usage_unit(self.engine) as own:
            R.add_usage(own, changes, now)


def _share(limit: int | None, claimed: int) -> int | None:
    """A new lease's share of what is left under ``limit`` (None: no such limit)."""
    return None if limit is None else max(0, limit - claimed) // LEASE_SHARE
