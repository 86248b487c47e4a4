"""The active spending policies of wallets and customers, cached in each process.

The check asks for the policies of a batch's wallets and customers; those not cached are
read in one query (rules parsed once per policy version). A change made through this
process (:class:`~coffer.automations.policies.service.SpendingPolicies`) drops the cache
at once; one made by another process bumps the policies' change epoch in its own unit,
which every process polls at most every ``cache_seconds`` (the wallets' row-cache delay):
a policy created, changed or disabled elsewhere applies within that delay.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from coffer.automations.policies import repository as R
from coffer.automations.policies.rules import PolicyRules

CACHE_BOUND = 100_000  # wallets and customers cached (all dropped beyond)

Connect = Callable[[], AbstractContextManager[sa.Connection]]


@dataclass(frozen=True, slots=True)
class ActivePolicy:
    """One active policy as the check applies it."""

    id: str
    platform_id: str
    version: int
    mode: str
    rules: PolicyRules


Targets = dict[str, tuple[ActivePolicy, ...]]  # "wallet:<id>" or "customer:<id>"


class ActivePolicies:
    """The cache (thread-safe); ``cache_seconds`` 0: read on every call."""

    def __init__(self, cache_seconds: float) -> None:
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._targets: Targets = {}
        self._rules: dict[tuple[str, int], PolicyRules] = {}
        self._generation = 0  # bumped by every drop: a read from before it is not kept
        self._epoch: int | None = None
        self._epoch_due = 0.0

    def forget(self) -> None:
        """Drop everything cached (a policy changed)."""
        with self._lock:
            self._targets.clear()
            self._generation += 1

    def of(
        self, connect: Connect, wallet_ids: Iterable[str], customer_ids: Iterable[str]
    ) -> Targets:
        """The active policies of each wallet (``wallet:<id>``) and customer
        (``customer:<id>``); a connection is opened only to read what is not cached."""
        keys = {f"wallet:{w}" for w in wallet_ids} | {f"customer:{c}" for c in customer_ids}
        caching = self.cache_seconds > 0
        now = time.monotonic()
        polling = caching and now >= self._epoch_due
        found: Targets = {key: self._targets[key] for key in keys if key in self._targets}
        missing = keys - found.keys() if caching else keys
        if not (missing or polling):
            return found
        with connect() as connection:
            if polling:
                self._poll(connection, now)
                found = {key: self._targets[key] for key in keys if key in self._targets}
                missing = keys - found.keys()
            if not missing:
                return found
            generation = self._generation
            rows = R.active_for(
                connection,
                (key[7:] for key in missing if key.startswith("wallet:")),
                (key[9:] for key in missing if key.startswith("customer:")),
            )
        read: dict[str, list[ActivePolicy]] = {key: [] for key in missing}
        for row in rows:
            policy = self._policy(row)
            for key in (f"wallet:{row['wallet_id']}", f"customer:{row['customer_id']}"):
                if key in read:
                    read[key].append(policy)
        fresh = {key: tuple(policies) for key, policies in read.items()}
        if caching:
            with self._lock:
                if generation == self._generation:
                    if len(self._targets) + len(fresh) > CACHE_BOUND:
                        self._targets.clear()
                    self._targets.update(fresh)
        return found | fresh

    def _poll(self, connection: sa.Connection, now: float) -> None:
        """Drop the cache when another process changed a policy since the last poll."""
        with self._lock:
            if now < self._epoch_due:
                return
            self._epoch_due = now + self.cache_seconds  # one poller at a time
        epoch = R.policy_epoch(connection)
        if epoch != self._epoch:
            with self._lock:
                self._targets.clear()
                self._generation += 1
                self._epoch = epoch

    def _policy(self, row: dict[str, Any]) -> ActivePolicy:
        key = (str(row["id"]), int(row["version"]))
        rules = self._rules.get(key)
        if rules is None:
            rules = PolicyRules.of_text(row["rules"])
            with self._lock:
                if len(self._rules) >= CACHE_BOUND:
                    self._rules.clear()
                self._rules[key] = rules
        return ActivePolicy(key[0], str(row["platform_id"]), key[1], str(row["mode"]), rules)
