"""The active spending policies of wallets and customers, cached in each process.

The check asks for the policies of a batch's wallets and customers; those not cached are
read in one query (rules parsed and compiled once per policy version: sets of
counterparties and merchant categories, which rules exist). A wallet or customer without
a policy is cached too, so it costs the check one dictionary lookup. A change made through this
process (:class:`~coffer.automations.policies.service.SpendingPolicies`) drops the cache
at once; one made by another process bumps the policies' change epoch in its own unit,
which every process polls at most every ``cache_seconds`` (the wallets' row-cache delay):
a policy created, changed or disabled elsewhere applies within that delay.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from coffer.automations.policies import repository as R
from coffer.automations.policies.rules import Hours, PolicyRules, VelocityLimit

CACHE_BOUND = 100_000  # wallets and customers cached (all dropped beyond)

Connect = Callable[[], AbstractContextManager[sa.Connection]]


@dataclass(frozen=True, slots=True, eq=False)
class ActivePolicy:
    """One active policy as the check applies it: its rules compiled once (sets, and
    which rules exist) so that judging a movement is a few comparisons."""

    id: str
    platform_id: str
    version: int
    mode: str
    rules: PolicyRules
    enforce: bool
    kinds: frozenset[str]
    static: bool  # has a rule other than velocity limits
    currency: str | None  # the currency a movement must have (amount rules), or None
    max_per_transaction: int | None
    blocked_counterparties: frozenset[str]
    allowed_counterparties: frozenset[str] | None
    blocked_merchant_categories: frozenset[str]
    allowed_merchant_categories: frozenset[str] | None
    hours: Hours | None
    hours_to_the_second: bool  # its bounds are whole seconds: judged on the second
    time_zone: str
    limits: tuple[VelocityLimit, ...]

    @classmethod
    def compile(
        cls, policy_id: str, platform_id: str, version: int, mode: str, rules: PolicyRules
    ) -> ActivePolicy:
        amounts = rules.max_per_transaction is not None or any(
            limit.amount is not None for limit in rules.limits
        )
        allowed, allowed_mccs = rules.allowed_counterparties, rules.allowed_merchant_categories
        return cls(
            id=policy_id,
            platform_id=platform_id,
            version=version,
            mode=mode,
            rules=rules,
            enforce=mode == "enforce",
            kinds=frozenset(rules.movement_kinds),
            static=amounts
            or bool(rules.blocked_counterparties or rules.blocked_merchant_categories)
            or allowed is not None
            or allowed_mccs is not None
            or rules.hours is not None,
            currency=rules.currency if amounts else None,
            max_per_transaction=rules.max_per_transaction,
            blocked_counterparties=frozenset(rules.blocked_counterparties),
            allowed_counterparties=None if allowed is None else frozenset(allowed),
            blocked_merchant_categories=frozenset(rules.blocked_merchant_categories),
            allowed_merchant_categories=None if allowed_mccs is None else frozenset(allowed_mccs),
            hours=rules.hours,
            hours_to_the_second=rules.hours is None
            or not (rules.hours.start.microsecond or rules.hours.end.microsecond),
            time_zone=rules.time_zone,
            limits=tuple(rules.limits),
        )

    def passes(
        self,
        amount: int,
        currency: str,
        counterparty: str | None,
        mcc: str | None,
        at: float,
        local: Callable[[ActivePolicy, float], datetime],
    ) -> bool:
        """Whether no rule other than velocity refuses the movement at ``at`` (``local``:
        its local time in the policy's zone, asked only when the policy has hours); exactly when
        :func:`~coffer.automations.policies.rules.static_refusal` answers None."""
        if not self.static:
            return True
        if self.currency is not None and currency != self.currency:
            return False
        if self.max_per_transaction is not None and amount > self.max_per_transaction:
            return False
        if counterparty is not None and counterparty in self.blocked_counterparties:
            return False
        allowed = self.allowed_counterparties
        if allowed is not None and counterparty not in allowed:
            return False
        if mcc is not None:
            if mcc in self.blocked_merchant_categories:
                return False
            allowed = self.allowed_merchant_categories
            if allowed is not None and mcc not in allowed:
                return False
        return self.hours is None or self.hours.allows(local(self, at))


Policies = dict[str, tuple[ActivePolicy, ...]]  # by wallet id or customer id; () for none


class ActivePolicies:
    """The cache (thread-safe); ``cache_seconds`` 0: read on every call."""

    def __init__(self, cache_seconds: float) -> None:
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._wallets: Policies = {}
        self._customers: Policies = {}
        self._compiled: dict[tuple[str, int, str, str], ActivePolicy] = {}
        self._generation = 0  # bumped by every drop: a read from before it is not kept
        self._epoch: int | None = None
        self._epoch_due = 0.0

    @property
    def generation(self) -> int:
        """Bumped whenever what is cached is dropped (a policy changed)."""
        return self._generation

    def forget(self) -> None:
        """Drop everything cached (a policy changed)."""
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        # new dictionaries: a batch holding the old ones finishes with them
        self._wallets, self._customers = {}, {}
        self._generation += 1

    def of(
        self, connect: Connect, wallet_ids: Collection[str], customer_ids: Collection[str]
    ) -> tuple[Policies, Policies]:
        """The active policies of each wallet and of each customer, by id (``()``: none;
        the dictionaries may hold other ids too, and are not to be changed); a connection
        is opened only to read what is not cached."""
        caching = self.cache_seconds > 0
        now = time.monotonic()
        polling = caching and now >= self._epoch_due
        wallets, customers = self._wallets, self._customers
        if caching and not polling and self._cached(wallet_ids, customer_ids):
            return wallets, customers
        with connect() as connection:
            if polling:
                self._poll(connection, now)
                wallets, customers = self._wallets, self._customers
                if self._cached(wallet_ids, customer_ids):
                    return wallets, customers
            generation = self._generation
            missing_wallets = [w for w in wallet_ids if w not in wallets] if caching else wallet_ids
            missing_customers = (
                [c for c in customer_ids if c not in customers] if caching else customer_ids
            )
            rows = R.active_for(connection, missing_wallets, missing_customers)
        read_wallets: dict[str, list[ActivePolicy]] = {w: [] for w in missing_wallets}
        read_customers: dict[str, list[ActivePolicy]] = {c: [] for c in missing_customers}
        for row in rows:
            policy = self._policy(row)
            for read, target in (
                (read_wallets, row["wallet_id"]),
                (read_customers, row["customer_id"]),
            ):
                if target in read:
                    read[target].append(policy)
        fresh_wallets = {key: tuple(found) for key, found in read_wallets.items()}
        fresh_customers = {key: tuple(found) for key, found in read_customers.items()}
        if caching:
            with self._lock:
                if generation == self._generation:
                    size = len(self._wallets) + len(self._customers)
                    if size + len(fresh_wallets) + len(fresh_customers) > CACHE_BOUND:
                        self._drop()
                    self._wallets.update(fresh_wallets)
                    self._customers.update(fresh_customers)
        return (
            {w: fresh_wallets[w] if w in fresh_wallets else wallets[w] for w in wallet_ids},
            {c: fresh_customers[c] if c in fresh_customers else customers[c] for c in customer_ids},
        )

    def _cached(self, wallet_ids: Collection[str], customer_ids: Collection[str]) -> bool:
        wallets, customers = self._wallets, self._customers
        return all(w in wallets for w in wallet_ids) and all(c in customers for c in customer_ids)

    def _poll(self, connection: sa.Connection, now: float) -> None:
        """Drop the cache when another process changed a policy since the last poll."""
        with self._lock:
            if now < self._epoch_due:
                return
            self._epoch_due = now + self.cache_seconds  # one poller at a time
        epoch = R.policy_epoch(connection)
        if epoch != self._epoch:
            with self._lock:
                self._drop()
                self._epoch = epoch

    def _policy(self, row: dict[str, Any]) -> ActivePolicy:
        """The row's policy, compiled once per version (and platform and mode)."""
        key = (str(row["id"]), int(row["version"]), str(row["platform_id"]), str(row["mode"]))
        policy = self._compiled.get(key)
        if policy is None:
            policy = ActivePolicy.compile(
                key[0], key[2], key[1], key[3], PolicyRules.of_text(row["rules"])
            )
            with self._lock:
                if len(self._compiled) >= CACHE_BOUND:
                    self._compiled.clear()
                self._compiled[key] = policy
        return policy
