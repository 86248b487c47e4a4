"""The online risk service: the check every money movement passes (decisions), the
platform's rules and lists, cases, and screening.

:class:`RiskService` is a :class:`~coffer.wallets.checks.MovementCheck`: ``open_risk``
registers it with the wallets platform (unless ``COFFER_RISK_CHECKS_ENABLED`` is false).
For each movement it scores the transaction with the shared engine, applies the platform's
lists and rules, screens a payout's beneficiary, feeds the feature state, and hands the
wallets domain the rows to store with the movement: the decision, the observation, and for a
review its case (see :mod:`coffer.risk.online.state` for how the state survives restarts).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from coffer.db.engine import SQLITE_IMMEDIATE
from coffer.errors import InvalidState, RiskNotFound, RiskRuleInvalid, ValidationError
from coffer.identity.audit import service as audit
from coffer.risk.engine import Thresholds
from coffer.risk.events import Customer, Transaction
from coffer.risk.online import repository as R
from coffer.risk.online import rules as RL
from coffer.risk.online import tables as T
from coffer.risk.online.state import OnlineEngine, event_json, observation_key
from coffer.risk.sanctions.models import Match, Subject
from coffer.risk.sanctions.service import screener_for
from coffer.settings import Settings
from coffer.wallets.checks import Movement, Verdict

if TYPE_CHECKING:
    from coffer.wallets.platform import WalletPlatform

CACHE_SECONDS = 2.0  # rules and lists changed by another process are seen within this
MAX_PAGE = 200
CASE_KINDS = ("review", "aml_alert", "sanctions")
CASE_STATUSES = ("open", "in_progress", "closed")
REVIEW_DECISIONS = ("approve", "decline")
OTHER_DECISIONS = ("confirmed", "false_positive", "escalated")
SCREENING_LIMIT = 5


@dataclass
class _Cached:
    at: float
    value: Any


class RiskService:
    """Decisions, rules, lists, cases and screening of one database (every platform)."""

    name = "risk"

    def __init__(self, wallets: WalletPlatform, settings: Settings) -> None:
        self.wallets = wallets
        self.engine: sa.Engine = wallets.core.engine
        self.settings = settings
        self.online = OnlineEngine(
            settings.risk_model_dir,
            Thresholds(settings.risk_review_threshold, settings.risk_block_threshold),
        )
        self._rules: dict[str, _Cached] = {}
        self._lists: dict[str, _Cached] = {}
        self._cache_lock = threading.Lock()
        self.screener = screener_for(self.engine)
        self.restore()

    # -- units ------------------------------------------------------------------------------

    def _unit(self) -> Any:
        connection = self.engine.connect().execution_options(**{SQLITE_IMMEDIATE: True})
        return _Unit(connection)

    # -- the check ---------------------------------------------------------------------------

    def check(self, movements: Sequence[Movement]) -> list[Verdict]:
        """One verdict per movement (see the module doc); writes nothing itself."""
        transactions = [self._transaction(m) for m in movements]
        scored = self.online.score(transactions)
        verdicts = []
        for movement, tx, result in zip(movements, transactions, scored, strict=True):
            verdicts.append(self._verdict(movement, tx, result))
        return verdicts

    def _transaction(self, movement: Movement) -> Transaction:
        counterparty = movement.counterparty
        if counterparty is not None and counterparty.startswith("iban:"):
            iban = counterparty[5:].replace(" ", "").upper()
            counterparty = "iban:" + RL.hash_value(iban)[:24]
        context = movement.context
        return Transaction(
            id=movement.id,
            at=movement.at,
            kind=movement.kind,
            customer_id=movement.customer_id or movement.wallet_id,
            amount=movement.amount,
            counterparty=counterparty,
            currency=movement.currency,
            card_fingerprint=movement.card_fingerprint,
            card_country=context.get("card_country"),
            ip_country=context.get("ip_country"),
            device_id=context.get("device_id"),
            mcc=context.get("mcc"),
        )

    def _verdict(self, movement: Movement, tx: Transaction, result: Any) -> Verdict:
        platform_id = movement.platform_id
        counterparty = movement.counterparty or ""
        iban = counterparty[5:] if counterparty.startswith("iban:") else None
        identities: list[tuple[str, str | None]] = [
            ("customer", tx.customer_id),
            ("iban", None if iban is None else RL.normalize_list_value("iban", iban)),
            ("card", tx.card_fingerprint),
            ("device", tx.device_id),
            ("country", tx.ip_country),
            ("country", tx.card_country),
        ]
        lists = self.lists_of(platform_id)
        blocked_by = lists.match("block", identities)
        allowed_by = lists.match("allow", identities) if blocked_by is None else None
        counterparty_type = (
            "none"
            if tx.counterparty is None
            else tx.counterparty.split(":", 1)[0]
            if ":" in tx.counterparty
            else "customer"
        )
        variables = RL.rule_variables(
            {
                "kind": tx.kind,
                "amount": tx.amount,
                "currency": tx.currency,
                "customer_id": tx.customer_id,
                "counterparty": tx.counterparty or "",
                "counterparty_type": counterparty_type,
                "device_id": tx.device_id or "",
                "ip_country": tx.ip_country or "",
                "card_country": tx.card_country or "",
                "mcc": tx.mcc or "",
            },
            result.score,
            result.reasons,
            result.features,
        )
        hits = RL.evaluate(self.rules_of(platform_id), variables)
        reasons = list(result.reasons)
        if blocked_by is not None:
            reasons.insert(0, f"block_list_{blocked_by}")
        if allowed_by is not None:
            reasons.insert(0, f"allow_list_{allowed_by}")
        reasons.extend(
            f"rule_{hit.rule.name}" for hit in hits if hit.rule.mode == "enforce" and not hit.error
        )
        outcome = RL.outcome(
            self.online.thresholds.decision(result.score), hits, blocked_by, allowed_by
        )
        matches: list[Match] = []
        if movement.kind == "payout" and movement.counterparty_name and outcome != "block":
            matches = self._beneficiary_matches(platform_id, tx.counterparty or "", movement)
            if matches:
                reasons.append("sanctions_match")
                outcome = "review"
        now = R.now_micros()
        rules_fired = [hit.to_json() for hit in hits]
        event_text = event_json(tx)
        decision_id = R.new_id("rd")
        deadline = now + self.settings.risk_review_deadline_seconds * 1_000_000
        decision_row = {
            "id": decision_id,
            "platform_id": platform_id,
            "movement_type": movement.kind,
            "movement_id": movement.id,
            "customer_id": movement.customer_id,
            "amount": movement.amount,
            "currency": movement.currency,
            "outcome": outcome,
            "score": float(result.score),
            "reasons": R.dumps(reasons),
            "rules": R.dumps(rules_fired),
            "model_version": self.online.model_version,
            "review_status": "open" if outcome == "review" else None,
            "event": event_text,
            "created_at": now,
        }
        writes: list[tuple[sa.Table, dict[str, Any]]] = [(T.decisions, decision_row)]
        if outcome != "block":
            self.online.observe(tx, own_key=observation_key(tx))
            writes.append(
                (
                    T.observations,
                    {"platform_id": platform_id, "event": event_text, "created_at": now},
                )
            )
        if outcome == "review":
            case = self._case_row(
                platform_id,
                kind="review",
                title=f"Review of {movement.kind} {movement.id} (score {result.score:.2f})",
                customer_ids=[c for c in [movement.customer_id] if c],
                transaction_ids=[movement.id],
                due_at=deadline,
                decision_id=decision_id,
                movement=(movement.kind, movement.id),
            )
            writes.append((T.cases, case))
            for match in matches:
                writes.append(
                    (
                        T.screening_hits,
                        self._hit_row(
                            platform_id,
                            "beneficiary",
                            tx.counterparty or "",
                            movement.counterparty_name or "",
                            match,
                            case["id"],
                        ),
                    )
                )
        public = {  # decision_model(decision_row), without reading back its JSON
            **{key: decision_row[key] for key in _PUBLIC_DECISION_FIELDS},
            "object": "risk_decision",
            "score": round(float(result.score), 6),
            "reasons": reasons,
            "rules": rules_fired,
            "created_at": _iso(now),
        }
        return Verdict(
            outcome=outcome,
            check=self.name,
            decision_id=decision_id,
            score=float(result.score),
            reasons=tuple(reasons),
            review_deadline_micros=deadline if outcome == "review" else None,
            writes=tuple(writes),
            events=(("risk.decision.created", {"object": public}),),
        )

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
            row = R.get(connection, T.decisions, platform_id, decision_id)
        if row is None:
            raise RiskNotFound(f"risk decision {decision_id!r} does not exist")
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
        with self.engine.connect() as connection:
            rows, more = R.page(
                connection,
                T.decisions,
                platform_id,
                filters={
                    "outcome": outcome,
                    "customer_id": customer_id,
                    "movement_id": movement_id,
                },
                starting_after=starting_after,
                limit=_limit(limit),
            )
        return [decision_model(row) for row in rows], more

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
            row = {
                "id": R.new_id("rr"),
                "platform_id": platform_id,
                "name": name,
                "version": (versions[0]["version"] + 1) if versions else 1,
                "expression": expression,
                "action": action,
                "mode": mode,
                "enabled": enabled,
                "description": description,
                "created_by": actor,
                "created_at": R.now_micros(),
            }
            R.insert(connection, T.rules, row)
            audit.record(
                connection,
                actor=actor,
                action="risk_rule.saved",
                target=str(row["id"]),
                details={"name": name, "version": row["version"], "mode": mode, "action": action},
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
            row = {
                "id": R.new_id("rl"),
                "platform_id": platform_id,
                "list": list_name,
                "kind": kind,
                "value": stored,
                "reason": reason,
                "created_by": actor,
                "created_at": R.now_micros(),
            }
            R.insert(connection, T.list_entries, row)
            audit.record(
                connection,
                actor=actor,
                action="risk_list.added",
                target=str(row["id"]),
                details={"list": list_name, "kind": kind},
            )
        self._forget(platform_id)
        return list_entry_model(row)

    def remove_list_entry(self, platform_id: str, entry_id: str, *, actor: str) -> None:
        with self._unit() as connection:
            if not R.delete_list_entry(connection, platform_id, entry_id):
                raise RiskNotFound(f"list entry {entry_id!r} does not exist")
            audit.record(connection, actor=actor, action="risk_list.removed", target=entry_id)
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

    # -- cases ------------------------------------------------------------------------------

    def _case_row(
        self,
        platform_id: str,
        *,
        kind: str,
        title: str,
        customer_ids: list[str],
        transaction_ids: list[str],
        due_at: int | None = None,
        typology: str | None = None,
        decision_id: str | None = None,
        movement: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        now = R.now_micros()
        return {
            "id": R.new_id("rc"),
            "platform_id": platform_id,
            "kind": kind,
            "status": "open",
            "title": title,
            "typology": typology,
            "customer_ids": R.dumps(customer_ids),
            "transaction_ids": R.dumps(transaction_ids),
            "decision_id": decision_id,
            "movement_type": None if movement is None else movement[0],
            "movement_id": None if movement is None else movement[1],
            "assignee": None,
            "due_at": due_at or now + self.settings.risk_case_sla_seconds * 1_000_000,
            "decision": None,
            "decision_reason": None,
            "decided_by": None,
            "narrative": None,
            "created_at": now,
            "updated_at": now,
        }

    def open_case(
        self, platform_id: str, *, actor: str = "system", **fields: Any
    ) -> dict[str, Any]:
        """Open a case (AML alerts, sanctions hits use this); its event goes to the outbox."""
        row = self._case_row(platform_id, **fields)
        with self._unit() as connection:
            R.insert(connection, T.cases, row)
            audit.record(
                connection,
                actor=actor,
                action="risk_case.opened",
                target=row["id"],
                details={"kind": row["kind"], "typology": row["typology"]},
            )
            self.wallets.core.emit(connection, "risk.case.opened", {"object": case_model(row)})
        return case_model(row)

    def case(self, platform_id: str, case_id: str) -> dict[str, Any]:
        with self.engine.connect() as connection:
            row = R.get(connection, T.cases, platform_id, case_id)
            if row is None:
                raise RiskNotFound(f"risk case {case_id!r} does not exist")
            notes = R.case_notes(connection, platform_id, case_id)
        return {**case_model(row), "notes": [note_model(n) for n in notes]}

    def cases(
        self,
        platform_id: str,
        *,
        status: str | None = None,
        kind: str | None = None,
        assignee: str | None = None,
        overdue: bool | None = None,
        starting_after: str | None = None,
        limit: int = 50,
    ) -> tuple[list[dict[str, Any]], bool]:
        conditions: list[sa.ColumnElement[bool]] = []
        if overdue is not None:
            now = R.now_micros()
            conditions.append(
                sa.and_(T.cases.c.due_at <= now, T.cases.c.status != "closed")
                if overdue
                else sa.or_(T.cases.c.due_at > now, T.cases.c.status == "closed")
            )
        with self.engine.connect() as connection:
            rows, more = R.page(
                connection,
                T.cases,
                platform_id,
                filters={"status": status, "kind": kind, "assignee": assignee},
                conditions=conditions,
                starting_after=starting_after,
                limit=_limit(limit),
            )
        return [case_model(row) for row in rows], more

    def _open_case_row(
        self, connection: sa.Connection, platform_id: str, case_id: str
    ) -> dict[str, Any]:
        row = R.get(connection, T.cases, platform_id, case_id)
        if row is None:
            raise RiskNotFound(f"risk case {case_id!r} does not exist")
        if row["status"] == "closed":
            raise InvalidState(f"risk case {case_id} is closed", status="closed")
        return row

    def assign(
        self, platform_id: str, case_id: str, *, assignee: str | None, actor: str
    ) -> dict[str, Any]:
        with self._unit() as connection:
            self._open_case_row(connection, platform_id, case_id)
            R.update(
                connection,
                T.cases,
                platform_id,
                case_id,
                {
                    "assignee": assignee,
                    "status": "in_progress" if assignee else "open",
                    "updated_at": R.now_micros(),
                },
            )
            audit.record(
                connection,
                actor=actor,
                action="risk_case.assigned",
                target=case_id,
                details={"assignee": assignee},
            )
        return self.case(platform_id, case_id)

    def add_note(
        self,
        platform_id: str,
        case_id: str,
        *,
        body: str,
        reference: str | None = None,
        actor: str,
    ) -> dict[str, Any]:
        """A note, or an attachment kept elsewhere (``reference``: its URI), on a case."""
        if not body.strip():
            raise ValidationError("a note needs a body")
        with self._unit() as connection:
            row = R.get(connection, T.cases, platform_id, case_id)
            if row is None:
                raise RiskNotFound(f"risk case {case_id!r} does not exist")
            note = {
                "id": R.new_id("rn"),
                "platform_id": platform_id,
                "case_id": case_id,
                "kind": "attachment" if reference else "note",
                "author": actor,
                "body": body,
                "reference": reference,
                "created_at": R.now_micros(),
            }
            R.insert(connection, T.case_notes, note)
            audit.record(
                connection,
                actor=actor,
                action="risk_case.noted",
                target=case_id,
                details={"note_id": note["id"], "kind": note["kind"], "reference": reference},
            )
        return note_model(note)

    def decide(
        self,
        platform_id: str,
        case_id: str,
        *,
        decision: str,
        reason: str,
        actor: str,
        narrative: str | None = None,
    ) -> dict[str, Any]:
        """Close a case with a decision and its reason. A review case's ``approve`` posts
        the held movement, ``decline`` voids it; other cases take ``confirmed``,
        ``false_positive`` or ``escalated``."""
        if not reason.strip():
            raise ValidationError("a decision needs its reason")
        with self.engine.connect() as connection:
            row = self._open_case_row(connection, platform_id, case_id)
        allowed = REVIEW_DECISIONS if row["kind"] == "review" else OTHER_DECISIONS
        if decision not in allowed:
            raise ValidationError(
                f"a {row['kind']} case is decided with one of {', '.join(allowed)}"
            )
        movement_status = None
        if row["kind"] == "review":
            movement_status = self.wallets.reviews.resolve_review(
                row["movement_type"], row["movement_id"], approve=decision == "approve"
            )
        self._close(
            row,
            decision=decision,
            reason=reason,
            actor=actor,
            narrative=narrative,
            movement_status=movement_status,
        )
        return self.case(platform_id, case_id)

    def _close(
        self,
        row: dict[str, Any],
        *,
        decision: str,
        reason: str,
        actor: str,
        narrative: str | None,
        movement_status: str | None,
    ) -> None:
        platform_id = row["platform_id"]
        with self._unit() as connection:
            changed = R.update(
                connection,
                T.cases,
                platform_id,
                row["id"],
                {
                    "status": "closed",
                    "decision": decision,
                    "decision_reason": reason,
                    "decided_by": actor,
                    "narrative": narrative or row["narrative"],
                    "updated_at": R.now_micros(),
                },
                expect={"status": ["open", "in_progress"]},
            )
            if not changed:
                raise InvalidState(f"risk case {row['id']} is closed", status="closed")
            if row["decision_id"] is not None:
                R.update(
                    connection,
                    T.decisions,
                    platform_id,
                    row["decision_id"],
                    {"review_status": "approved" if decision == "approve" else "declined"},
                )
            audit.record(
                connection,
                actor=actor,
                action="risk_case.decided",
                target=row["id"],
                details={"decision": decision, "reason": reason, "kind": row["kind"]},
            )
            event = {
                "case_id": row["id"],
                "kind": row["kind"],
                "decision": decision,
                "decision_id": row["decision_id"],
                "movement_type": row["movement_type"],
                "movement_id": row["movement_id"],
                "movement_status": movement_status,
                "platform_id": platform_id,
            }
            self.wallets.core.emit(connection, "risk.case.decided", {"object": event})
            if row["kind"] == "review" and decision == "approve" and row["decision_id"]:
                decided = R.get(connection, T.decisions, platform_id, row["decision_id"])
                if decided is not None:  # what the AML monitor then observes
                    self.wallets.core.emit(
                        connection,
                        "risk.review.approved",
                        {
                            "object": {
                                **decision_model(decided),
                                "event": json.loads(decided["event"]),
                            }
                        },
                    )

    def expire_reviews(self, *, limit: int = 100) -> int:
        """Apply the platform's policy (``COFFER_RISK_REVIEW_EXPIRY_POLICY``) to reviews
        past their deadline; returns how many were ended."""
        with self.engine.connect() as connection:
            rows = R.overdue_reviews(connection, R.now_micros(), limit)
        approve = self.settings.risk_review_expiry_policy == "approve"
        ended = 0
        for row in rows:
            try:
                status = self.wallets.reviews.resolve_review(
                    row["movement_type"], row["movement_id"], approve=approve
                )
            except InvalidState:
                status = None  # resolved elsewhere meanwhile: close the case all the same
            try:
                self._close(
                    row,
                    decision="approve" if approve else "decline",
                    reason="review deadline passed: platform policy "
                    + self.settings.risk_review_expiry_policy,
                    actor="system",
                    narrative=None,
                    movement_status=status,
                )
            except InvalidState:
                continue
            ended += 1
        return ended

    def export_case(self, platform_id: str, case_id: str) -> dict[str, Any]:
        """What a suspicious activity report needs: the customers, the transactions with
        their decisions, the typology and the analyst's narrative and notes."""
        case = self.case(platform_id, case_id)
        customers = []
        for customer_id in case["customer_ids"]:
            try:
                customer = self.wallets.wallets.customer(customer_id)
            except Exception:  # a customer id the wallets do not know (a simulated one)
                customers.append({"id": customer_id})
                continue
            customers.append(
                {
                    "id": customer.id,
                    "kind": customer.kind,
                    "name": customer.name,
                    "email": customer.email,
                    "birth_date": customer.birth_date,
                    "address": None if customer.address is None else customer.address.model_dump(),
                    "kyc_level": customer.kyc_level,
                }
            )
        with self.engine.connect() as connection:
            decisions = R.decisions_of_movements(connection, platform_id, case["transaction_ids"])
        transactions = []
        for row in decisions:
            event = json.loads(row["event"])
            transactions.append(
                {
                    "id": row["movement_id"],
                    "type": row["movement_type"],
                    "at": _iso(row["created_at"]),
                    "customer_id": row["customer_id"],
                    "counterparty": event.get("counterparty"),
                    "amount": row["amount"],
                    "currency": row["currency"],
                    "risk_outcome": row["outcome"],
                    "risk_score": row["score"],
                }
            )
        return {
            "case_id": case["id"],
            "kind": case["kind"],
            "typology": case["typology"],
            "status": case["status"],
            "opened_at": case["created_at"],
            "customers": customers,
            "transactions": transactions,
            "transaction_ids": case["transaction_ids"],
            "narrative": case["narrative"],
            "decision": case["decision"],
            "decision_reason": case["decision_reason"],
            "notes": case["notes"],
        }

    # -- screening ---------------------------------------------------------------------------

    def _hit_row(
        self,
        platform_id: str,
        subject_type: str,
        subject_id: str,
        name: str,
        match: Match,
        case_id: str | None,
    ) -> dict[str, Any]:
        return {
            "id": R.new_id("sh"),
            "platform_id": platform_id,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "name": name,
            "list": match.list_name,
            "entry_id": match.entry_id,
            "entry_name": match.name,
            "score": float(match.score),
            "status": "open",
            "case_id": case_id,
            "created_at": R.now_micros(),
        }

    def _matches(self, platform_id: str, subject_id: str, subject: Subject) -> list[Match]:
        found = self.screener.screen(
            subject, threshold=self.settings.risk_screening_threshold, limit=SCREENING_LIMIT
        )
        if not found:
            return []
        with self.engine.connect() as connection:
            skip = R.whitelisted(connection, platform_id, subject_id)
        return [m for m in found if (m.list_name, m.entry_id) not in skip]

    def _beneficiary_matches(
        self, platform_id: str, subject_id: str, movement: Movement
    ) -> list[Match]:
        return self._matches(
            platform_id, subject_id, Subject(name=movement.counterparty_name or "")
        )

    def screen_customer(self, platform_id: str, customer_id: str) -> list[dict[str, Any]]:
        """Screen a customer's name (onboarding, name change, list update): new matches,
        not whitelisted and not already open, become hits and one sanctions case. A clean
        result is recorded too (``status`` clear) so that a list update screens them again."""
        customer = self.wallets.wallets.customer(customer_id)
        country = customer.address.country if customer.address is not None else None
        subject = Subject(
            name=customer.name,
            kind=customer.kind,
            birth_date=customer.birth_date,
            country=country,
        )
        matches = self._matches(platform_id, customer_id, subject)
        hits: list[dict[str, Any]] = []
        with self._unit() as connection:
            fresh = [
                m
                for m in matches
                if R.open_hit(connection, platform_id, customer_id, m.list_name, m.entry_id) is None
            ]
            case = None
            if fresh:
                case = self._case_row(
                    platform_id,
                    kind="sanctions",
                    title=f"Sanctions match for customer {customer_id}",
                    customer_ids=[customer_id],
                    transaction_ids=[],
                    typology="sanctions",
                )
                R.insert(connection, T.cases, case)
                self.wallets.core.emit(connection, "risk.case.opened", {"object": case_model(case)})
            for match in fresh:
                row = self._hit_row(
                    platform_id,
                    "customer",
                    customer_id,
                    customer.name,
                    match,
                    None if case is None else str(case["id"]),
                )
                R.insert(connection, T.screening_hits, row)
                hits.append(hit_model(row))
            if not matches and R.open_hit(connection, platform_id, customer_id, "-", "-") is None:
                clear = self._hit_row(
                    platform_id,
                    "customer",
                    customer_id,
                    customer.name,
                    Match("-", "-", "", 0.0),
                    None,
                )
                clear["status"] = "clear"
                R.insert(connection, T.screening_hits, clear)
        return hits

    def screening_hits(
        self,
        platform_id: str,
        *,
        subject_id: str | None = None,
        status: str | None = None,
        starting_after: str | None = None,
        limit: int = 50,
    ) -> tuple[list[dict[str, Any]], bool]:
        with self.engine.connect() as connection:
            rows, more = R.page(
                connection,
                T.screening_hits,
                platform_id,
                filters={"subject_id": subject_id, "status": status},
                conditions=[T.screening_hits.c.list != "-"],
                starting_after=starting_after,
                limit=_limit(limit),
            )
        return [hit_model(row) for row in rows], more

    def whitelist_hit(
        self, platform_id: str, hit_id: str, *, reason: str, actor: str
    ) -> dict[str, Any]:
        """A false positive: this entity never matches this list entry again."""
        if not reason.strip():
            raise ValidationError("whitelisting needs a reason")
        with self._unit() as connection:
            hit = R.get(connection, T.screening_hits, platform_id, hit_id)
            if hit is None or hit["list"] == "-":
                raise RiskNotFound(f"screening hit {hit_id!r} does not exist")
            key = (hit["list"], hit["entry_id"])
            if key not in R.whitelisted(connection, platform_id, hit["subject_id"]):
                R.insert(
                    connection,
                    T.whitelist,
                    {
                        "id": R.new_id("wl"),
                        "platform_id": platform_id,
                        "subject_id": hit["subject_id"],
                        "list": hit["list"],
                        "entry_id": hit["entry_id"],
                        "reason": reason,
                        "created_by": actor,
                        "created_at": R.now_micros(),
                    },
                )
            R.update(connection, T.screening_hits, platform_id, hit_id, {"status": "whitelisted"})
            audit.record(
                connection,
                actor=actor,
                action="risk_screening.whitelisted",
                target=hit_id,
                details={"subject_id": hit["subject_id"], "list": key[0], "entry_id": key[1]},
            )
            hit = R.get(connection, T.screening_hits, platform_id, hit_id)
        assert hit is not None
        return hit_model(hit)

    def whitelist(self, platform_id: str, subject_id: str | None = None) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows, _ = R.page(
                connection,
                T.whitelist,
                platform_id,
                filters={"subject_id": subject_id},
                limit=MAX_PAGE,
            )
        return [
            {
                key: row[key]
                for key in ("id", "subject_id", "list", "entry_id", "reason", "created_by")
            }
            | {"created_at": _iso(row["created_at"])}
            for row in rows
        ]

    # -- model -------------------------------------------------------------------------------

    def model_info(self) -> dict[str, Any]:
        metadata = self.online.model_metadata
        return {
            "version": self.online.model_version,
            "trained": self.online.engine is not None,
            "model_dir": self.settings.risk_model_dir,
            "feature_count": len(metadata.get("feature_names", [])),
            "metrics": metadata.get("metrics", {}),
            "review_threshold": self.online.thresholds.review,
            "block_threshold": self.online.thresholds.block,
            "observed_events": self.online.state.events,
        }

    # -- state: restore, catch up, snapshot ----------------------------------------------------

    def restore(self) -> None:
        """The newest snapshot of this model's state, then every observation after it."""
        with self.engine.connect() as connection:
            snap = R.snapshot(connection, "features")
        if snap is not None and snap["model_version"] == self.online.model_version:
            self.online.restore(int(snap["seq"]), bytes(snap["state"]))
        self.catch_up(limit=None)

    def catch_up(self, *, limit: int | None = 10_000) -> int:
        """Apply observations other processes (or earlier runs) stored; returns how many."""
        from coffer.risk.online.state import event_from_json

        applied = 0
        while True:
            with self.engine.connect() as connection:
                rows = R.observations_after(connection, self.online.seq, 5_000)
            for row in rows:
                event = event_from_json(row["event"])
                self.online.apply_stored(int(row["seq"]), observation_key(event), event)
            applied += len(rows)
            if len(rows) < 5_000 or (limit is not None and applied >= limit):
                return applied

    def observe_customer(self, platform_id: str, customer: Customer) -> None:
        """Feed an onboarded customer to the state (stored, so a restart replays it)."""
        self.online.observe(customer, own_key=observation_key(customer))
        with self._unit() as connection:
            R.insert(
                connection,
                T.observations,
                {
                    "platform_id": platform_id,
                    "event": event_json(customer),
                    "created_at": R.now_micros(),
                },
            )

    def snapshot(self) -> int | None:
        """Store the state as of the last stored observation; returns its sequence (None:
        not now, observations of this process are still being written)."""
        self.catch_up(limit=None)
        taken = self.online.snapshot()
        if taken is None:
            return None
        seq, blob = taken
        with self._unit() as connection:
            R.save_snapshot(
                connection,
                {
                    "name": "features",
                    "seq": seq,
                    "position": None,
                    "model_version": self.online.model_version,
                    "state": blob,
                    "created_at": R.now_micros(),
                },
            )
        return seq


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


_PUBLIC_DECISION_FIELDS = (
    "id",
    "platform_id",
    "movement_type",
    "movement_id",
    "customer_id",
    "amount",
    "currency",
    "outcome",
    "model_version",
    "review_status",
)


def _limit(limit: int) -> int:
    return max(1, min(int(limit), MAX_PAGE))


def _iso(micros: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(micros / 1_000_000)) + "Z"


def decision_model(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "risk_decision",
        "id": row["id"],
        "platform_id": row["platform_id"],
        "movement_type": row["movement_type"],
        "movement_id": row["movement_id"],
        "customer_id": row["customer_id"],
        "amount": int(row["amount"]),
        "currency": row["currency"],
        "outcome": row["outcome"],
        "score": round(float(row["score"]), 6),
        "reasons": json.loads(row["reasons"]),
        "rules": json.loads(row["rules"]),
        "model_version": row["model_version"],
        "review_status": row["review_status"],
        "created_at": _iso(row["created_at"]),
    }


def rule_model(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "risk_rule",
        "id": row["id"],
        "name": row["name"],
        "version": row["version"],
        "expression": row["expression"],
        "action": row["action"],
        "mode": row["mode"],
        "enabled": bool(row["enabled"]),
        "description": row["description"],
        "created_by": row["created_by"],
        "created_at": _iso(row["created_at"]),
    }


def list_entry_model(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "risk_list_entry",
        "id": row["id"],
        "list": row["list"],
        "kind": row["kind"],
        "value": row["value"],
        "hashed": row["kind"] in RL.HASHED_KINDS,
        "reason": row["reason"],
        "created_by": row["created_by"],
        "created_at": _iso(row["created_at"]),
    }


def case_model(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "risk_case",
        "id": row["id"],
        "platform_id": row["platform_id"],
        "kind": row["kind"],
        "status": row["status"],
        "title": row["title"],
        "typology": row["typology"],
        "customer_ids": json.loads(row["customer_ids"]),
        "transaction_ids": json.loads(row["transaction_ids"]),
        "decision_id": row["decision_id"],
        "movement_type": row["movement_type"],
        "movement_id": row["movement_id"],
        "assignee": row["assignee"],
        "due_at": _iso(row["due_at"]),
        "overdue": row["status"] != "closed" and row["due_at"] <= R.now_micros(),
        "decision": row["decision"],
        "decision_reason": row["decision_reason"],
        "decided_by": row["decided_by"],
        "narrative": row["narrative"],
        "created_at": _iso(row["created_at"]),
    }


def note_model(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "kind": row["kind"],
        "author": row["author"],
        "body": row["body"],
        "reference": row["reference"],
        "created_at": _iso(row["created_at"]),
    }


def hit_model(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "risk_screening_hit",
        "id": row["id"],
        "subject_type": row["subject_type"],
        "subject_id": row["subject_id"],
        "name": row["name"],
        "list": row["list"],
        "entry_id": row["entry_id"],
        "entry_name": row["entry_name"],
        "score": round(float(row["score"]), 4),
        "status": row["status"],
        "case_id": row["case_id"],
        "created_at": _iso(row["created_at"]),
    }
