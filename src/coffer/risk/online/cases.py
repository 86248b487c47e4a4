"""Cases of the online risk service: opening one (reviews, AML alerts, sanctions), reading
and listing them, assigning, notes, deciding (a review's decision posts or voids its held
movement), expiring overdue reviews, and the export a suspicious activity report needs."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from coffer.errors import InvalidState, ValidationError
from coffer.risk.online import repository as R
from coffer.risk.online import tables as T
from coffer.risk.online.core import ServiceCore, audited, insert_audited
from coffer.risk.online.models import _iso, case_model, decision_model, note_model

CASE_KINDS = ("review", "aml_alert", "sanctions")
CASE_STATUSES = ("open", "in_progress", "escalated", "closed")
REVIEW_DECISIONS = ("approve", "decline")
OTHER_DECISIONS = ("confirmed", "false_positive", "escalated")


class CaseService(ServiceCore):
    """The case work of the risk service (see the module doc)."""

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
        with self._unit(platform_id) as connection:
            insert_audited(
                connection,
                T.cases,
                row,
                actor,
                "risk_case.opened",
                {"kind": row["kind"], "typology": row["typology"]},
            )
            self.wallets.core.emit(connection, "risk.case.opened", {"object": case_model(row)})
        return case_model(row)

    def case(self, platform_id: str, case_id: str) -> dict[str, Any]:
        with self.engine.connect() as connection:
            row = R.get_or_404(connection, T.cases, platform_id, case_id, "risk case")
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
        return self._page_of(
            T.cases,
            case_model,
            platform_id,
            filters={"status": status, "kind": kind, "assignee": assignee},
            conditions=conditions,
            starting_after=starting_after,
            limit=limit,
        )

    def _open_case_row(
        self, connection: sa.Connection, platform_id: str, case_id: str
    ) -> dict[str, Any]:
        row = R.get_or_404(connection, T.cases, platform_id, case_id, "risk case")
        if row["status"] == "closed":
            raise InvalidState(f"risk case {case_id} is closed", status="closed")
        return row

    def assign(
        self, platform_id: str, case_id: str, *, assignee: str | None, actor: str
    ) -> dict[str, Any]:
        with self._unit() as connection:
            current = self._open_case_row(connection, platform_id, case_id)
            escalated = current["status"] == "escalated"
            R.update_case(
                connection,
                current,
                {
                    "assignee": assignee,
                    "status": "escalated" if escalated else "in_progress" if assignee else "open",
                },
            )
            audited(connection, actor, "risk_case.assigned", case_id, {"assignee": assignee})
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
            R.get_or_404(connection, T.cases, platform_id, case_id, "risk case")  # it exists
            note = R.new_row(
                "rn",
                platform_id,
                {
                    "case_id": case_id,
                    "kind": "attachment" if reference else "note",
                    "author": actor,
                    "body": body,
                    "reference": reference,
                },
            )
            R.insert(connection, T.case_notes, note)
            audited(
                connection,
                actor,
                "risk_case.noted",
                case_id,
                {"note_id": note["id"], "kind": note["kind"], "reference": reference},
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
            movement_status = self.wallets_of(platform_id).reviews.resolve_review(
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
        with self._unit(platform_id) as connection:
            changed = R.update_case(
                connection,
                row,
                {
                    "status": "closed",
                    "decision": decision,
                    "decision_reason": reason,
                    "decided_by": actor,
                    "narrative": narrative or row["narrative"],
                },
                expect=["open", "in_progress", "escalated"],
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
            audited(
                connection,
                actor,
                "risk_case.decided",
                row["id"],
                {"decision": decision, "reason": reason, "kind": row["kind"]},
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

    def review_expiry_policy(self, platform_id: str) -> str:
        """What a review left past its deadline becomes on this platform: ``approve``,
        ``decline`` or ``escalate`` (``COFFER_RISK_REVIEW_EXPIRY_POLICY`` unless set)."""
        with self.engine.connect() as connection:
            row = R.platform_settings(connection, platform_id)
        return str(row["review_expiry_policy"]) if row else self.settings.risk_review_expiry_policy

    def expire_reviews(self, *, now: int | None = None, limit: int = 100) -> int:
        """Apply each platform's policy to its reviews past their deadline at ``now``
        (microseconds; the clock by default): approve posts the hold, decline voids it,
        escalate keeps it and marks the case ``escalated``. Returns how many were ended."""
        with self.engine.connect() as connection:
            rows = R.overdue_reviews(connection, R.now_micros() if now is None else now, limit)
        policies: dict[str, str] = {}
        ended = 0
        for row in rows:
            platform_id = row["platform_id"]
            if platform_id not in policies:
                policies[platform_id] = self.review_expiry_policy(platform_id)
            policy = policies[platform_id]
            if policy == "escalate":
                ended += self._escalate(row)
                continue
            approve = policy == "approve"
            try:
                status = self.wallets_of(platform_id).reviews.resolve_review(
                    row["movement_type"], row["movement_id"], approve=approve
                )
            except InvalidState:
                status = None  # resolved elsewhere meanwhile: close the case all the same
            try:
                self._close(
                    row,
                    decision="approve" if approve else "decline",
                    reason="review deadline passed: platform policy " + policy,
                    actor="system",
                    narrative=None,
                    movement_status=status,
                )
            except InvalidState:
                continue
            ended += 1
        return ended

    def _escalate(self, row: dict[str, Any]) -> int:
        """The escalate policy: the hold stays, the case waits for a senior analyst."""
        platform_id = row["platform_id"]
        with self._unit(platform_id) as connection:
            changed = R.update_case(
                connection,
                row,
                {"status": "escalated", "assignee": None},
                expect=["open", "in_progress"],
            )
            if not changed:
                return 0
            audited(
                connection,
                "system",
                "risk_case.escalated",
                row["id"],
                {"reason": "review deadline passed: platform policy escalate"},
            )
            event = {"case_id": row["id"], "kind": row["kind"], "platform_id": platform_id}
            self.wallets.core.emit(connection, "risk.case.escalated", {"object": event})
        return 1

    def export_case(self, platform_id: str, case_id: str) -> dict[str, Any]:
        """What a suspicious activity report needs: the customers, the transactions with
        their decisions, the typology and the analyst's narrative and notes."""
        case = self.case(platform_id, case_id)
        customers = []
        for customer_id in case["customer_ids"]:
            try:
                customer = self.wallets_of(platform_id).wallets.customer(customer_id)
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
