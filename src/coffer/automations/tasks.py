"""Background work of the automations: the scheduler, the outbox reader (event triggers,
balance crossings, waiting runs), the run executor and the payment batches' executor
(coffer.automations.payroll.execution), in one worker loop.

Several workers (processes, or threads of ``coffer serve``) share the work safely:

- a schedule's next occurrence moves on by compare-and-set, and a run's occurrence key is
  unique per automation: whichever worker fires an occurrence first, it runs once;
- the outbox is read by one worker at a time (a leased cursor);
- a run is executed by the worker holding its lease; a worker that dies leaves its runs to
  be taken over when their lease runs out, and the replay of their step history resumes
  them where they stopped.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from coffer.automations import repository as R
from coffer.automations.definitions import EventTrigger, ScheduleTrigger
from coffer.automations.payroll.execution import BatchRunner
from coffer.automations.runstate import RunBatch, from_micros, micros
from coffer.automations.service import AutomationsPlatform
from coffer.errors import CofferError
from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.runtime.rounds import RoundLoop

logger = logging.getLogger("coffer.automations")
EVENT_CURSOR = "events"
CROSSINGS = ("wallet.balance_below", "wallet.balance_above")
GATHER_ROUNDS = 8  # walks of a batch that gather transfers; the runs left post alone


def _iso(moment: int) -> str:
    return from_micros(moment).isoformat().replace("+00:00", "Z")


def matches(pattern: str, event_type: str) -> bool:
    if pattern in ("*", event_type):
        return True
    return pattern.endswith(".*") and event_type.startswith(pattern[:-1])


def _wallet_ids(data: Any) -> set[str]:
    found: set[str] = set()
    resource = data.get("object") if isinstance(data, dict) else None
    if isinstance(resource, dict):
        for name, value in resource.items():
            if name.endswith("wallet_id") and isinstance(value, str):
                found.add(value)
        if resource.get("object") == "wallet" and isinstance(resource.get("id"), str):
            found.add(resource["id"])
    return found


class Scheduler:
    def __init__(self, platform: AutomationsPlatform) -> None:
        self.platform = platform

    def tick(self) -> int:
        """Fire every due occurrence (per the catch-up policy); how many runs started.
        Plans are made outside the write transaction (parties may read wallets); the batch
        commits in one transaction, each automation's plan only if its next occurrence is
        still the one planned from (checked under lock), so two workers never fire an
        occurrence twice."""
        platform = self.platform
        settings = platform.settings
        now = platform.now_micros()
        with R.reading(platform.engine) as connection:
            if not R.any_due_schedule(connection, now):
                return 0
            rows = R.due_schedules(connection, now, settings.automation_batch_size)
        plans = [self._plan(row, now) for row in rows]
        with R.unit(platform.engine) as connection:
            moved = R.advance_schedules(
                connection,
                [(row["id"], first, following, last) for row, first, _, following, last in plans],
            )
            runs = [
                (values, row)
                for row, _, fired, _, _ in plans
                if row["id"] in moved
                for values in fired
            ]
            return platform.insert_runs_many(connection, runs)

    def _plan(
        self, row: dict[str, Any], now: int
    ) -> tuple[dict[str, Any], int, list[dict[str, Any]], int | None, int]:
        platform = self.platform
        settings = platform.settings
        compiled = platform.compiled(row["id"], int(row["version"]))
        trigger = compiled.definition.trigger
        assert isinstance(trigger, ScheduleTrigger)
        schedule = compiled.schedule()
        first = int(row["next_fire_at"])
        due = [first]
        following = schedule.next_after(from_micros(first))
        while (
            following is not None
            and micros(following) <= now
            and len(due) < settings.automation_max_catch_up
        ):
            due.append(micros(following))
            following = schedule.next_after(following)
        grace = int(settings.automation_catch_up_grace_seconds * 1_000_000)
        if trigger.catch_up == "all":
            fire = due
        elif trigger.catch_up == "latest":
            fire = due[-1:]
        else:
            fire = [moment for moment in due if now - moment <= grace]
        runs = [
            platform.with_parties(
                platform.run_values(
                    row,
                    "schedule:" + _iso(moment),
                    "schedule",
                    {"type": "schedule", "scheduled_for": _iso(moment)},
                    {},
                    moment,
                ),
                row,
            )
            for moment in fire
        ]
        return row, first, runs, None if following is None else micros(following), due[-1]


class _Plan:
    """What one batch of events does, decided outside the write transaction."""

    def __init__(self) -> None:
        self.runs: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.states: dict[str, str] = {}
        self.wakes: list[tuple[str, str, dict[str, Any]]] = []
        # runs waiting for the batch's event types, with their waiting step (one read)
        self.waiting: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}


class EventDispatcher:
    """Follows the wallets outbox: starts event-triggered runs, detects balance threshold
    crossings and wakes runs waiting for an event."""

    def __init__(self, platform: AutomationsPlatform, owner: str) -> None:
        self.platform = platform
        self.owner = owner

    def tick(self) -> int:
        platform = self.platform
        settings = platform.settings
        now = platform.now_micros()
        lease = now + int(settings.automation_lease_seconds * 1_000_000)
        webhooks = platform.wallets.webhooks
        if settings.automation_event_lookback_seconds == 0:
            with R.reading(platform.engine) as connection:
                known = R.cursor_position(connection, EVENT_CURSOR)
            if not webhooks.events_after(known, limit=1):
                return 0  # nothing new: no write
        with R.unit(platform.engine) as connection:
            position = R.claim_cursor(connection, EVENT_CURSOR, self.owner, now, lease)
        if position is None or self._unheard(position, now):
            return 0
        fresh = webhooks.events_after(position, limit=settings.automation_batch_size)
        late: list[Any] = []
        if position and settings.automation_event_lookback_seconds > 0:
            lower = _back(position, settings.automation_event_lookback_seconds)
            late = [
                event
                for event in webhooks.events_after(lower, limit=settings.automation_batch_size)
                if event.id <= position
            ]
        if not fresh and not late:
            return 0
        events = [*late, *fresh]
        with R.reading(platform.engine) as connection:
            automations = R.event_automations(connection)
            owners = R.event_platforms(connection, [event.id for event in events])
        plan = _Plan()
        with R.reading(platform.engine) as connection:
            for run in R.waiting_runs(connection, sorted({e.type for e in events})):
                step = R.step(connection, run["id"], run["wait_step"]) if run["wait_step"] else None
                if step is not None:
                    plan.waiting.setdefault(run["wait_event_type"], []).append((run, step))
        for event in events:
            self._plan(plan, event, automations, owners.get(event.id, DEFAULT_PLATFORM_ID))
        started = 0
        with R.unit(platform.engine) as connection:
            for automation_id, state in plan.states.items():
                R.update_automation(connection, automation_id, {"state": state})
            for values, row in plan.runs:
                started += len(platform.insert_runs(connection, [values], row))
            for run_id, step_key, output in plan.wakes:
                started += int(platform._wake(connection, run_id, step_key, output))
            if fresh:
                R.move_cursor(connection, EVENT_CURSOR, self.owner, fresh[-1].id, now)
        return len(fresh) + started

    def _unheard(self, position: str, now: int) -> bool:
        """Whether no active event automation nor run waiting for an event listens: then
        the cursor moves to the newest event without reading any (an automation created
        later starts runs only for the events after its creation, a waiting run wakes only
        for the events after its wait began). The newest id is read before the listeners,
        so an automation created in between is created after every event skipped."""
        platform = self.platform
        with R.reading(platform.engine) as connection:
            newest = R.newest_event_id(connection)
            if R.event_automations(connection) or R.waits_for_events(connection):
                return False
        if newest > position:
            with R.unit(platform.engine) as connection:
                R.move_cursor(connection, EVENT_CURSOR, self.owner, newest, now)
        return True

    def _plan(
        self, plan: _Plan, event: Any, automations: list[dict[str, Any]], event_platform: str
    ) -> None:
        """The runs, state changes and wake-ups ``event`` causes among the automations of
        its own platform (the platform whose outbox it is in)."""
        platform = self.platform
        data = event.data
        event_at = micros(event.created_at)
        cel_event = {
            "id": event.id,
            "type": event.type,
            "data": data,
            "created_at": event.created_at,
        }
        wallet_ids: set[str] | None = None
        for row in automations:
            if row["platform_id"] != event_platform or row["created_at"] > event_at:
                continue
            compiled = platform.compiled(row["id"], int(row["version"]))
            trigger = compiled.definition.trigger
            assert isinstance(trigger, EventTrigger)
            if trigger.event_type in CROSSINGS:
                if wallet_ids is None:
                    wallet_ids = _wallet_ids(data)
                if trigger.wallet_id in wallet_ids:
                    self._crossing(plan, row, trigger, cel_event)
                continue
            if not matches(trigger.event_type, event.type):
                continue
            if trigger.filter:
                try:
                    if not compiled.expression(trigger.filter).evaluate_bool({"event": cel_event}):
                        continue
                except CofferError as error:
                    logger.warning(
                        "automation %s: filter failed on %s: %s", row["id"], event.id, error
                    )
                    continue
            values = platform.run_values(
                row, "event:" + event.id, "event", cel_event, {}, platform.now_micros()
            )
            plan.runs.append((platform.with_parties(values, row), row))
        self._wake_waiting(plan, event, cel_event, event_platform)

    def _crossing(
        self, plan: _Plan, row: dict[str, Any], trigger: EventTrigger, cel_event: dict[str, Any]
    ) -> None:
        platform = self.platform
        assert trigger.wallet_id is not None and trigger.threshold is not None
        wallets = platform.platform_wallets(str(row["platform_id"])).wallets
        wallet = wallets.wallet(trigger.wallet_id)
        state = R.loads(row["state"]) or {}
        below = wallet.balance < trigger.threshold
        if state.get("below") == below:
            return
        state["below"] = below
        row["state"] = plan.states[row["id"]] = R.dumps(state)
        wanted = below if trigger.event_type == "wallet.balance_below" else not below
        if not wanted:
            return
        crossing = {
            "id": cel_event["id"],
            "type": trigger.event_type,
            "data": {
                "object": {
                    "wallet_id": wallet.id,
                    "balance": wallet.balance,
                    "threshold": trigger.threshold,
                    "currency": wallet.currency,
                },
                "cause": cel_event["type"],
            },
            "created_at": cel_event["created_at"],
        }
        values = platform.run_values(
            row, "cross:" + str(cel_event["id"]), "event", crossing, {}, platform.now_micros()
        )
        plan.runs.append((platform.with_parties(values, row), row))

    def _wake_waiting(
        self, plan: _Plan, event: Any, cel_event: dict[str, Any], event_platform: str
    ) -> None:
        platform = self.platform
        for run, step in plan.waiting.get(event.type, []):
            if run["platform_id"] != event_platform:
                continue
            request = R.loads(step["request"]) or {}
            since = int(request.get("since_micros") or step["started_at"])
            if step["status"] != "waiting" or since > micros(event.created_at):
                continue  # a wait sees the events that come after it starts
            source = request.get("filter")
            if source:
                compiled = platform.compiled(run["automation_id"], int(run["version"]))
                context = R.loads(run["context"]) or {}
                with R.reading(platform.engine) as connection:
                    automation = R.automation(connection, None, run["automation_id"])
                assert automation is not None
                variables = {
                    "event": cel_event,
                    "trigger": R.loads(run["trigger"]) or {},
                    "inputs": R.loads(run["inputs"]) or {},
                    "steps": context.get("steps", {}),
                    "vars": context.get("vars", {}),
                    "now": platform.clock(),
                    "run": {
                        "id": run["id"],
                        "automation_id": run["automation_id"],
                        "occurrence": run["occurrence_key"],
                        "scheduled_for": from_micros(run["scheduled_for"]),
                    },
                    "automation": {
                        "id": run["automation_id"],
                        "owner_customer_id": automation["owner_customer_id"] or "",
                        "version": run["version"],
                    },
                }
                text = source[1:] if source.startswith("=") else source
                try:
                    if not compiled.expression(text).evaluate_bool(
                        variables, platform.lookups(automation)
                    ):
                        continue
                except CofferError as error:
                    logger.warning(
                        "run %s: wait filter failed on %s: %s", run["id"], event.id, error
                    )
                    continue
            plan.wakes.append((run["id"], run["wait_step"], {"event": cel_event}))


def _back(event_id: str, seconds: float) -> str:
    """An event id ``seconds`` before ``event_id`` (ids start with milliseconds in hex)."""
    prefix, _, rest = event_id.partition("_")
    try:
        milliseconds = int(rest[:12], 16)
    except ValueError:
        return event_id
    return f"{prefix}_{max(milliseconds - int(seconds * 1000), 0):012x}"


class Worker(RoundLoop):
    """The automations' background loop: schedules, outbox, due runs. ``clock`` of the
    platform drives everything, so tests advance time without sleeping."""

    thread_name = "coffer-automations-worker"

    def __init__(
        self,
        platform: AutomationsPlatform,
        *,
        interval_seconds: float | None = None,
        threads: int | None = None,
        owner: str | None = None,
    ) -> None:
        self.platform = platform
        settings = platform.settings
        super().__init__(interval_seconds or settings.automation_interval_seconds)
        self.threads = threads or settings.automation_worker_threads
        self.owner = owner or "w_" + uuid.uuid4().hex[:16]
        self.scheduler = Scheduler(platform)
        self.events = EventDispatcher(platform, self.owner)
        self.payment_batches = BatchRunner(platform.payment_batches, self.owner)
        self._pool: ThreadPoolExecutor | None = None

    def execute_due(self) -> int:
        """Lease due runs and advance each; how many were taken."""
        platform = self.platform
        settings = platform.settings
        now = platform.now_micros()
        lease = now + int(settings.automation_lease_seconds * 1_000_000)
        with R.reading(platform.engine) as connection:
            if not R.any_due_run(connection, now):
                return 0
        with R.unit(platform.engine) as connection:
            runs = R.claim_runs(connection, now, self.owner, lease, settings.automation_batch_size)
        if not runs:
            return 0
        if not settings.automation_batch_runs:
            self._each(runs, lambda run: self._execute_one(run, None))
            return len(runs)
        batch = RunBatch()
        executor = platform.executor
        executor.preload(batch, runs)
        try:
            pending = runs
            for round_number in range(GATHER_ROUNDS + 1):
                batch.gathering = round_number < GATHER_ROUNDS
                statuses = self._each(pending, lambda run: self._execute_one(run, batch))
                pending = [
                    run
                    for run, status in zip(pending, statuses, strict=True)
                    if status == "gathered"
                ]
                if not pending:
                    break
                wanted, batch.wanted = batch.wanted, []
                batch.outcomes.update(platform.perform_transfers(wanted))
        finally:
            executor.finish_many(batch.finishes)
        return len(runs)

    def _execute_one(self, run: dict[str, Any], batch: RunBatch | None) -> str:
        try:
            return self.platform.executor.execute(run, self.owner, batch)
        except Exception:  # one run's bug must not stop the others; its lease runs out
            logger.exception("run %s failed in the executor", run["id"])
            return "error"

    def _each(
        self, runs: list[dict[str, Any]], function: Callable[[dict[str, Any]], str]
    ) -> list[str]:
        if self.threads <= 1 or len(runs) == 1:
            return [function(run) for run in runs]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="coffer-automation")
        return list(self._pool.map(function, runs))

    def run_once(self) -> int:
        return (
            self.scheduler.tick()
            + self.events.tick()
            + self.execute_due()
            + self.payment_batches.tick()
        )

    def run_until_idle(self, *, max_rounds: int = 1_000) -> int:
        """Rounds until nothing is left to do now (tests, ``--once``); work done."""
        total = 0
        for _ in range(max_rounds):
            done = self.run_once()
            total += done
            if not done:
                break
        return total

    def round_failed(self, error: Exception) -> None:
        logger.error("automations round failed: %s", error)

    def stop(self, timeout_seconds: float = 10.0) -> None:
        super().stop(timeout_seconds)
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
