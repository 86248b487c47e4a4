"""Runs: starting them (manual, trigger, inbound webhook), reading, cancelling and retrying
them, and ending or waking them (the executor's callbacks).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from coffer.automations import repository as R
from coffer.automations import schemas as S
from coffer.automations import tables as T
from coffer.automations.actions import StepActions
from coffer.automations.definitions import ManualTrigger
from coffer.automations.errors import AutomationNotFound, RunNotFound, WebhookSignatureInvalid
from coffer.automations.views import run_model
from coffer.errors import CofferError, Conflict, InvalidState, ValidationError

WEBHOOK_TOLERANCE_SECONDS = 300


class RunsFlow(StepActions):
    """Starting and managing runs; the platform's third layer."""

    # -- starting runs ---------------------------------------------------------------------

    def run_values(
        self,
        automation: Mapping[str, Any],
        occurrence_key: str,
        trigger_type: str,
        trigger: Any,
        inputs: Mapping[str, Any],
        scheduled_for: int,
        *,
        parent: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        now = self.now_micros()
        return {
            "id": R.new_id("run"),
            "platform_id": automation["platform_id"],
            "automation_id": automation["id"],
            "version": automation["version"],
            "occurrence_key": occurrence_key[:200],
            "trigger_type": trigger_type,
            "status": "pending",
            "trigger": R.dumps(trigger),
            "inputs": R.dumps(dict(inputs)),
            "context": R.dumps({"steps": {}, "vars": {}}),
            "output": None,
            "error": None,
            "scheduled_for": scheduled_for,
            "next_run_at": scheduled_for if scheduled_for > now else now,
            "wait_kind": None,
            "wait_event_type": None,
            "wait_step": None,
            "parent_run_id": None if parent is None else parent[0],
            "parent_step": None if parent is None else parent[1],
            "lease_owner": None,
            "lease_until": None,
            "started_at": None,
            "finished_at": None,
            "created_at": now,
            "updated_at": now,
        }

    def insert_runs(
        self, connection: sa.Connection, runs: list[dict[str, Any]], automation: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """Insert runs of ``automation``, dropping those whose occurrence already has a
        run (the unique key decides, whichever worker came first); the inserted ones.
        Parties computed beforehand (:meth:`with_parties`, outside any transaction: they
        may read wallets) travel in ``_parties``; otherwise only the lookup-free ones count."""
        inserted = []
        for values in runs:
            parties = values.pop("_parties", None)
            if parties is None:
                parties = self.parties(values, automation, lookups=False)
            if R.insert_ignore(connection, T.automation_runs, [values]):
                inserted.append(values)
                if parties:
                    R.insert_ignore(
                        connection,
                        T.automation_run_parties,
                        [
                            {
                                "run_id": values["id"],
                                "customer_id": party,
                                "platform_id": values["platform_id"],
                            }
                            for party in parties
                        ],
                    )
        return inserted

    def insert_runs_many(
        self, connection: sa.Connection, runs: Sequence[tuple[dict[str, Any], Mapping[str, Any]]]
    ) -> int:
        """:meth:`insert_runs` for many (run values, automation) pairs in a few statements
        (the scheduler's batches); how many went in."""
        parties: dict[str, list[str]] = {}
        for values, automation in runs:
            found = values.pop("_parties", None)
            if found is None:
                found = self.parties(values, automation, lookups=False)
            parties[values["id"]] = found
        inserted = R.insert_ignore_many(connection, T.automation_runs, [v for v, _ in runs])
        R.insert_ignore_many(
            connection,
            T.automation_run_parties,
            [
                {"run_id": values["id"], "customer_id": party, "platform_id": values["platform_id"]}
                for values, _ in runs
                if values["id"] in inserted
                for party in parties[values["id"]]
            ],
        )
        return len(inserted)

    def with_parties(self, values: dict[str, Any], automation: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` with its parties computed (call outside a write transaction)."""
        values["_parties"] = self.parties(values, automation, lookups=True)
        return values

    def parties(
        self, run: Mapping[str, Any], automation: Mapping[str, Any], *, lookups: bool
    ) -> list[str]:
        """The customers who may read a run: the owner and the definition's parties."""
        compiled = self.compiled(run["automation_id"], int(run["version"]))
        parties: set[str] = set()
        if automation["owner_customer_id"]:
            parties.add(str(automation["owner_customer_id"]))
        if compiled.definition.parties:
            variables = {
                "trigger": R.loads(run["trigger"]),
                "inputs": R.loads(run["inputs"]),
                "steps": {},
                "vars": {},
                "now": self.clock(),
                "run": {"id": run["id"], "automation_id": run["automation_id"]},
                "automation": {"id": automation["id"]},
            }
            functions = self.lookups(automation) if lookups else None
            for party in compiled.definition.parties:
                try:
                    value = (
                        compiled.expression(party[1:]).evaluate(variables, functions)
                        if party.startswith("=")
                        else party
                    )
                except CofferError:  # a party that cannot be computed is not recorded
                    continue
                if isinstance(value, str) and value:
                    parties.add(value)
        return sorted(parties)

    def start_run(
        self,
        platform_id: str,
        automation_id: str,
        inputs: Mapping[str, Any],
        *,
        idempotency_key: str | None = None,
    ) -> S.Run:
        """A manual run (any trigger type may be run by hand, for tests and catch-up)."""
        row = self._automation_row(platform_id, automation_id)
        if row["status"] != "active":
            raise InvalidState(f"automation {automation_id} is {row['status']}; resume it first")
        compiled = self.compiled(automation_id, int(row["version"]))
        trigger = compiled.definition.trigger
        if isinstance(trigger, ManualTrigger):
            missing = [name for name in trigger.required_inputs if name not in inputs]
            if missing:
                raise ValidationError(f"inputs {', '.join(missing)} are required", missing=missing)
        occurrence = "manual:" + (idempotency_key or R.new_id("m"))
        now = self.now_micros()
        values = self.run_values(row, occurrence, "manual", {"type": "manual"}, inputs, now)
        self.with_parties(values, row)
        with R.unit(self.engine) as connection:
            inserted = self.insert_runs(connection, [values], row)
        if not inserted:
            with R.reading(self.engine) as connection:
                existing = connection.execute(
                    sa.select(T.automation_runs.c.id).where(
                        T.automation_runs.c.automation_id == automation_id,
                        T.automation_runs.c.occurrence_key == occurrence,
                    )
                ).scalar_one()
            return self.run(platform_id, existing)
        return self.run(platform_id, values["id"])

    def webhook_in(self, automation_id: str, headers: Mapping[str, str], body: bytes) -> S.Run:
        """A signed inbound webhook (Standard Webhooks headers) starts a run; a retry with
        the same ``webhook-id`` gets the same run."""
        with R.reading(self.engine) as connection:
            row = R.automation(connection, None, automation_id)
        if row is None or row["trigger_type"] != "webhook":
            raise AutomationNotFound(f"no webhook automation {automation_id!r}")
        message_id = headers.get("webhook-id", "")
        stamp = headers.get("webhook-timestamp", "")
        signatures = headers.get("webhook-signature", "")
        if not message_id or not stamp.isdigit() or not signatures:
            raise WebhookSignatureInvalid(
                "webhook-id, webhook-timestamp and webhook-signature are required"
            )
        if abs(time.time() - int(stamp)) > WEBHOOK_TOLERANCE_SECONDS:
            raise WebhookSignatureInvalid("webhook-timestamp is more than 5 minutes away from now")
        secret = self._secret(row)
        key = base64.b64decode(secret.removeprefix("whsec_"))
        expected = base64.b64encode(
            hmac.new(key, f"{message_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
        ).decode()
        offered = [part.split(",", 1)[1] for part in signatures.split() if part.startswith("v1,")]
        if not any(hmac.compare_digest(expected, candidate) for candidate in offered):
            raise WebhookSignatureInvalid("the webhook signature does not match the body")
        if row["status"] != "active":
            raise InvalidState(f"automation {automation_id} is {row['status']}")
        import json

        try:
            payload = json.loads(body or b"{}")
        except ValueError as error:
            raise ValidationError("the webhook body is not JSON") from error
        now = self.now_micros()
        values = self.run_values(
            row, "webhook:" + message_id, "webhook", {"type": "webhook", "body": payload}, {}, now
        )
        self.with_parties(values, row)
        with R.unit(self.engine) as connection:
            self.insert_runs(connection, [values], row)
            run_id = connection.execute(
                sa.select(T.automation_runs.c.id).where(
                    T.automation_runs.c.automation_id == automation_id,
                    T.automation_runs.c.occurrence_key == values["occurrence_key"],
                )
            ).scalar_one()
        return self.run(str(row["platform_id"]), run_id)

    # -- runs ------------------------------------------------------------------------------

    @staticmethod
    def _run_row(connection: sa.Connection, platform_id: str, run_id: str) -> R.Row:
        """The run ``run_id`` of ``platform_id`` (another platform's run: not found)."""
        row = R.run(connection, platform_id, run_id)
        if row is None:
            raise RunNotFound(f"run {run_id!r} does not exist")
        return row

    def run(self, platform_id: str, run_id: str, *, steps: bool = True) -> S.Run:
        with R.reading(self.engine) as connection:
            row = self._run_row(connection, platform_id, run_id)
            history = R.steps_of(connection, run_id) if steps else None
            parties = R.parties_of(connection, run_id)
        return run_model(row, history, parties)

    def runs(
        self,
        platform_id: str,
        *,
        automation_id: str | None = None,
        status: str | None = None,
        customer_id: str | None = None,
        starting_after: str | None = None,
        limit: int = 20,
    ) -> S.ListPage[S.Run]:
        return self.listed(
            S.ListPage[S.Run],
            lambda connection, row: run_model(row, None, R.parties_of(connection, row["id"])),
            T.automation_runs,
            platform_id,
            {"automation_id": automation_id, "status": status},
            *R.party_to(customer_id),
            starting_after=starting_after,
            limit=limit,
        )

    def cancel_run(self, platform_id: str, run_id: str) -> S.Run:
        """Stop a run that has not finished; a step in flight completes (money moved by it
        stays moved), nothing after it runs."""
        now = self.now_micros()
        with R.unit(self.engine) as connection:
            row = self._run_row(connection, platform_id, run_id)
            if row["status"] in ("succeeded", "failed", "cancelled", "skipped"):
                raise InvalidState(f"run {run_id} is {row['status']} already")
            values = {
                "status": "cancelled",
                "finished_at": now,
                **R.ENDED,
                "updated_at": now,
            }
            if not R.update_run(connection, run_id, values, status_in=(row["status"],)):
                raise Conflict(f"run {run_id} changed meanwhile; read it again")
            self.run_finished(connection, row, "cancelled", None, None)
        return self.run(platform_id, run_id)

    def retry_run(self, platform_id: str, run_id: str) -> S.Run:
        """Run a failed run again from the step that failed (the steps that succeeded are
        not repeated; the failed step runs again with a new idempotency key)."""
        now = self.now_micros()
        with R.unit(self.engine) as connection:
            row = self._run_row(connection, platform_id, run_id)
            if row["status"] != "failed":
                raise InvalidState(f"run {run_id} is {row['status']}; only a failed run is retried")
            for step in R.steps_of(connection, run_id):
                if step["status"] == "failed":
                    request = R.loads(step["request"]) or {}
                    if "generation" in request:
                        request["generation"] = int(request["generation"]) + 1
                    R.update_step(
                        connection,
                        run_id,
                        step["step_key"],
                        {
                            "status": "retrying",
                            "request": R.dumps(request),
                            "attempts": 0,
                            "updated_at": now,
                        },
                    )
                    if step["step_type"] in ("approval", "wait_event", "call", "delay"):
                        connection.execute(
                            sa.delete(T.automation_steps).where(
                                T.automation_steps.c.run_id == run_id,
                                T.automation_steps.c.step_key == step["step_key"],
                            )
                        )
                        connection.execute(
                            sa.delete(T.automation_approvals).where(
                                T.automation_approvals.c.run_id == run_id,
                                T.automation_approvals.c.step_key == step["step_key"],
                            )
                        )
            R.update_run(
                connection,
                run_id,
                {
                    "status": "pending",
                    "error": None,
                    "finished_at": None,
                    "next_run_at": now,
                    "updated_at": now,
                },
                status_in=("failed",),
            )
        return self.run(platform_id, run_id)

    def run_finished(
        self,
        connection: sa.Connection,
        run: Mapping[str, Any],
        status: str,
        output: Any,
        error: Mapping[str, Any] | None,
    ) -> None:
        """In the transaction that ends a run: its event (failed runs) and its parent's wake-up."""
        if status == "failed":
            resource = {
                "object": "automation_run",
                "id": run["id"],
                "automation_id": run["automation_id"],
                "status": status,
                "error": dict(error or {}),
                "occurrence_key": run["occurrence_key"],
            }
            webhooks = self.platform_wallets(str(run["platform_id"])).webhooks
            webhooks.publish("automation.run_failed", resource, connection=connection)
        if run.get("parent_run_id"):
            self._wake(
                connection,
                str(run["parent_run_id"]),
                str(run["parent_step"]),
                {"status": status, "run_id": run["id"], "output": output, "error": error},
            )

    def _wake(self, connection: sa.Connection, run_id: str, step_key: str, output: Any) -> bool:
        """A waiting step has what it waited for: record it and make the run due."""
        now = self.now_micros()
        if not R.update_step(
            connection,
            run_id,
            step_key,
            {"status": "ready", "output": R.dumps(output), "updated_at": now},
            status_in=("waiting",),
        ):
            return False
        R.update_run(
            connection,
            run_id,
            {
                "status": "pending",
                "next_run_at": now,
                "wait_kind": None,
                "wait_event_type": None,
                "updated_at": now,
            },
            status_in=("waiting",),
        )
        return True
