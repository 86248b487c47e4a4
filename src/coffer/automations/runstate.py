"""The run executor's shared vocabulary: the run's in-memory state, the exceptions that
end or park a walk, the step error, and time in microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from coffer.automations.definitions import Compiled, RetryPolicy
from coffer.errors import CofferError

MAX_STEP_EXECUTIONS = 5_000  # steps one resumption may walk (loops included)


class Suspended(Exception):
    """The run is parked (waiting or retrying); its checkpoint is committed."""


class LeaseLost(Exception):
    """Another worker holds the run now; this one stops touching it."""


class Gathered(Exception):
    """The run reached a transfer its batch posts for many runs at once (:class:`RunBatch`);
    nothing of this pass is lost: the run walks again once the outcomes are in."""


class RunFailed(Exception):
    def __init__(self, code: str, message: str, step: str | None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.step = step


class StepError(CofferError, code="automation_step_error", status=400, formance_code="VALIDATION"):
    """A step that cannot run as written (a wallet of another customer, a bad value)."""

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


@dataclass
class RunBatch:
    """Runs a worker executes together. A fresh transfer step (first attempt, request
    deterministic) is gathered instead of posted; the worker posts the gathered transfers
    in one ``transfer_many`` (each with its step's idempotency key, so a crash replays
    them exactly once) and walks those runs again, which find their outcome here. The
    runs' ends are written together in one transaction (:meth:`finish_many`)."""

    gathering: bool = True
    # idempotency key -> the transfer's output, or the error refusing it
    outcomes: dict[str, Any] = field(default_factory=dict)
    # (idempotency key, resolved params, automation, run) of the transfers to post
    wanted: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = field(
        default_factory=list
    )
    # a gathered run's state (history, pending records, the condition decided before the
    # transfer) for its next walk
    states: dict[str, RunState] = field(default_factory=dict)
    # read for the whole batch at once (RunExecutor.preload)
    automations: dict[str, dict[str, Any]] = field(default_factory=dict)
    steps: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    finishes: list[tuple[RunState, str, dict[str, Any] | None]] = field(default_factory=list)


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
    batch: RunBatch | None = None

    @property
    def id(self) -> str:
        return str(self.row["id"])
