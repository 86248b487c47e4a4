"""The run executor's checkpoints: step records, the run's row under the lease, and the
run's end (see engine.py for the durability rules).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from coffer.automations import repository as R
from coffer.automations import tables as T
from coffer.automations.definitions import Step
from coffer.automations.runstate import LeaseLost, RunState, micros

if TYPE_CHECKING:
    from coffer.automations.service import AutomationsPlatform

logger = logging.getLogger("coffer.automations")


class ExecutorRecords:
    """Writes a run's checkpoints; the base of :class:`RunExecutor`."""

    def __init__(self, platform: AutomationsPlatform) -> None:
        self.platform = platform
        self.engine = platform.engine
        self.settings = platform.settings

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
            "request": R.dumps_or_none(request),
            "output": R.dumps_or_none(output),
            "error": None,
            "deadline_at": deadline,
            "position": state.position,
            "started_at": now,
            "updated_at": now,
            "finished_at": now if status in ("succeeded", "skipped", "failed") else None,
        }

    def _insert_step(self, connection: sa.Connection, state: RunState, row: dict[str, Any]) -> None:
        """Write a step's record made by :meth:`_step_row` (and keep it in the history)."""
        R.insert(connection, T.automation_steps, row)
        state.history[row["step_key"]] = row

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
                row = self._step_row(state, key, step, status, request, output, None, attempts)
                self._insert_step(connection, state, row)
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
        now = self._now_micros()
        update = {"context": R.dumps(state.context), "updated_at": now, **values}
        if "lease_until" not in values:
            update["lease_until"] = now + int(self.settings.automation_lease_seconds * 1_000_000)
        if not R.update_run(connection, state.id, update, owner=state.owner):
            raise LeaseLost(state.id)  # before anything of this run is written
        for row in state.deferred_inserts:
            R.insert(connection, T.automation_steps, row)
        state.deferred_inserts.clear()
        for key, deferred in state.deferred:
            R.update_step(connection, state.id, key, deferred)
        state.deferred.clear()

    def _finish(self, state: RunState, status: str, error: dict[str, Any] | None) -> None:
        if state.batch is not None:  # written with the batch's other ends
            state.batch.finishes.append((state, status, error))
            return
        try:
            with R.unit(self.engine) as connection:
                self._end(connection, state, status, error)
        except LeaseLost:
            logger.warning("run %s: lease lost before it finished", state.id)

    def finish_many(self, finishes: list[tuple[RunState, str, dict[str, Any] | None]]) -> None:
        """The ends of a batch's runs, in one transaction and a few statements (a run whose
        lease was lost is left to the worker that has it)."""
        if not finishes:
            return
        with R.unit(self.engine) as connection:
            held = R.runs_leased_to(
                connection, [state.id for state, _, _ in finishes], finishes[0][0].owner
            )
            ends = []
            for state, status, error in finishes:
                if state.id in held:
                    ends.append((state, status, error, *self._end_values(state, status, error)))
                else:
                    logger.warning("run %s: lease lost before it finished", state.id)
            R.update_runs(connection, [(end[0].id, end[0].owner, end[3]) for end in ends])
            R.insert_many(
                connection,
                T.automation_steps,
                [row for end in ends for row in end[0].deferred_inserts],
            )
            for state, status, error, _, output in ends:
                state.deferred_inserts.clear()
                for key, deferred in state.deferred:
                    R.update_step(connection, state.id, key, deferred)
                state.deferred.clear()
                self.platform.run_finished(connection, state.row, status, output, error)
        finishes.clear()

    def _end_values(
        self, state: RunState, status: str, error: dict[str, Any] | None
    ) -> tuple[dict[str, Any], Any]:
        """A run's row at its end, and its output."""
        now = self._now_micros()
        output = state.context.get("steps", {}) if status == "succeeded" else None
        values = {
            "context": R.dumps(state.context),
            "updated_at": now,
            "status": status,
            "output": R.dumps_or_none(output),
            "error": R.dumps_or_none(error),
            "finished_at": now,
            **R.ENDED,
            "wait_step": None,
        }
        return values, output

    def _end(
        self,
        connection: sa.Connection,
        state: RunState,
        status: str,
        error: dict[str, Any] | None,
    ) -> None:
        values, output = self._end_values(state, status, error)
        self._save_run(connection, state, values)
        self.platform.run_finished(connection, state.row, status, output, error)
