"""The online risk service's shared core: its engine, settings, feature state and screener,
the transaction unit, the per-platform cache of rules and lists, reading decisions, and
administering the platform's rules and lists.

:class:`ServiceCore` is the base of :class:`~coffer.risk.online.service.RiskService`; the
cases (:mod:`coffer.risk.online.cases`) and screening (:mod:`coffer.risk.online.screening`)
layers build on it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from coffer.db.engine import for_writes
from coffer.errors import RiskNotFound, RiskRuleInvalid
from coffer.identity.audit import service as audit
from coffer.risk.engine import Thresholds
from coffer.risk.online import repository as R
from coffer.risk.online import rules as RL
from coffer.risk.online import tables as T
from coffer.risk.online.models import _limit, decision_model, list_entry_model, rule_model
from coffer.risk.online.process import DecisionProcess, supported
from coffer.risk.online.state import OnlineEngine
from coffer.risk.sanctions.service import screener_for
from coffer.settings import Settings
from coffer.wallets.repository import PLATFORM_OPTION

if TYPE_CHECKING:
    from coffer.wallets.platform import WalletPlatform

CACHE_SECONDS = 2.0  # rules and lists changed by another process are seen within this


def audited(
    connection: sa.Connection,
    actor: str,
    action: str,
    target: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Write ``action`` on ``target`` by ``actor`` to the audit log, in the caller's
    transaction."""
    audit.record(connection, actor=actor, action=action, target=target, details=details)


def insert_audited(
    connection: sa.Connection,
    table: sa.Table,
    row: dict[str, Any],
    actor: str,
    action: str,
    details: dict[str, Any],
) -> None:
    """Insert ``row`` into ``table`` and write ``action`` on it (its id) to the audit log."""
    R.insert(connection, table, row)
    audited(connection, actor, action, str(row["id"]), details)


@dataclass
class _Cached:
    at: float
    value: Any


class ServiceCore:
    """Shared state, units, the rules and lists cache, decisions, rules and lists."""

    name = "risk"

    def __init__(
        self,
        wallets: WalletPlatform,
        settings: Settings,
        platforms: Callable[[str], WalletPlatform] | None = None,
    ) -> None:
        self.wallets = wallets
        self.engine: sa.Engine = wallets.core.engine
        self._resolve = platforms
        self._platforms: dict[str, WalletPlatform] = {wallets.platform_id: wallets}
        self._engines: dict[str, sa.Engine] = {}
        self.settings = settings
        self.online = OnlineEngine(
            settings.risk_model_dir,
            Thresholds(settings.risk_review_threshold, settings.risk_block_threshold),
        )
        self._rules: dict[str, _Cached] = {}
        self._lists: dict[str, _Cached] = {}
        self._cache_lock = threading.Lock()
        self.screener = screener_for(self.engine)
        self._process: DecisionProcess | None = None
        self._open()

    def _open(self) -> None:
        """The layers' own state, once the core's is set up (a layer extends it and calls
        ``super()._open()``)."""

    def close(self) -> None:
        """Stop the check's own process, if it runs (``COFFER_RISK_CHECK_PROCESS``)."""
        if self._process is not None:
            self._process.close()
            self._process = None

    # -- platforms ----------------------------------------------------------------------------

    def attach(self, wallets: WalletPlatform) -> None:
        """Check ``wallets``' movements too (one service serves every platform)."""
        with self._cache_lock:
            self._platforms[wallets.platform_id] = wallets
        if not self.settings.risk_checks_enabled:
            return
        url = wallets.coffer.url.render_as_string(hide_password=False)
        if self._process is None and self.settings.risk_check_process and supported(url):
            self._process = DecisionProcess(url, self.settings, wallets.settings)
        wallets.core.checks.register(self)  # type: ignore[arg-type]

    def wallets_of(self, platform_id: str) -> WalletPlatform:
        """The wallets domain of ``platform_id`` (opened, with this check, on first use)."""
        found = self._platforms.get(platform_id)
        if found is not None:
            return found
        if self._resolve is not None:
            found = self._resolve(platform_id)
        else:
            from coffer.wallets import open_wallets

            found = open_wallets(
                self.wallets.coffer, self.wallets.settings, platform_id=platform_id
            )
        if self._platforms.get(platform_id) is not found:
            self.attach(found)
        return found

    def engine_of(self, platform_id: str) -> sa.Engine:
        """The database engine whose connections write as ``platform_id`` (outbox events)."""
        found = self._engines.get(platform_id)
        if found is None:
            found = self.engine.execution_options(**{PLATFORM_OPTION: platform_id})
            self._engines[platform_id] = found
        return found

    # -- units ------------------------------------------------------------------------------

    def _unit(self, platform_id: str | None = None) -> Any:
        engine = self.engine if platform_id is None else self.engine_of(platform_id)
        connection = for_writes(engine.connect())
        return _Unit(connection)

    # -- rules and lists cache ----------------------------------------------------------------

    def rules_of(self, platform_id: str) -> list[RL.ActiveRule]:
        cached = self._rules.get(platform_id)
        if cached is not None and time.monotonic() - cached.at < CACHE_SECONDS:
            return list(cached.value)
        with self.engine.connect() as connection:
            rows = R.current_rules(connection, platform_id)
        active = [
            RL.ActiveRule(
                row["id"],
                row["name"],
                row["version"],
                row["action"],
                row["mode"],
                RL.compile_rule(row["expression"]),
            )
            for row in rows
            if row["enabled"]
        ]
        with self._cache_lock:
            self._rules[platform_id] = _Cached(time.monotonic(), active)
        return active

    def lists_of(self, platform_id: str) -> RL.Lists:
        cached = self._lists.get(platform_id)
        if cached is not None and time.monotonic() - cached.at < CACHE_SECONDS:
            return cached.value  # type: ignore[no-any-return]
        with self.engine.connect() as connection:
            rows = R.list_entries(connection, platform_id)
        values: dict[tuple[str, str], set[str]] = {}
        for row in rows:
            values.setdefault((row["list"], row["kind"]), set()).add(row["value"])
        lists = RL.Lists({key: frozenset(found) for key, found in values.items()})
        with self._cache_lock:
            self._lists[platform_id] = _Cached(time.monotonic(), lists)
        return lists

    def _forget(self, platform_id: str) -> None:
        with self._cache_lock:
            self._rules.pop(platform_id, None)
            self._lists.pop(platform_id, None)

    # -- decisions ---------------------------------------------------------------------------

    def decision(self, platform_id: str, decision_id: str) -> dict[str, Any]:
        with self.engine.connect() as connection:
            row = R.get_or_404(connection, T.decisions, platform_id, decision_id, "risk decision")
        return decision_model(row)

    def decisions(
        self,
        platform_id: str,
        *,
        outcome: str | None = None,
        customer_id: str | None = None,
        movement_id: str | None = None,
        starting_after: str | None = None,
        limit: int = 50,
    ) -> tuple[list[dict[str, Any]], bool]:
        return self._page_of(
            T.decisions,
            decision_model,
            platform_id,
            filters={"outcome": outcome, "customer_id": customer_id, "movement_id": movement_id},
            starting_after=starting_after,
            limit=limit,
        )

    def _page_of(
        self,
        table: sa.Table,
        model: Callable[[dict[str, Any]], dict[str, Any]],
        platform_id: str,
        *,
        filters: dict[str, Any],
        conditions: Sequence[sa.ColumnElement[bool]] = (),
        starting_after: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], bool]:
        """A page of the platform's ``table`` rows, newest first, in their API shape."""
        with self.engine.connect() as connection:
            rows, more = R.page(
                connection,
                table,
                platform_id,
                filters=filters,
                conditions=conditions,
                starting_after=starting_after,
                limit=_limit(limit),
            )
        return [model(row) for row in rows], more

    # -- rules ------------------------------------------------------------------------------

    def save_rule(
        self,
        platform_id: str,
        *,
        name: str,
        expression: str,
        action: str,
        mode: str = "enforce",
        enabled: bool = True,
        description: str | None = None,
        actor: str,
    ) -> dict[str, Any]:
        """A new version of the rule ``name`` (the first when new); compiled first, so a
        bad expression is refused here, never at decision time."""
        if action not in RL.ACTIONS:
            raise RiskRuleInvalid(f"action must be one of {', '.join(RL.ACTIONS)}")
        if mode not in RL.MODES:
            raise RiskRuleInvalid(f"mode must be one of {', '.join(RL.MODES)}")
        RL.compile_rule(expression)
        with self._unit() as connection:
            versions = R.rule_versions(connection, platform_id, name)
            row = R.new_row(
                "rr",
                platform_id,
                {
                    "name": name,
                    "version": (versions[0]["version"] + 1) if versions else 1,
                    "expression": expression,
                    "action": action,
                    "mode": mode,
                    "enabled": enabled,
                    "description": description,
                    "created_by": actor,
                },
            )
            insert_audited(
                connection,
                T.rules,
                row,
                actor,
                "risk_rule.saved",
                {"name": name, "version": row["version"], "mode": mode, "action": action},
            )
        self._forget(platform_id)
        return rule_model(row)

    def rules(self, platform_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            return [rule_model(row) for row in R.current_rules(connection, platform_id)]

    def rule_versions(self, platform_id: str, name: str) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = R.rule_versions(connection, platform_id, name)
        if not rows:
            raise RiskNotFound(f"risk rule {name!r} does not exist")
        return [rule_model(row) for row in rows]

    # -- lists ------------------------------------------------------------------------------

    def add_list_entry(
        self,
        platform_id: str,
        *,
        list_name: str,
        kind: str,
        value: str,
        reason: str | None,
        actor: str,
    ) -> dict[str, Any]:
        if list_name not in RL.LISTS:
            raise RiskRuleInvalid(f"list must be one of {', '.join(RL.LISTS)}")
        stored = RL.normalize_list_value(kind, value)
        with self._unit() as connection:
            found = R.find_list_entry(connection, platform_id, list_name, kind, stored)
            if found is not None:
                return list_entry_model(found)
            row = R.new_row(
                "rl",
                platform_id,
                {
                    "list": list_name,
                    "kind": kind,
                    "value": stored,
                    "reason": reason,
                    "created_by": actor,
                },
            )
            insert_audited(
                connection,
                T.list_entries,
                row,
                actor,
                "risk_list.added",
                {"list": list_name, "kind": kind},
            )
        self._forget(platform_id)
        return list_entry_model(row)

    def remove_list_entry(self, platform_id: str, entry_id: str, *, actor: str) -> None:
        with self._unit() as connection:
            if not R.delete_list_entry(connection, platform_id, entry_id):
                raise RiskNotFound(f"list entry {entry_id!r} does not exist")
            audited(connection, actor, "risk_list.removed", entry_id)
        self._forget(platform_id)

    def list_entries(
        self, platform_id: str, *, list_name: str | None = None, kind: str | None = None
    ) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = R.list_entries(connection, platform_id)
        return [
            list_entry_model(row)
            for row in rows
            if (list_name is None or row["list"] == list_name)
            and (kind is None or row["kind"] == kind)
        ]


class _Unit:
    """A connection in one transaction (write lock taken at once on SQLite)."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> sa.Connection:
        self._transaction = self.connection.begin()
        return self.connection

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        try:
            if exc_type is None:
                self._transaction.commit()
            else:
                self._transaction.rollback()
        finally:
            self.connection.close()
