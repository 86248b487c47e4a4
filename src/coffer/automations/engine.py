"""The run executor: walks a run's workflow, one checkpoint per step, and parks the run
when a step waits (an event, an approval, a timer, a called automation) or retries.

Durability by replay. A run's step history (``automation_steps``) is its memory: on every
resumption (after a wait, a retry, or a crash of the worker that held it) the executor
walks the workflow from the start, and each step already recorded gives back its recorded
output instead of running again. Everything a run decided (a branch taken, a loop's
items, a step skipped by ``when``, the resolved parameters of a money step) is recorded
before anything depends on it, so the replay takes the same path.

Money moves exactly once. A money step first records its resolved request, then calls the
wallets (or fx, or ledger) service with the idempotency key ``automation:<run>:<step>:<n>``,
then records the outcome. A crash after the call but before the record replays the same
key: the service answers its first result without moving money again. ``n`` changes only
after the service answered a refusal (nothing moved: insufficient funds on a dunning
retry), never after an unknown outcome.

Every checkpoint updates the run only while this worker holds its lease; if another
worker took the run over (this one stalled past the lease), the write finds nothing and
this worker drops the run (:class:`LeaseLost`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import sqlalchemy as sa

from coffer.automations import repository as R
from coffer.automations import tables as T
from coffer.automations.definitions import (
    Compiled,
    RetryPolicy,
    Step,
    condition_source,
    is_expression,
    literal,
)
from coffer.errors import CofferError
from coffer.expressions import ExpressionFailed
from coffer.wallets.egress import Target

if TYPE_CHECKING:
    from coffer.automations.service import AutomationsPlatform

logger = logging.getLogger("coffer.automations")
MAX_STEP_EXECUTIONS = 5_000  # steps one resumption may walk (loops included)
MAX_CALL_DEPTH = 5


class Suspended(Exception):
    """The run is parked (waiting or retrying); its checkpoint is committed."""


class LeaseLost(Exception):
    """Another worker holds the run now; this one stops touching it."""


class RunFailed(Exception):
    def __init__(self, code: str, message: str, step: str | None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.step = step


class StepError(CofferError):
    """A step that cannot run as written (a wallet of another customer, a bad value)."""

    code = "automation_step_error"
    status = 400
    formance_code = "VALIDATION"
    hint = "Fix the automation's step as the message says and retry the run."


def micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def from_micros(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, UTC)


def backoff_seconds(policy: RetryPolicy, attempts: int) -> float:
    """Exponential back-off after ``attempts`` failed attempts, capped."""
    return float(
        min(policy.backoff_seconds * (2 ** max(attempts - 1, 0)), policy.max_backoff_seconds)
    )


def sign_webhook(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """A Standard Webhooks signature (``v1,<base64 HMAC-SHA256>``)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


@dataclass
class RunState:
    row: dict[str, Any]
    automation: dict[str, Any]
    compiled: Compiled
    owner: str
    history: dict[str, dict[str, Any]]
    context: dict[str, Any]
    position: int = 0
    executed: int = 0
    # step updates written with the next checkpoint (see RunExecutor._record's defer)
    deferred: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    deferred_inserts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.row["id"])


class RunExecutor:
    def __init__(self, platform: AutomationsPlatform) -> None:
        self.platform = platform
        self.engine = platform.engine
        self.settings = platform.settings

    # -- entry -----------------------------------------------------------------------------

    def execute(self, run_row: dict[str, Any], owner: str) -> str:
        """Advance a leased run as far as it goes; its status afterwards."""
        platform = self.platform
        with R.reading(self.engine) as connection:
            automation = R.automation(connection, None, run_row["automation_id"])
            steps = R.steps_of(connection, run_row["id"])
        assert automation is not None
        compiled = platform.compiled(run_row["automation_id"], run_row["version"])
        state = RunState(
            row=run_row,
            automation=automation,
            compiled=compiled,
            owner=owner,
            history={step["step_key"]: step for step in steps},
            context=R.loads(run_row["context"]) or {"steps": {}, "vars": {}},
            position=len(steps),
        )
        try:
            if "condition" not in state.context:
                self._check_condition(state)
            if state.context.get("condition") is False:
                self._finish(state, "skipped", None)
                return "skipped"
            self._walk(state, compiled.definition.steps, "", {})
        except Suspended:
            return "parked"
        except LeaseLost:
            logger.warning("run %s: lease lost, another worker has it", state.id)
            return "lost"
        except RunFailed as failure:
            self._finish(
                state,
                "failed",
                {"code": failure.code, "message": failure.message, "step": failure.step},
            )
            return "failed"
        self._finish(state, "succeeded", None)
        return "succeeded"

    # -- variables -------------------------------------------------------------------------

    def variables(self, state: RunState, scope: Mapping[str, Any]) -> dict[str, Any]:
        row = state.row
        return {
            "trigger": R.loads(row["trigger"]) or {},
            "inputs": R.loads(row["inputs"]) or {},
            "steps": state.context.get("steps", {}),
            "vars": state.context.get("vars", {}),
            "now": self.platform.clock(),
            "run": {
                "id": row["id"],
                "automation_id": row["automation_id"],
                "occurrence": row["occurrence_key"],
                "scheduled_for": from_micros(row["scheduled_for"]),
            },
            "automation": {
                "id": state.automation["id"],
                "owner_customer_id": state.automation["owner_customer_id"] or "",
                "version": row["version"],
            },
            **scope,
        }

    def evaluate(self, state: RunState, source: str, scope: Mapping[str, Any]) -> Any:
        expression = state.compiled.expression(source)
        return expression.evaluate(
            self.variables(state, scope), self.platform.lookups(state.automation)
        )

    def resolve(self, state: RunState, value: Any, scope: Mapping[str, Any]) -> Any:
        """A step field's value: expressions evaluated, literals as written."""
        if is_expression(value):
            return self.evaluate(state, value[1:], scope)
        if isinstance(value, dict):
            return {key: self.resolve(state, item, scope) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(state, item, scope) for item in value]
        return literal(value)

    def _check_condition(self, state: RunState) -> None:
        source = state.compiled.definition.condition
        passed = True
        if source:
            try:
                passed = state.compiled.expression(source).evaluate_bool(
                    self.variables(state, {}), self.platform.lookups(state.automation)
                )
            except ExpressionFailed as error:
                raise RunFailed(error.code, error.message, None) from error
        # saved with the next checkpoint: until then nothing happened that depends on it
        state.context["condition"] = passed

    # -- the walk --------------------------------------------------------------------------

    def _walk(self, state: RunState, steps: list[Step], prefix: str, scope: dict[str, Any]) -> None:
        for step in steps:
            state.executed += 1
            if state.executed > MAX_STEP_EXECUTIONS:
                raise RunFailed(
                    "too_many_steps", f"the run walked more than {MAX_STEP_EXECUTIONS} steps", None
                )
            key = prefix + step.id
            recorded = state.history.get(key)
            if recorded is not None and recorded["status"] in ("succeeded", "skipped"):
                if step.type == "branch" and recorded["status"] == "succeeded":
                    taken = (R.loads(recorded["output"]) or {}).get("taken")
                    self._walk(state, self._children(step, taken), prefix, scope)
                    state.context["steps"][step.id] = R.loads(recorded["output"])
                    continue
                state.context["steps"][step.id] = R.loads(recorded["output"])
                if step.type == "set" and recorded["status"] == "succeeded":
                    state.context.setdefault("vars", {}).update(R.loads(recorded["output"]) or {})
                continue
            if recorded is None and step.when:
                try:
                    run_it = state.compiled.expression(step.when).evaluate_bool(
                        self.variables(state, scope), self.platform.lookups(state.automation)
                    )
                except ExpressionFailed as error:
                    raise RunFailed(error.code, error.message, key) from error
                if not run_it:
                    self._record(state, key, step, "skipped", output=None)
                    state.context["steps"][step.id] = None
                    continue
            self._run_step(state, step, key, recorded, scope)

    def _children(self, step: Step, name: str | None) -> list[Step]:
        for child_name, children in step.children():
            if child_name == name:
                return children
        return []

    def _run_step(
        self,
        state: RunState,
        step: Step,
        key: str,
        recorded: dict[str, Any] | None,
        scope: dict[str, Any],
    ) -> None:
        kind = step.type
        params = step.params
        if kind == "branch":
            try:
                taken = (
                    "then"
                    if state.compiled.expression(condition_source(params["if"])).evaluate_bool(
                        self.variables(state, scope), self.platform.lookups(state.automation)
                    )
                    else "else"
                )
            except ExpressionFailed as error:
                raise RunFailed(error.code, error.message, key) from error
            output = {"taken": taken}
            self._record(state, key, step, "succeeded", output=output)
            self._walk(state, self._children(step, taken), key[: len(key) - len(step.id)], scope)
            state.context["steps"][step.id] = output
            return
        if kind == "loop":
            self._loop(state, step, key, recorded, scope)
            return
        if kind == "set":
            values = self._resolved(state, step, key, scope)["values"]
            self._record(state, key, step, "succeeded", output=values)
            state.context.setdefault("vars", {}).update(values)
            state.context["steps"][step.id] = values
            return
        if kind in ("delay", "wait_event", "approval", "call"):
            output = self._wait(state, step, key, recorded, scope)
            state.context["steps"][step.id] = output
            return
        # money and webhook steps: record the request, act with a derived key, record
        output = self._act(state, step, key, recorded, scope)
        state.context["steps"][step.id] = output

    def _resolved(
        self, state: RunState, step: Step, key: str, scope: dict[str, Any]
    ) -> dict[str, Any]:
        try:
            return {
                name: value
                if name in ("then", "else", "steps")
                else self.resolve(state, value, scope)
                for name, value in step.params.items()
            }
        except ExpressionFailed as error:
            raise RunFailed(error.code, error.message, key) from error

    # -- loops -----------------------------------------------------------------------------

    def _loop(
        self,
        state: RunState,
        step: Step,
        key: str,
        recorded: dict[str, Any] | None,
        scope: dict[str, Any],
    ) -> None:
        params = step.params
        if recorded is None:
            try:
                items = self.resolve(state, params["over"], scope)
            except ExpressionFailed as error:
                raise RunFailed(error.code, error.message, key) from error
            if not isinstance(items, list):
                raise RunFailed(
                    "loop_not_a_list",
                    f"loop {step.id}: over gave {type(items).__name__}, not a list",
                    key,
                )
            maximum = int(params.get("max_items", 100))
            if len(items) > maximum:
                raise RunFailed(
                    "loop_too_long",
                    f"loop {step.id}: {len(items)} items, more than max_items {maximum}",
                    key,
                )
            self._record(state, key, step, "running", request={"items": items})
        else:
            items = (R.loads(recorded["request"]) or {}).get("items", [])
        name = params.get("as", "item")
        children = self._children(step, "steps")
        prefix = key[: len(key) - len(step.id)]
        for index, item in enumerate(items):
            inner = {**scope, name: item, "index": index}
            self._walk(state, children, f"{prefix}{step.id}[{index}].", inner)
        output = {"count": len(items)}
        self._record(state, key, step, "succeeded", output=output, exists=True)
        state.context["steps"][step.id] = output

    # -- waits -----------------------------------------------------------------------------

    def _wait(
        self,
        state: RunState,
        step: Step,
        key: str,
        recorded: dict[str, Any] | None,
        scope: dict[str, Any],
    ) -> Any:
        now = self.platform.clock()
        kind = step.type
        if recorded is None:
            request = self._resolved(state, step, key, scope)
            self._begin_wait(state, step, key, request, now)
            raise Suspended
        request = R.loads(recorded["request"]) or {}
        status = recorded["status"]
        if status == "ready":  # woken: an event came, a decision was made, a child ended
            result = R.loads(recorded["output"]) or {}
            rejected = kind == "approval" and not result.get("approved")
            if rejected and request.get("on_reject", "fail") == "fail":
                self._record(state, key, step, "failed", output=result, exists=True)
                raise RunFailed("approval_rejected", f"step {key}: the approval was rejected", key)
            if kind == "call" and result.get("status") != "succeeded":
                self._record(state, key, step, "failed", output=result, exists=True)
                raise RunFailed(
                    "called_run_failed",
                    f"step {key}: the called run ended {result.get('status')}",
                    key,
                )
            self._record(state, key, step, "succeeded", output=result, exists=True)
            return result
        deadline = recorded["deadline_at"]
        if deadline is not None and micros(now) >= deadline:
            if kind == "delay":
                output = {"waited_until": from_micros(deadline).isoformat()}
                self._record(state, key, step, "succeeded", output=output, exists=True)
                return output
            timed_out = {"timed_out": True}
            if kind == "wait_event" and request.get("on_timeout", "fail") == "continue":
                self._record(state, key, step, "succeeded", output=timed_out, exists=True)
                return timed_out
            if kind == "approval":
                self.platform.expire_approval(state.id, key)
            self._record(state, key, step, "failed", output=timed_out, exists=True)
            raise RunFailed("wait_timed_out", f"step {key}: nothing came before the deadline", key)
        # still waiting (woken early, or a crash between the wait and its record)
        self._park_waiting(state, step, key, request, deadline, recorded_exists=True)
        raise Suspended

    def _begin_wait(
        self, state: RunState, step: Step, key: str, request: dict[str, Any], now: datetime
    ) -> None:
        kind = step.type
        deadline: int | None = None
        if kind == "delay":
            if "seconds" in request:
                deadline = micros(now + timedelta(seconds=float(request["seconds"])))
            else:
                until = request["until"]
                moment = (
                    until if isinstance(until, datetime) else datetime.fromisoformat(str(until))
                )
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=UTC)
                deadline = micros(moment)
        if kind == "wait_event":
            # the outbox stamps events with the system's time, whatever clock runs here
            request["since_micros"] = time.time_ns() // 1000
        if kind != "delay" and request.get("timeout_seconds") is not None:
            deadline = micros(now + timedelta(seconds=float(request["timeout_seconds"])))
        self._park_waiting(state, step, key, request, deadline, recorded_exists=False)

    def _park_waiting(
        self,
        state: RunState,
        step: Step,
        key: str,
        request: dict[str, Any],
        deadline: int | None,
        *,
        recorded_exists: bool,
    ) -> None:
        kind = step.type
        wait_kind = {
            "delay": "timer",
            "wait_event": "event",
            "approval": "approval",
            "call": "run",
        }[kind]
        with R.unit(self.engine) as connection:
            if not recorded_exists:
                self._insert_step(
                    connection, state, key, step, "waiting", request=request, deadline=deadline
                )
            run_values = {
                "status": "waiting",
                "wait_kind": wait_kind,
                "wait_event_type": request.get("event_type") if kind == "wait_event" else None,
                "wait_step": key,
                "next_run_at": deadline,
                "lease_owner": None,
                "lease_until": None,
            }
            self._save_run(connection, state, run_values)
            if not recorded_exists and kind == "approval":
                self.platform.open_approval(connection, state.row, key, request, deadline)
            if not recorded_exists and kind == "call":
                self.platform.start_child(connection, state.row, state.automation, key, request)

    # -- actions ---------------------------------------------------------------------------

    def _act(
        self,
        state: RunState,
        step: Step,
        key: str,
        recorded: dict[str, Any] | None,
        scope: dict[str, Any],
    ) -> Any:
        policy = step.retry or state.compiled.definition.retry
        request: dict[str, Any]
        fresh = False  # not recorded yet: its first record is written with the outcome
        if recorded is None:
            request = {"params": self._resolved(state, step, key, scope), "generation": 0}
            attempts = 1
            if step.id in state.compiled.deterministic and step.type != "webhook":
                fresh = True
            else:
                self._record(state, key, step, "running", request=request, attempts=1)
        else:
            request = R.loads(recorded["request"])
            attempts = int(recorded["attempts"])
            if recorded["status"] == "retrying":
                attempts += 1
                with R.unit(self.engine) as connection:
                    R.update_step(
                        connection,
                        state.id,
                        key,
                        {
                            "status": "running",
                            "attempts": attempts,
                            "updated_at": self._now_micros(),
                        },
                    )
                    self._save_run(connection, state, {})
        idempotency_key = f"automation:{state.id}:{key}:{request['generation']}"
        try:
            output = self.platform.perform(
                step.type, request["params"], idempotency_key, state.automation, state.row
            )
        except CofferError as error:
            if fresh:
                self._record(state, key, step, "running", request=request, attempts=1)
            known_refusal = 400 <= error.status < 500  # the service refused: nothing moved
            retryable = error.status >= 500 or error.code in policy.on
            if retryable and attempts < policy.max_attempts:
                if known_refusal:
                    request["generation"] += 1
                self._retry(state, step, key, request, attempts, policy, error)
                raise Suspended from error
            self._record(
                state,
                key,
                step,
                "failed",
                output=None,
                error={"code": error.code, "message": error.message},
                exists=True,
            )
            raise RunFailed(error.code, f"step {key}: {error.message}", key) from error
        except Exception as error:  # an unknown outcome: retried with the same key
            if fresh:
                self._record(state, key, step, "running", request=request, attempts=1)
            if attempts < policy.max_attempts:
                self._retry(state, step, key, request, attempts, policy, error)
                raise Suspended from error
            self._record(
                state,
                key,
                step,
                "failed",
                output=None,
                error={"code": "internal_error", "message": str(error)},
                exists=True,
            )
            raise RunFailed("internal_error", f"step {key}: {error}", key) from error
        # deferred: a crash before the next checkpoint replays the step with the same
        # key, and the service answers its first result (nothing moves twice)
        if fresh:
            self._record(
                state,
                key,
                step,
                "succeeded",
                output=output,
                request=request,
                attempts=1,
                defer=True,
            )
        else:
            self._record(state, key, step, "succeeded", output=output, exists=True, defer=True)
        return output

    def _retry(
        self,
        state: RunState,
        step: Step,
        key: str,
        request: dict[str, Any],
        attempts: int,
        policy: RetryPolicy,
        error: Exception,
    ) -> None:
        now = self.platform.clock()
        due = micros(now + timedelta(seconds=backoff_seconds(policy, attempts)))
        code = getattr(error, "code", "internal_error")
        message = getattr(error, "message", str(error))
        with R.unit(self.engine) as connection:
            R.update_step(
                connection,
                state.id,
                key,
                {
                    "status": "retrying",
                    "request": R.dumps(request),
                    "error": R.dumps({"code": code, "message": message}),
                    "updated_at": micros(now),
                },
            )
            self._save_run(
                connection,
                state,
                {"status": "pending", "next_run_at": due, "lease_owner": None, "lease_until": None},
            )

    # -- records ---------------------------------------------------------------------------

    def _now_micros(self) -> int:
        return micros(self.platform.clock())

    def _step_row(
        self,
        state: RunState,
        key: str,
        step: Step,
        status: str,
        request: Any,
        output: Any,
        deadline: int | None,
        attempts: int,
    ) -> dict[str, Any]:
        now = self._now_micros()
        state.position += 1
        return {
            "run_id": state.id,
            "step_key": key,
            "step_type": step.type,
            "status": status,
            "attempts": attempts,
            "request": None if request is None else R.dumps(request),
            "output": None if output is None else R.dumps(output),
            "error": None,
            "deadline_at": deadline,
            "position": state.position,
            "started_at": now,
            "updated_at": now,
            "finished_at": now if status in ("succeeded", "skipped", "failed") else None,
        }

    def _insert_step(
        self,
        connection: sa.Connection,
        state: RunState,
        key: str,
        step: Step,
        status: str,
        *,
        request: Any = None,
        output: Any = None,
        deadline: int | None = None,
        attempts: int = 0,
    ) -> None:
        row = self._step_row(state, key, step, status, request, output, deadline, attempts)
        R.insert(connection, T.automation_steps, row)
        state.history[key] = row

    def _record(
        self,
        state: RunState,
        key: str,
        step: Step,
        status: str,
        *,
        output: Any = None,
        request: Any = None,
        error: Any = None,
        attempts: int = 0,
        exists: bool = False,
        defer: bool = False,
    ) -> None:
        """One checkpoint: the step's record and the run's context, in one transaction
        (``defer``: written with the next checkpoint instead)."""
        if status == "succeeded" and output is not None:
            state.context["steps"][step.id] = output
        if defer and (exists or key in state.history):
            values = self._step_values(status, output, error)
            state.deferred.append((key, values))
            state.history.setdefault(key, {}).update(values)
            return
        if defer:
            row = self._step_row(state, key, step, status, request, output, None, attempts)
            state.deferred_inserts.append(row)
            state.history[key] = row
            return
        with R.unit(self.engine) as connection:
            if exists or key in state.history:
                values = self._step_values(status, output, error)
                R.update_step(connection, state.id, key, values)
                state.history.setdefault(key, {}).update(values)
            else:
                self._insert_step(
                    connection,
                    state,
                    key,
                    step,
                    status,
                    request=request,
                    output=output,
                    attempts=attempts,
                )
            self._save_run(connection, state, {})

    def _step_values(self, status: str, output: Any, error: Any) -> dict[str, Any]:
        now = self._now_micros()
        values: dict[str, Any] = {"status": status, "updated_at": now}
        if output is not None:
            values["output"] = R.dumps(output)
        if error is not None:
            values["error"] = R.dumps(error)
        if status in ("succeeded", "failed", "skipped"):
            values["finished_at"] = now
        return values

    def _save_run(self, connection: sa.Connection, state: RunState, values: dict[str, Any]) -> None:
        for row in state.deferred_inserts:
            R.insert(connection, T.automation_steps, row)
        state.deferred_inserts.clear()
        for key, deferred in state.deferred:
            R.update_step(connection, state.id, key, deferred)
        state.deferred.clear()
        now = self._now_micros()
        update = {"context": R.dumps(state.context), "updated_at": now, **values}
        if "lease_until" not in values:
            update["lease_until"] = now + int(self.settings.automation_lease_seconds * 1_000_000)
        if not R.update_run(connection, state.id, update, owner=state.owner):
            raise LeaseLost(state.id)

    def _finish(self, state: RunState, status: str, error: dict[str, Any] | None) -> None:
        now = self._now_micros()
        output = state.context.get("steps", {}) if status == "succeeded" else None
        try:
            with R.unit(self.engine) as connection:
                self._save_run(
                    connection,
                    state,
                    {
                        "status": status,
                        "output": None if output is None else R.dumps(output),
                        "error": None if error is None else R.dumps(error),
                        "finished_at": now,
                        "next_run_at": None,
                        "lease_owner": None,
                        "lease_until": None,
                        "wait_kind": None,
                        "wait_event_type": None,
                        "wait_step": None,
                    },
                )
                self.platform.run_finished(connection, state.row, status, output, error)
        except LeaseLost:
            logger.warning("run %s: lease lost before it finished", state.id)


def json_body(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str).encode()


def post_webhook(
    client: httpx.Client,
    url: str,
    body: Any,
    *,
    message_id: str,
    secret: str,
    timeout_seconds: float,
    target: Target | None = None,
) -> dict[str, Any]:
    """POST a step's webhook, signed per Standard Webhooks with the automation's secret;
    the same ``webhook-id`` on every retry so the receiver can deduplicate. ``target``: the
    address the egress policy checked (coffer.wallets.egress), connected to with the URL's
    own host as Host header and TLS server name, so DNS cannot be rebound in between."""
    payload = json_body(body)
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign_webhook(secret, message_id, timestamp, payload),
        "user-agent": "Coffer-Automations/1",
    }
    extensions: dict[str, Any] = {}
    connect_to = url
    if target is not None:
        connect_to = target.connect_url()
        headers["host"] = target.host_header()
        if target.scheme == "https":
            extensions["sni_hostname"] = target.host
    try:
        response = client.post(
            connect_to,
            content=payload,
            headers=headers,
            timeout=timeout_seconds,
            extensions=extensions,
        )
    except httpx.HTTPError as error:
        # the remote's own text is not echoed (it could map a private network)
        raise WebhookFailed(f"webhook to {url} failed: {type(error).__name__}") from error
    if not 200 <= response.status_code < 300:
        raise WebhookFailed(f"webhook to {url} answered HTTP {response.status_code}")
    return {"status_code": response.status_code, "webhook_id": message_id}


class WebhookFailed(CofferError):
    """A webhook step's receiver did not answer 2xx (retried per the step's policy)."""

    code = "webhook_failed"
    status = 502
    formance_code = "INTERNAL"
    hint = "Check the receiver; the step is retried with the same webhook-id."
