"""Spending policies' operations: create, list, retrieve, update (a new version), disable,
enable, delete, usage and decisions. No SQL here (repository.py), no HTTP (endpoints.py);
each public method is its own unit of work."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from coffer.automations.policies import repository as R
from coffer.automations.policies import schemas as S
from coffer.automations.policies.check import SpendingPolicyCheck
from coffer.automations.policies.errors import SpendingPolicyNotFound
from coffer.automations.policies.rules import PolicyRules, local_time, window_start
from coffer.automations.repository import new_id, reading, unit
from coffer.automations.runstate import from_micros
from coffer.automations.schemas import ListPage
from coffer.errors import ValidationError
from coffer.wallets.repository import PLATFORM_OPTION

if TYPE_CHECKING:
    from coffer.wallets.platform import WalletPlatform


def _next_start(window: str, start: date) -> date:
    if window == "day":
        return start + timedelta(days=1)
    if window == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def policy_model(row: Mapping[str, Any]) -> S.SpendingPolicy:
    return S.SpendingPolicy(
        id=row["id"],
        name=row["name"],
        wallet_id=row["wallet_id"],
        customer_id=row["customer_id"],
        owner_customer_id=row["owner_customer_id"],
        status=row["status"],
        mode=row["mode"],
        version=row["version"],
        rules=PolicyRules.of_text(row["rules"]),
        created_at=from_micros(row["created_at"]),
        updated_at=from_micros(row["updated_at"]),
    )


class SpendingPolicies:
    """The policies of every platform on one database; each call names its platform."""

    def __init__(self, wallets: WalletPlatform, clock: Callable[[], float] | None = None) -> None:
        self.wallets = wallets
        self.engine: sa.Engine = wallets.coffer.engine
        self.clock = clock or time.time
        self.check = SpendingPolicyCheck(
            self.engine, clock, cache_seconds=wallets.core.settings.cache_seconds
        )

    @contextmanager
    def _changing(self) -> Iterator[sa.Connection]:
        """A unit that changes policies: every process drops the active policies it
        caches (this one at once, the others when they poll the change epoch)."""
        with unit(self.engine) as connection:
            yield connection
            R.bump_policy_epoch(connection)
        self.check.policies.forget()

    def _now(self) -> int:
        return int(self.clock() * 1_000_000)

    # -- targets ---------------------------------------------------------------------------

    def _target_customer(self, platform_id: str, request: S.SpendingPolicyCreate) -> str:
        """The customer whose wallet(s) the policy covers (404 for another platform's)."""
        core = self.wallets.core
        with core.engine.connect() as connection:
            connection.execution_options(**{PLATFORM_OPTION: platform_id})
            if request.wallet_id is not None:
                wallet = core.wallet_row(connection, request.wallet_id)
                return str(wallet["customer_id"] or "")
            assert request.customer_id is not None
            return str(core.customer_row(connection, request.customer_id)["id"])

    # -- policies --------------------------------------------------------------------------

    def create(self, platform_id: str, request: S.SpendingPolicyCreate) -> S.SpendingPolicy:
        customer_id = self._target_customer(platform_id, request)
        if request.owner_customer_id is not None and request.owner_customer_id != customer_id:
            raise ValidationError(
                "a customer's policy may only cover that customer's wallets",
                owner_customer_id=request.owner_customer_id,
            )
        now = self._now()
        rules = request.rules.text()
        values = {
            "id": new_id("sp"),
            "platform_id": platform_id,
            "owner_customer_id": request.owner_customer_id,
            "wallet_id": request.wallet_id,
            "customer_id": request.customer_id,
            "name": request.name,
            "status": "active",
            "mode": request.mode,
            "version": 1,
            "rules": rules,
            "created_at": now,
            "updated_at": now,
        }
        with self._changing() as connection:
            R.insert_policy(connection, values)
            R.insert_version(connection, self._version(values, now))
        return policy_model(values)

    @staticmethod
    def _version(values: Mapping[str, Any], now: int) -> dict[str, Any]:
        return {
            "policy_id": values["id"],
            "version": values["version"],
            "platform_id": values["platform_id"],
            "mode": values["mode"],
            "rules": values["rules"],
            "created_at": now,
        }

    def _row(self, connection: sa.Connection, platform_id: str, policy_id: str) -> dict[str, Any]:
        row = R.policy(connection, platform_id, policy_id)
        if row is None:
            raise SpendingPolicyNotFound(f"spending policy {policy_id!r} does not exist")
        return row

    def policy(self, platform_id: str, policy_id: str) -> S.SpendingPolicy:
        with reading(self.engine) as connection:
            return policy_model(self._row(connection, platform_id, policy_id))

    def policies(
        self,
        platform_id: str,
        *,
        wallet_id: str | None = None,
        customer_id: str | None = None,
        owner_customer_id: str | None = None,
        starting_after: str | None = None,
        limit: int = 20,
    ) -> ListPage[S.SpendingPolicy]:
        with reading(self.engine) as connection:
            rows, more = R.policies_page(
                connection,
                platform_id,
                wallet_id=wallet_id,
                customer_id=customer_id,
                owner_customer_id=owner_customer_id,
                starting_after=starting_after,
                limit=limit,
            )
        return ListPage[S.SpendingPolicy](data=[policy_model(r) for r in rows], has_more=more)

    def update(
        self, platform_id: str, policy_id: str, request: S.SpendingPolicyUpdate
    ) -> S.SpendingPolicy:
        now = self._now()
        with self._changing() as connection:
            row = self._row(connection, platform_id, policy_id)
            values: dict[str, Any] = {"updated_at": now}
            if request.name is not None:
                values["name"] = request.name
            mode = request.mode or row["mode"]
            rules = row["rules"] if request.rules is None else request.rules.text()
            if mode != row["mode"] or rules != row["rules"]:
                values.update(mode=mode, rules=rules, version=int(row["version"]) + 1)
                R.insert_version(connection, self._version({**row, **values}, now))
            R.update_policy(connection, policy_id, values)
            row.update(values)
        return policy_model(row)

    def set_status(self, platform_id: str, policy_id: str, status: str) -> S.SpendingPolicy:
        """``disabled`` (no longer checked; its usage stays) or ``active`` again."""
        now = self._now()
        with self._changing() as connection:
            row = self._row(connection, platform_id, policy_id)
            R.update_policy(connection, policy_id, {"status": status, "updated_at": now})
            row.update(status=status, updated_at=now)
        return policy_model(row)

    def delete(self, platform_id: str, policy_id: str) -> S.Deleted:
        """The policy, its versions and usage go; its decisions stay as the record."""
        with self._changing() as connection:
            self._row(connection, platform_id, policy_id)
            R.delete_policy(connection, policy_id)
        return S.Deleted(id=policy_id)

    def versions(self, platform_id: str, policy_id: str) -> list[S.SpendingPolicyVersion]:
        with reading(self.engine) as connection:
            self._row(connection, platform_id, policy_id)
            rows = R.versions(connection, policy_id)
        return [
            S.SpendingPolicyVersion(
                policy_id=row["policy_id"],
                version=row["version"],
                mode=row["mode"],
                rules=PolicyRules.of_text(row["rules"]),
                created_at=from_micros(row["created_at"]),
            )
            for row in rows
        ]

    def usage(self, platform_id: str, policy_id: str) -> S.SpendingPolicyUsage:
        """What is spent in the policy's current calendar windows (its time zone): the
        rows, once they heard what this process's leases counted (another process's
        counts reach them within about a second)."""
        self.check.sync()
        with reading(self.engine) as connection:
            row = self._row(connection, platform_id, policy_id)
            rules = PolicyRules.of_text(row["rules"])
            local = local_time(rules, self.clock())
            starts = {limit.window: window_start(limit.window, local) for limit in rules.limits}
            found = {
                (r["window"], r["window_start"]): r
                for r in R.usage(
                    connection, policy_id, [(w, s.isoformat()) for w, s in starts.items()]
                )
            }
        windows = []
        for limit in rules.limits:
            start = starts[limit.window]
            used = found.get((limit.window, start.isoformat()), {})
            resets = datetime.combine(
                _next_start(limit.window, start), clock_time(), tzinfo=rules.zone
            ).astimezone(UTC)
            windows.append(
                S.WindowUsage(
                    window=limit.window,
                    window_start=start.isoformat(),
                    resets_at=resets,
                    currency=rules.currency,
                    amount_limit=limit.amount,
                    amount_used=int(used.get("amount_used", 0)),
                    count_limit=limit.count,
                    count_used=int(used.get("count_used", 0)),
                )
            )
        return S.SpendingPolicyUsage(
            policy_id=policy_id, time_zone=rules.time_zone, windows=windows
        )

    def close(self) -> None:
        """Give this process's leases back to the rows (a process that stops)."""
        self.check.close()

    def decisions(
        self,
        platform_id: str,
        policy_id: str,
        *,
        starting_after: str | None = None,
        limit: int = 20,
    ) -> ListPage[S.SpendingPolicyDecision]:
        """The policy's refusals and monitored would-be refusals, newest first."""
        with reading(self.engine) as connection:
            self._row(connection, platform_id, policy_id)
            rows, more = R.decisions(
                connection, policy_id, starting_after=starting_after, limit=limit
            )
        data = [
            S.SpendingPolicyDecision(
                **{k: v for k, v in row.items() if k not in ("platform_id", "created_at")},
                created_at=from_micros(row["created_at"]),
            )
            for row in rows
        ]
        return ListPage[S.SpendingPolicyDecision](data=data, has_more=more)


def open_spending_policies(
    wallets: WalletPlatform, clock: Callable[[], float] | None = None
) -> SpendingPolicies:
    """The spending policies on ``wallets``, their check registered with the wallets
    (every transfer, payment and payout of this wallets platform is checked from now on)."""
    policies = SpendingPolicies(wallets, clock)
    wallets.core.checks.register(policies.check)
    return policies
