"""The run executor's step work: expressions and variables, waits (events, approvals,
timers, calls) and action steps with their retries (see engine.py for the rules).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from coffer.automations import repository as R
from coffer.automations.definitions import RetryPolicy, Step, is_expression, literal
from coffer.automations.engine_records import ExecutorRecords
from coffer.automations.runstate import (
    Gathered,
    RunFailed,
    RunState,
    Suspended,
    backoff_seconds,
    from_micros,
    micros,
)
from coffer.errors import CofferError
from coffer.expressions import ExpressionFailed


class StepExecution(ExecutorRecords):
    """Evaluates, waits and acts for one step; the base of the walk in :class:`RunExecutor`."""

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

    def holds(
        self, state: RunState, source: str, scope: Mapping[str, Any], key: str | None
    ) -> bool:
        """A condition's truth; an expression that fails fails the run (at step ``key``)."""
        try:
            return state.compiled.expression(source).evaluate_bool(
                self.variables(state, scope), self.platform.lookups(state.automation)
            )
        except ExpressionFailed as error:
            raise RunFailed(error.code, error.message, key) from error

    def _check_condition(self, state: RunState) -> None:
        source = state.compiled.definition.condition
        passed = self.holds(state, source, {}, None) if source else True
        # saved with the next checkpoint: until then nothing happened that depends on it
        state.context["condition"] = passed

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

    # -- waits -----------------------------------------------------------------------------

    def _wait(self, state: RunState, step: Step, key: str, scope: dict[str, Any]) -> Any:
        now = self.platform.clock()
        kind = step.type
        recorded = state.history.get(key)
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
                row = self._step_row(state, key, step, "waiting", request, None, deadline, 0)
                self._insert_step(connection, state, row)
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

    def _act(self, state: RunState, step: Step, key: str, scope: dict[str, Any]) -> Any:
        policy = step.retry or state.compiled.definition.retry
        recorded = state.history.get(key)
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
        batch = state.batch
        if batch is not None and idempotency_key not in batch.outcomes:
            if batch.gathering and fresh and step.type == "transfer":
                batch.wanted.append(
                    (idempotency_key, request["params"], state.automation, state.row)
                )
                raise Gathered
            batch = None
        try:
            if batch is not None:  # posted with the batch's other transfers
                output = batch.outcomes[idempotency_key]
                if isinstance(output, Exception):
                    raise output
            else:
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
            raise self._step_failed(state, key, step, error.code, error.message) from error
        except Exception as error:  # an unknown outcome: retried with the same key
            if fresh:
                self._record(state, key, step, "running", request=request, attempts=1)
            if attempts < policy.max_attempts:
                self._retry(state, step, key, request, attempts, policy, error)
                raise Suspended from error
            raise self._step_failed(state, key, step, "internal_error", str(error)) from error
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

    def _step_failed(
        self, state: RunState, key: str, step: Step, code: str, message: str
    ) -> RunFailed:
        """Record the step as failed with ``code`` and ``message``: the run's failure."""
        error = {"code": code, "message": message}
        self._record(state, key, step, "failed", output=None, error=error, exists=True)
        return RunFailed(code, f"step {key}: {message}", key)

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
