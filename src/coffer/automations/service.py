"""The automations domain's operations: automations and their versions, runs, approvals,
custom events, and the actions steps take through the wallets, fx and ledger services.

No SQL here (repository.py) and no HTTP (endpoints.py). Each public method is its own
unit of work.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
import sqlalchemy as sa

from coffer.automations import repository as R
from coffer.automations import schemas as S
from coffer.automations import tables as T
from coffer.automations.definitions import (
    Compiled,
    EventTrigger,
    ManualTrigger,
    ScheduleTrigger,
    compile_definition,
)
from coffer.automations.engine import (
    RunExecutor,
    StepError,
    from_micros,
    micros,
    post_webhook,
)
from coffer.automations.settings import AutomationSettings, get_automation_settings
from coffer.errors import CofferError, Conflict, InvalidState, NotFound, ValidationError

if TYPE_CHECKING:
    from coffer.fx.platform import FxPlatform
    from coffer.wallets.platform import WalletPlatform

Clock = Callable[[], datetime]
SECRET_CONTEXT = "automation.secret"
WEBHOOK_TOLERANCE_SECONDS = 300
MAX_CALL_DEPTH = 5


class AutomationNotFound(NotFound):
    code = "automation_not_found"
    hint = "Check the id (GET /api/automations/v1/automations lists them)."


class RunNotFound(NotFound):
    code = "automation_run_not_found"
    hint = "Check the id (GET /api/automations/v1/runs lists them)."


class ApprovalNotFound(NotFound):
    code = "automation_approval_not_found"
    hint = "Check the id (GET /api/automations/v1/approvals lists the pending ones)."


class WebhookSignatureInvalid(ValidationError):
    """An inbound webhook whose signature or timestamp does not verify."""

    code = "webhook_signature_invalid"
    status = 401
    hint = "Sign the body per Standard Webhooks with the automation's secret, timestamp within 5 minutes."


def system_clock() -> datetime:
    return datetime.now(UTC)


class AutomationsPlatform:
    """The automations domain on a wallets platform (its engine, services and cipher)."""

    def __init__(
        self,
        wallets: WalletPlatform,
        settings: AutomationSettings | None = None,
        clock: Clock | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        self.wallets = wallets
        self.coffer = wallets.coffer
        self.engine: sa.Engine = wallets.coffer.engine
        self.settings = settings or get_automation_settings()
        self.clock: Clock = clock or system_clock
        self.http = http or httpx.Client(follow_redirects=False)
        self.executor = RunExecutor(self)
        self._compiled: dict[tuple[str, int], Compiled] = {}
        self._compiled_lock = threading.Lock()
        self._fx: FxPlatform | None = None

    # -- helpers ---------------------------------------------------------------------------

    def now_micros(self) -> int:
        return micros(self.clock())

    @property
    def fx(self) -> FxPlatform:
        if self._fx is None:
            from coffer.fx.platform import open_fx

            self._fx = open_fx(self.wallets)
        return self._fx

    def compiled(self, automation_id: str, version: int) -> Compiled:
        key = (automation_id, version)
        found = self._compiled.get(key)
        if found is not None:
            return found
        with R.reading(self.engine) as connection:
            row = R.version(connection, automation_id, version)
        if row is None:
            raise AutomationNotFound(f"automation {automation_id} has no version {version}")
        compiled = compile_definition(R.loads(row["definition"]))
        with self._compiled_lock:
            if len(self._compiled) > 10_000:
                self._compiled.clear()
            self._compiled[key] = compiled
        return compiled

    def _secret(self, row: Mapping[str, Any]) -> str:
        secret = self.wallets.core.cipher.decrypt(row["webhook_secret_enc"], context=SECRET_CONTEXT)
        assert secret is not None
        return str(secret)

    # -- automations -----------------------------------------------------------------------

    def create(self, platform_id: str, request: S.AutomationCreate) -> S.Automation:
        compiled = compile_definition(request.definition)
        definition = compiled.definition
        if request.owner_customer_id is not None:
            self.wallets.wallets.customer(request.owner_customer_id)  # exists, or 404
            if any(step.type == "numscript" for step in compiled.steps.values()):
                raise ValidationError(
                    "a customer's automation cannot run Numscript (it could touch any account)"
                )
        now = self.now_micros()
        automation_id = R.new_id("auto")
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        trigger = definition.trigger
        values: dict[str, Any] = {
            "id": automation_id,
            "platform_id": platform_id,
            "owner_customer_id": request.owner_customer_id,
            "name": request.name,
            "status": "active",
            "version": 1,
            "trigger_type": trigger.type,
            "event_type": trigger.event_type if isinstance(trigger, EventTrigger) else None,
            "next_fire_at": self._first_fire(trigger, now),
            "last_fire_at": None,
            "state": R.dumps(self._initial_state(trigger)),
            "webhook_secret_enc": self.wallets.core.cipher.encrypt(secret, context=SECRET_CONTEXT),
            "created_at": now,
            "updated_at": now,
        }
        with R.unit(self.engine) as connection:
            R.insert(connection, T.automations, values)
            self._insert_version(
                connection, automation_id, platform_id, 1, request.definition, request.consent, now
            )
        self._compiled[(automation_id, 1)] = compiled
        automation = self.automation(platform_id, automation_id)
        automation.secret = secret
        return automation

    def _insert_version(
        self,
        connection: sa.Connection,
        automation_id: str,
        platform_id: str,
        number: int,
        definition: dict[str, Any],
        consent: dict[str, Any] | None,
        now: int,
    ) -> None:
        R.insert(
            connection,
            T.automation_versions,
            {
                "automation_id": automation_id,
                "version": number,
                "platform_id": platform_id,
                "definition": R.dumps(definition),
                "consent": None if consent is None else R.dumps(consent),
                "created_at": now,
            },
        )

    def _first_fire(self, trigger: Any, now: int) -> int | None:
        if not isinstance(trigger, ScheduleTrigger):
            return None
        following = trigger.schedule().next_after(from_micros(now))
        return None if following is None else micros(following)

    def _initial_state(self, trigger: Any) -> dict[str, Any]:
        if isinstance(trigger, EventTrigger) and trigger.wallet_id is not None:
            balance = self.wallets.wallets.wallet(trigger.wallet_id).balance
            assert trigger.threshold is not None
            return {"below": balance < trigger.threshold}
        return {}

    def update(
        self, platform_id: str, automation_id: str, request: S.AutomationUpdate
    ) -> S.Automation:
        """Edit: a new definition becomes a new version; runs keep the version they started with."""
        row = self._automation_row(platform_id, automation_id)
        if row["status"] == "archived":
            raise InvalidState(f"automation {automation_id} is archived; create a new one")
        now = self.now_micros()
        values: dict[str, Any] = {"updated_at": now}
        if request.name is not None:
            values["name"] = request.name
        with R.unit(self.engine) as connection:
            if request.definition is not None:
                compiled = compile_definition(request.definition)
                trigger = compiled.definition.trigger
                if row["owner_customer_id"] and any(
                    s.type == "numscript" for s in compiled.steps.values()
                ):
                    raise ValidationError("a customer's automation cannot run Numscript")
                number = int(row["version"]) + 1
                self._insert_version(
                    connection,
                    automation_id,
                    platform_id,
                    number,
                    request.definition,
                    request.consent,
                    now,
                )
                values.update(
                    version=number,
                    trigger_type=trigger.type,
                    event_type=trigger.event_type if isinstance(trigger, EventTrigger) else None,
                    next_fire_at=self._first_fire(trigger, now)
                    if row["status"] == "active"
                    else None,
                    state=R.dumps(self._initial_state(trigger)),
                )
            R.update_automation(connection, automation_id, values)
        return self.automation(platform_id, automation_id)

    def set_status(self, platform_id: str, automation_id: str, status: str) -> S.Automation:
        """pause, resume (active again: a schedule continues from now, missed occurrences
        are not made up) or archive (for good)."""
        row = self._automation_row(platform_id, automation_id)
        allowed = {
            "paused": ("active",),
            "active": ("paused",),
            "archived": ("active", "paused"),
        }[status]
        if row["status"] == status:
            return self.automation(platform_id, automation_id)
        if row["status"] not in allowed:
            raise InvalidState(
                f"automation {automation_id} is {row['status']}; it cannot become {status}"
            )
        now = self.now_micros()
        values: dict[str, Any] = {"status": status, "updated_at": now}
        if status == "active":
            compiled = self.compiled(automation_id, int(row["version"]))
            values["next_fire_at"] = self._first_fire(compiled.definition.trigger, now)
        elif status in ("paused", "archived"):
            values["next_fire_at"] = None
        with R.unit(self.engine) as connection:
            R.update_automation(connection, automation_id, values)
        return self.automation(platform_id, automation_id)

    def _automation_row(self, platform_id: str, automation_id: str) -> dict[str, Any]:
        with R.reading(self.engine) as connection:
            row = R.automation(connection, platform_id, automation_id)
        if row is None:
            raise AutomationNotFound(f"automation {automation_id!r} does not exist")
        return row

    def automation(self, platform_id: str, automation_id: str) -> S.Automation:
        row = self._automation_row(platform_id, automation_id)
        with R.reading(self.engine) as connection:
            version = R.version(connection, automation_id, int(row["version"]))
        assert version is not None
        return _automation_model(row, version)

    def automations(
        self,
        platform_id: str,
        *,
        status: str | None = None,
        owner_customer_id: str | None = None,
        starting_after: str | None = None,
        limit: int = 20,
    ) -> S.ListPage[S.Automation]:
        with R.reading(self.engine) as connection:
            rows, more = R.automations_page(
                connection,
                platform_id,
                status=status,
                owner_customer_id=owner_customer_id,
                starting_after=starting_after,
                limit=limit,
            )
            models = []
            for row in rows:
                version = R.version(connection, row["id"], int(row["version"]))
                assert version is not None
                models.append(_automation_model(row, version))
        return S.ListPage[S.Automation](data=models, has_more=more)

    def versions(self, platform_id: str, automation_id: str) -> list[S.AutomationVersion]:
        self._automation_row(platform_id, automation_id)
        with R.reading(self.engine) as connection:
            rows = R.versions(connection, automation_id)
        return [
            S.AutomationVersion(
                automation_id=row["automation_id"],
                version=row["version"],
                definition=R.loads(row["definition"]),
                consent=R.loads(row["consent"]),
                created_at=from_micros(row["created_at"]),
            )
            for row in rows
        ]

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

    def run(self, platform_id: str, run_id: str, *, steps: bool = True) -> S.Run:
        with R.reading(self.engine) as connection:
            row = R.run(connection, platform_id, run_id)
            if row is None:
                raise RunNotFound(f"run {run_id!r} does not exist")
            history = R.steps_of(connection, run_id) if steps else None
            parties = R.parties_of(connection, run_id)
        return _run_model(row, history, parties)

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
        with R.reading(self.engine) as connection:
            rows, more = R.runs_page(
                connection,
                platform_id,
                automation_id=automation_id,
                status=status,
                customer_id=customer_id,
                starting_after=starting_after,
                limit=limit,
            )
            models = [_run_model(row, None, R.parties_of(connection, row["id"])) for row in rows]
        return S.ListPage[S.Run](data=models, has_more=more)

    def cancel_run(self, platform_id: str, run_id: str) -> S.Run:
        """Stop a run that has not finished; a step in flight completes (money moved by it
        stays moved), nothing after it runs."""
        now = self.now_micros()
        with R.unit(self.engine) as connection:
            row = R.run(connection, platform_id, run_id)
            if row is None:
                raise RunNotFound(f"run {run_id!r} does not exist")
            if row["status"] in ("succeeded", "failed", "cancelled", "skipped"):
                raise InvalidState(f"run {run_id} is {row['status']} already")
            values = {
                "status": "cancelled",
                "finished_at": now,
                "next_run_at": None,
                "lease_owner": None,
                "lease_until": None,
                "wait_kind": None,
                "wait_event_type": None,
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
            row = R.run(connection, platform_id, run_id)
            if row is None:
                raise RunNotFound(f"run {run_id!r} does not exist")
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
            self.wallets.webhooks.publish("automation.run_failed", resource, connection=connection)
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

    # -- approvals -------------------------------------------------------------------------

    def open_approval(
        self,
        connection: sa.Connection,
        run: Mapping[str, Any],
        step_key: str,
        request: Mapping[str, Any],
        deadline: int | None,
    ) -> None:
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
        self.wallets.webhooks.publish(
            "automation.approval_requested", resource, connection=connection
        )

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
        with R.reading(self.engine) as connection:
            rows, more = R.approvals_page(
                connection,
                platform_id,
                status=status,
                run_id=run_id,
                starting_after=starting_after,
                limit=limit,
            )
        return S.ListPage[S.Approval](data=[_approval_model(row) for row in rows], has_more=more)

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
            if status != "pending":
                self._wake(
                    connection,
                    str(row["run_id"]),
                    str(row["step_key"]),
                    {"approved": status == "approved", "decisions": decisions},
                )
            updated = R.approval(connection, platform_id, approval_id)
        assert updated is not None
        return _approval_model(updated)

    # -- events ----------------------------------------------------------------------------

    def publish_event(self, platform_id: str, request: S.EventCreate) -> S.EventPublished:
        """A platform's own event into the outbox (webhooks, triggers, waiting runs)."""
        resource = {**request.data, "platform_id": platform_id}
        event_id = self.wallets.webhooks.publish(request.type, resource)
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

    # -- lookups and actions ---------------------------------------------------------------

    def _owned_wallet(self, automation: Mapping[str, Any], wallet_id: str) -> Any:
        """A customer's automation may spend only from that customer's wallets (a
        platform's automation is not checked here: the service checks the wallet)."""
        owner = automation["owner_customer_id"]
        if not owner:
            return None
        wallet = self.wallets.wallets.wallet(wallet_id)
        if wallet.customer_id != owner:
            raise StepError(
                f"wallet {wallet_id} is not a wallet of customer {owner}, whose automation this is"
            )
        return wallet

    def lookups(self, automation: Mapping[str, Any]) -> dict[str, Callable[..., Any]]:
        """The read-only functions expressions may call, scoped to the automation's owner."""

        def readable(wallet_id: str) -> Any:
            return self._owned_wallet(automation, wallet_id) or self.wallets.wallets.wallet(
                wallet_id
            )

        def balance(wallet_id: str) -> int:
            return int(readable(wallet_id).balance)

        def available(wallet_id: str) -> int:
            return int(readable(wallet_id).available)

        def kyc_level(customer_id: str) -> str:
            owner = automation["owner_customer_id"]
            if owner and customer_id != owner:
                raise StepError("a customer's automation reads only its own customer")
            return str(self.wallets.wallets.customer(customer_id).kyc_level)

        def wallet_customer(wallet_id: str) -> str:
            return str(self.wallets.wallets.wallet(wallet_id).customer_id or "")

        return {
            "balance": balance,
            "available": available,
            "kyc_level": kyc_level,
            "wallet_customer": wallet_customer,
        }

    def perform(
        self,
        kind: str,
        params: Mapping[str, Any],
        key: str,
        automation: Mapping[str, Any],
        run: Mapping[str, Any],
    ) -> Any:
        """One action step, with the idempotency key derived from (run, step)."""
        from pydantic import ValidationError as PydanticError

        try:
            return self._perform(kind, dict(params), key, automation, run)
        except PydanticError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise StepError(f"{kind} step: {where}: {first['msg']}") from error

    def _perform(
        self,
        kind: str,
        params: dict[str, Any],
        key: str,
        automation: Mapping[str, Any],
        run: Mapping[str, Any],
    ) -> Any:
        from coffer.wallets import schemas as W

        wallets = self.wallets.wallets
        metadata = {str(k): str(v) for k, v in (params.pop("metadata", None) or {}).items()}
        metadata.setdefault("automation_run_id", str(run["id"]))
        if kind == "transfer":
            self._owned_wallet(automation, str(params["debited_wallet_id"]))
            request = W.TransferCreate(**params, metadata=metadata)
            return wallets.transfer(request, idempotency_key=key).model_dump(mode="json")
        if kind == "payment" or (kind == "hold" and params.get("action") == "create"):
            action = params.pop("action", None)
            self._owned_wallet(automation, str(params["buyer_wallet_id"]))
            capture = bool(params.pop("capture", True)) if action is None else False
            created = W.PaymentCreate(**params, capture=capture, metadata=metadata)
            return wallets.create_payment(created, idempotency_key=key).model_dump(mode="json")
        if kind == "hold":
            return self._hold(str(params["action"]), params, automation)
        if kind == "refund":
            payment = wallets.payment(str(params["payment_id"]))
            self._owned_wallet(automation, payment.seller_wallet_id)
            amount = params.get("amount")
            refund = wallets.refund_payment(
                payment.id, None if amount is None else int(amount), idempotency_key=key
            )
            return refund.model_dump(mode="json")
        if kind == "payout":
            self._owned_wallet(automation, str(params["wallet_id"]))
            payout = W.PayoutCreate(**params)
            return self.wallets.payouts.create_payout(payout, idempotency_key=key).model_dump(
                mode="json"
            )
        if kind == "convert":
            from coffer.fx import schemas as F

            self._owned_wallet(automation, str(params["from_wallet_id"]))
            conversion = F.CrossBorderTransferCreate(**params, metadata=metadata)
            return self.fx.conversions.transfer(conversion, idempotency_key=key).model_dump(
                mode="json"
            )
        if kind == "numscript":
            ledger_name = str(params.get("ledger") or "main")
            if ledger_name == self.wallets.settings.wallets_ledger:
                raise StepError(
                    "a numscript step cannot write the wallets' ledger; name another ledger"
                )
            variables = {str(k): str(v) for k, v in (params.get("vars") or {}).items()}
            result = self.coffer.ledger(ledger_name).run(
                str(params["script"]), variables, metadata=metadata, idempotency_key=key
            )
            return {"ledger": ledger_name, "transaction_id": getattr(result, "id", None)}
        if kind == "webhook":
            url = str(params["url"])
            # the webhook endpoints' egress policy: https and public addresses on live
            # platforms, checked after DNS resolution (docs/security.md)
            target = self.wallets.webhooks.check_url(url, str(automation["platform_id"]))
            return post_webhook(
                self.http,
                url,
                params.get("body") or {},
                message_id=key,
                secret=self._secret(automation),
                timeout_seconds=self.settings.automation_webhook_timeout_seconds,
                target=target,
            )
        raise StepError(f"unknown step type {kind}")

    def _hold(self, action: str, params: Mapping[str, Any], automation: Mapping[str, Any]) -> Any:
        """capture / void / release / return a payment: adopts the outcome when a first
        attempt already did it (a retry after a crash)."""
        wallets = self.wallets.wallets
        payment = wallets.payment(str(params["payment_id"]))
        # capture/void spend the buyer's hold; release/return move the seller's escrow
        spender = (
            payment.buyer_wallet_id if action in ("capture", "void") else payment.seller_wallet_id
        )
        if automation["owner_customer_id"] and action in ("capture", "void"):
            self._owned_wallet(automation, spender)
        if action == "capture":
            if payment.status == "captured":
                return payment.model_dump(mode="json")
            amount = params.get("amount")
            return wallets.capture_payment(
                payment.id, None if amount is None else int(amount)
            ).model_dump(mode="json")
        if action == "void":
            if payment.status == "voided":
                return payment.model_dump(mode="json")
            return wallets.void_payment(payment.id).model_dump(mode="json")
        if action == "release":
            if payment.escrow_status == "released":
                return payment.model_dump(mode="json")
            return wallets.release_escrow(payment.id).model_dump(mode="json")
        if payment.escrow_status == "returned":
            return payment.model_dump(mode="json")
        return wallets.return_escrow(payment.id).model_dump(mode="json")


def open_automations(
    wallets: WalletPlatform,
    settings: AutomationSettings | None = None,
    clock: Clock | None = None,
    http: httpx.Client | None = None,
) -> AutomationsPlatform:
    return AutomationsPlatform(wallets, settings, clock, http)


# -- models -------------------------------------------------------------------------------------


def _maybe_time(value: int | None) -> datetime | None:
    return None if value is None else from_micros(value)


def _automation_model(row: Mapping[str, Any], version: Mapping[str, Any]) -> S.Automation:
    return S.Automation(
        id=row["id"],
        name=row["name"],
        owner_customer_id=row["owner_customer_id"],
        status=row["status"],
        version=row["version"],
        trigger_type=row["trigger_type"],
        definition=R.loads(version["definition"]),
        consent=R.loads(version["consent"]),
        next_fire_at=_maybe_time(row["next_fire_at"]),
        last_fire_at=_maybe_time(row["last_fire_at"]),
        webhook_url=f"/api/automations/v1/hooks/{row['id']}"
        if row["trigger_type"] == "webhook"
        else None,
        created_at=from_micros(row["created_at"]),
        updated_at=from_micros(row["updated_at"]),
    )


def _step_model(row: Mapping[str, Any]) -> S.StepRecord:
    request = R.loads(row["request"])
    return S.StepRecord(
        key=row["step_key"],
        type=row["step_type"],
        status=row["status"],
        attempts=row["attempts"],
        request=request.get("params", request) if isinstance(request, dict) else request,
        output=R.loads(row["output"]),
        error=R.loads(row["error"]),
        deadline_at=_maybe_time(row["deadline_at"]),
        started_at=from_micros(row["started_at"]),
        finished_at=_maybe_time(row["finished_at"]),
    )


def _run_model(
    row: Mapping[str, Any], steps: list[dict[str, Any]] | None, parties: list[str]
) -> S.Run:
    return S.Run(
        id=row["id"],
        automation_id=row["automation_id"],
        version=row["version"],
        status=row["status"],
        trigger_type=row["trigger_type"],
        occurrence_key=row["occurrence_key"],
        trigger=R.loads(row["trigger"]) or {},
        inputs=R.loads(row["inputs"]) or {},
        output=R.loads(row["output"]),
        error=R.loads(row["error"]),
        waiting_for=row["wait_kind"] if row["status"] == "waiting" else None,
        scheduled_for=from_micros(row["scheduled_for"]),
        next_run_at=_maybe_time(row["next_run_at"]),
        parent_run_id=row["parent_run_id"],
        parties=parties,
        steps=None if steps is None else [_step_model(step) for step in steps],
        started_at=_maybe_time(row["started_at"]),
        finished_at=_maybe_time(row["finished_at"]),
        created_at=from_micros(row["created_at"]),
    )


def _approval_model(row: Mapping[str, Any]) -> S.Approval:
    return S.Approval(
        id=row["id"],
        run_id=row["run_id"],
        step_key=row["step_key"],
        status=row["status"],
        required=row["required"],
        decisions=R.loads(row["decisions"]) or [],
        message=row["message"],
        expires_at=_maybe_time(row["expires_at"]),
        created_at=from_micros(row["created_at"]),
    )
