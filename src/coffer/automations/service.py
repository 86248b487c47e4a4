"""The automations domain's operations: :class:`AutomationsPlatform` assembles the layers
(core.py: automations and versions; actions.py: lookups and action steps; runs.py: runs)
and adds approvals, custom events and calls between automations.

No SQL here (repository.py) and no HTTP (endpoints.py). Each public method is its own
unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import sqlalchemy as sa

from coffer.automations import repository as R
from coffer.automations import schemas as S
from coffer.automations import tables as T
from coffer.automations.core import Clock, WalletsOf, system_clock
from coffer.automations.engine import RunExecutor
from coffer.automations.errors import ApprovalNotFound
from coffer.automations.policies import open_spending_policies
from coffer.automations.runs import RunsFlow
from coffer.automations.runstate import StepError, from_micros
from coffer.automations.settings import AutomationSettings
from coffer.automations.views import approval_model
from coffer.errors import Conflict, InvalidState

if TYPE_CHECKING:
    from coffer.wallets.platform import WalletPlatform

MAX_CALL_DEPTH = 5


class ApprovalSubject(Protocol):
    """What an approval that is not a run's step is about (a payment batch): registered
    by its ``step_key`` in :attr:`AutomationsPlatform.approval_subjects`."""

    def check_decision(
        self, connection: sa.Connection, approval: Mapping[str, Any], approver: str
    ) -> None:
        """Raise if ``approver`` may not decide now."""

    def decided(self, connection: sa.Connection, approval: Mapping[str, Any], status: str) -> None:
        """The approval became ``approved`` or ``rejected`` (same transaction)."""


class AutomationsPlatform(RunsFlow):
    """The automations domain on a wallets platform (its engine, services and cipher)."""

    def _attach(self) -> None:
        self.executor = RunExecutor(self)
        # the movements of runs are checked against the wallets' spending policies too
        clock = self.clock
        self.spending_policies = open_spending_policies(
            self.wallets, None if clock is system_clock else lambda: clock().timestamp()
        )
        self.approval_subjects: dict[str, ApprovalSubject] = {}
        from coffer.automations.payroll.service import PaymentBatches

        self.payment_batches = PaymentBatches(self)

    # -- approvals -------------------------------------------------------------------------

    def open_approval(
        self,
        connection: sa.Connection,
        run: Mapping[str, Any],
        step_key: str,
        request: Mapping[str, Any],
        deadline: int | None,
    ) -> str:
        now = self.now_micros()
        approval_id = R.new_id("apr")
        R.insert(
            connection,
            T.automation_approvals,
            {
                "id": approval_id,
                "platform_id": run["platform_id"],
                "run_id": run["id"],
                "step_key": step_key,
                "status": "pending",
                "required": int(request.get("approvals", 1)),
                "decisions": "[]",
                "message": None if request.get("message") is None else str(request["message"]),
                "expires_at": deadline,
                "created_at": now,
                "updated_at": now,
            },
        )
        resource = {
            "object": "automation_approval",
            "id": approval_id,
            "run_id": run["id"],
            "step_key": step_key,
        }
        self.platform_wallets(str(run["platform_id"])).webhooks.publish(
            "automation.approval_requested", resource, connection=connection
        )
        return approval_id

    def expire_approval(self, run_id: str, step_key: str) -> None:
        with R.unit(self.engine) as connection:
            connection.execute(
                sa.update(T.automation_approvals)
                .where(
                    T.automation_approvals.c.run_id == run_id,
                    T.automation_approvals.c.step_key == step_key,
                    T.automation_approvals.c.status == "pending",
                )
                .values(status="expired", updated_at=self.now_micros())
            )

    def approvals(
        self,
        platform_id: str,
        *,
        status: str | None = "pending",
        run_id: str | None = None,
        starting_after: str | None = None,
        limit: int = 20,
    ) -> S.ListPage[S.Approval]:
        return self.listed(
            S.ListPage[S.Approval],
            lambda _connection, row: approval_model(row),
            T.automation_approvals,
            platform_id,
            {"status": status, "run_id": run_id},
            starting_after=starting_after,
            limit=limit,
        )

    def decide(
        self, platform_id: str, approval_id: str, decision: S.ApprovalDecision
    ) -> S.Approval:
        """Approve or reject. One approver counts once; ``required`` distinct approvals
        approve, one rejection rejects. The run continues at once."""
        now = self.now_micros()
        with R.unit(self.engine) as connection:
            row = R.approval(connection, platform_id, approval_id)
            if row is None:
                raise ApprovalNotFound(f"approval {approval_id!r} does not exist")
            if row["status"] != "pending":
                raise InvalidState(f"approval {approval_id} is {row['status']} already")
            decisions = R.loads(row["decisions"]) or []
            subject = self.approval_subjects.get(str(row["step_key"]))
            if subject is not None:
                subject.check_decision(connection, row, decision.approver)
            if any(item["approver"] == decision.approver for item in decisions):
                raise Conflict(f"{decision.approver} has decided on this approval already")
            decisions.append(
                {
                    "approver": decision.approver,
                    "approve": decision.approve,
                    "note": decision.note,
                    "at": from_micros(now).isoformat(),
                }
            )
            approvals = sum(1 for item in decisions if item["approve"])
            status = "pending"
            if not decision.approve:
                status = "rejected"
            elif approvals >= int(row["required"]):
                status = "approved"
            values = {"decisions": R.dumps(decisions), "status": status, "updated_at": now}
            if not R.update_approval(connection, approval_id, values, updated_at=row["updated_at"]):
                raise Conflict(f"approval {approval_id} changed meanwhile; read it again")
            if status != "pending" and subject is not None:
                subject.decided(connection, row, status)
            elif status != "pending":
                self._wake(
                    connection,
                    str(row["run_id"]),
                    str(row["step_key"]),
                    {"approved": status == "approved", "decisions": decisions},
                )
            updated = R.approval(connection, platform_id, approval_id)
        assert updated is not None
        return approval_model(updated)

    # -- events ----------------------------------------------------------------------------

    def publish_event(self, platform_id: str, request: S.EventCreate) -> S.EventPublished:
        """A platform's own event into the outbox (webhooks, triggers, waiting runs)."""
        resource = {**request.data, "platform_id": platform_id}
        event_id = self.platform_wallets(platform_id).webhooks.publish(request.type, resource)
        return S.EventPublished(id=event_id, type=request.type)

    # -- calls -----------------------------------------------------------------------------

    def start_child(
        self,
        connection: sa.Connection,
        run: Mapping[str, Any],
        automation: Mapping[str, Any],
        step_key: str,
        request: Mapping[str, Any],
    ) -> None:
        child = R.automation(connection, str(run["platform_id"]), str(request["automation_id"]))
        if child is None:
            raise StepError(
                f"step {step_key}: automation {request['automation_id']!r} does not exist"
            )
        if (
            automation["owner_customer_id"]
            and child["owner_customer_id"] != automation["owner_customer_id"]
        ):
            raise StepError(
                f"step {step_key}: a customer's automation can call only that customer's"
            )
        depth = 0
        parent = run
        while parent.get("parent_run_id") and depth <= MAX_CALL_DEPTH:
            depth += 1
            found = R.run(connection, None, str(parent["parent_run_id"]))
            if found is None:
                break
            parent = found
        if depth >= MAX_CALL_DEPTH:
            raise StepError(f"step {step_key}: calls nest deeper than {MAX_CALL_DEPTH}")
        values = self.run_values(
            child,
            f"call:{run['id']}:{step_key}",
            "call",
            {"type": "call", "parent_run_id": run["id"]},
            dict(request.get("inputs") or {}),
            self.now_micros(),
            parent=(str(run["id"]), step_key),
        )
        self.insert_runs(connection, [values], child)


def open_automations(
    wallets: WalletPlatform,
    settings: AutomationSettings | None = None,
    clock: Clock | None = None,
    http: httpx.Client | None = None,
    *,
    wallets_of: WalletsOf | None = None,
) -> AutomationsPlatform:
    """The automations domain; ``wallets_of`` gives each platform's wallets domain (by
    default opened here from ``wallets``' database and settings)."""
    return AutomationsPlatform(wallets, settings, clock, http, wallets_of)
