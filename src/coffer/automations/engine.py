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

import logging
from typing import Any

from coffer.automations import repository as R
from coffer.automations.definitions import Step, condition_source
from coffer.automations.engine_steps import StepExecution
from coffer.automations.runstate import (
    MAX_STEP_EXECUTIONS,
    Gathered,
    LeaseLost,
    RunBatch,
    RunFailed,
    RunState,
    Suspended,
)
from coffer.expressions import ExpressionFailed

logger = logging.getLogger("coffer.automations")


class RunExecutor(StepExecution):
    # -- entry -----------------------------------------------------------------------------

    def execute(self, run_row: dict[str, Any], owner: str, batch: RunBatch | None = None) -> str:
        """Advance a leased run as far as it goes; its status afterwards (``gathered``:
        waits for its batch's transfers, see :class:`RunBatch`)."""
        state = self._state(run_row, owner, batch)
        try:
            if "condition" not in state.context:
                self._check_condition(state)
            if state.context.get("condition") is False:
                self._finish(state, "skipped", None)
                return "skipped"
            self._walk(state, state.compiled.definition.steps, "", {})
        except Suspended:
            return "parked"
        except Gathered:
            assert batch is not None
            batch.states[state.id] = state  # its next walk replays from this state
            return "gathered"
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

    def _state(self, run_row: dict[str, Any], owner: str, batch: RunBatch | None) -> RunState:
        if batch is not None:
            state = batch.states.pop(run_row["id"], None)
            if state is not None:
                state.executed = 0
                return state
        if batch is not None and run_row["id"] in batch.steps:
            automation = batch.automations.get(run_row["automation_id"])
            steps = batch.steps[run_row["id"]]
        else:
            with R.reading(self.engine) as connection:
                automation = R.automation(connection, None, run_row["automation_id"])
                steps = R.steps_of(connection, run_row["id"])
        assert automation is not None
        return RunState(
            row=run_row,
            automation=automation,
            compiled=self.platform.compiled(run_row["automation_id"], run_row["version"]),
            owner=owner,
            history={step["step_key"]: step for step in steps},
            context=R.loads(run_row["context"]) or {"steps": {}, "vars": {}},
            position=len(steps),
            batch=batch,
        )

    def preload(self, batch: RunBatch, runs: list[dict[str, Any]]) -> None:
        """Read the automations and step histories of a batch's runs in two queries."""
        with R.reading(self.engine) as connection:
            batch.automations.update(
                R.automations_by_ids(connection, sorted({run["automation_id"] for run in runs}))
            )
            batch.steps.update(R.steps_of_runs(connection, [run["id"] for run in runs]))

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
            if recorded is None and step.when and not self.holds(state, step.when, scope, key):
                self._record(state, key, step, "skipped", output=None)
                state.context["steps"][step.id] = None
                continue
            self._run_step(state, step, key, scope)

    def _children(self, step: Step, name: str | None) -> list[Step]:
        for child_name, children in step.children():
            if child_name == name:
                return children
        return []

    def _run_step(self, state: RunState, step: Step, key: str, scope: dict[str, Any]) -> None:
        """Run a step not recorded as done: each kind reads its record (a step in progress
        or waiting) in the run's history."""
        kind = step.type
        params = step.params
        if kind == "branch":
            source = condition_source(params["if"])
            taken = "then" if self.holds(state, source, scope, key) else "else"
            output = {"taken": taken}
            self._record(state, key, step, "succeeded", output=output)
            self._walk(state, self._children(step, taken), key[: len(key) - len(step.id)], scope)
            state.context["steps"][step.id] = output
            return
        if kind == "loop":
            self._loop(state, step, key, scope)
            return
        if kind == "set":
            values = self._resolved(state, step, key, scope)["values"]
            self._record(state, key, step, "succeeded", output=values)
            state.context.setdefault("vars", {}).update(values)
            state.context["steps"][step.id] = values
            return
        if kind in ("delay", "wait_event", "approval", "call"):
            output = self._wait(state, step, key, scope)
            state.context["steps"][step.id] = output
            return
        # money and webhook steps: record the request, act with a derived key, record
        output = self._act(state, step, key, scope)
        state.context["steps"][step.id] = output

    # -- loops -----------------------------------------------------------------------------

    def _loop(self, state: RunState, step: Step, key: str, scope: dict[str, Any]) -> None:
        params = step.params
        recorded = state.history.get(key)
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
