"""The risk worker's tasks (inside ``coffer worker`` and ``coffer serve``), one round at a
time:

- **catch up** the feature state with observations stored by other processes;
- **follow the wallets outbox** of every platform (a leased cursor, so several workers share it safely):
  ``customer.created``/``customer.updated`` feed the state and screen the customer's name;
  ``risk.decision.created`` (allowed movements) and ``risk.review.approved`` feed the AML
  monitor, whose alerts become cases. The monitor's state and the cursor are stored together
  (``risk_snapshots`` row ``aml``, position = the last event read), so a restart, or another
  worker taking the lease over, continues exactly where the state stands;
- **expire reviews** past their deadline (the platform's policy);
- **re-screen** every screened customer when a sanctions list changed;
- **snapshot** the feature state every ``COFFER_RISK_SNAPSHOT_EVERY`` observations.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.risk.aml import Alert, Monitor
from coffer.risk.events import Customer, Transaction
from coffer.risk.online import repository as R
from coffer.risk.online.service import RiskService
from coffer.risk.online.state import event_from_json
from coffer.runtime.rounds import RoundLoop

logger = logging.getLogger("coffer.risk")
FOLLOWED = ("customer.created", "customer.updated", "risk.decision.created", "risk.review.approved")
EVENTS_PER_ROUND = 500
RESCREEN_PER_ROUND = 200
LEASE_SECONDS = 30


class RiskTasks:
    def __init__(self, risk: RiskService, *, clock: Callable[[], int] | None = None) -> None:
        self.risk = risk
        self.clock = clock or R.now_micros  # microseconds; tests inject their own
        engine = risk.online.engine
        self.monitor: Monitor = pickle.loads(pickle.dumps(engine.monitor)) if engine else Monitor()
        self.position: str | None = None  # the outbox position the monitor state is at
        self._snapshot_seq = risk.online.seq

    def run_once(self) -> int:
        risk = self.risk
        work = risk.catch_up()
        work += self.follow_outbox()
        work += risk.expire_reviews(now=self.clock())
        work += self.rescreen()
        if risk.online.seq - self._snapshot_seq >= risk.settings.risk_snapshot_every:
            taken = risk.snapshot()
            if taken is not None:
                self._snapshot_seq = taken
        return work

    # -- the outbox ---------------------------------------------------------------------------

    def follow_outbox(self) -> int:
        risk = self.risk
        now = R.now_micros()
        with risk._unit() as connection:
            lease = R.claim_cursor(connection, "outbox", now, now + LEASE_SECONDS * 1_000_000)
            if lease is None:
                return 0  # another worker follows the outbox now
            snap = R.snapshot(connection, "aml")
        stored_position = None if snap is None else snap["position"]
        if snap is not None and stored_position != self.position:
            self.monitor = pickle.loads(bytes(snap["state"]))  # another worker went on
            self.position = stored_position
        events = risk.wallets.core.outbox_after(self.position or None, FOLLOWED, EVENTS_PER_ROUND)
        alerts: list[tuple[str, Alert]] = []
        decided = self._decided(events)
        for event in events:
            try:
                alerts.extend(self._apply(event, decided))
            except Exception:  # one bad event must not stop the others; it is logged
                logger.exception("risk worker: event %s could not be applied", event["id"])
        if events:
            self.position = str(events[-1]["id"])
        for platform_id, alert in alerts:
            risk.open_case(
                platform_id,
                kind="aml_alert",
                title=f"AML alert: {alert.typology.replace('_', ' ')}",
                customer_ids=list(alert.customer_ids),
                transaction_ids=list(alert.transaction_ids),
                typology=alert.typology,
            )
        with risk._unit() as connection:
            if events:
                R.save_snapshot(
                    connection,
                    {
                        "name": "aml",
                        "seq": 0,
                        "position": self.position,
                        "model_version": risk.online.model_version,
                        "state": pickle.dumps(self.monitor, protocol=pickle.HIGHEST_PROTOCOL),
                        "created_at": R.now_micros(),
                    },
                )
            R.move_cursor(connection, "outbox", self.position or "", 0)
        return len(events)

    @staticmethod
    def _object(event: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """The event's platform (every platform's outbox is followed) and object."""
        data = json.loads(event["data"]).get("object") or {}
        return str(event.get("platform_id") or data.get("platform_id") or DEFAULT_PLATFORM_ID), data

    def _decided(self, events: list[Mapping[str, Any]]) -> dict[tuple[str, str, str], str]:
        """The transactions the allowing decisions of ``events`` scored, in one query (an
        event that cannot be read is left to :meth:`_apply`, which logs it)."""
        movements = []
        for event in events:
            if event["type"] == "risk.decision.created":
                try:
                    platform_id, data = self._object(event)
                except (ValueError, AttributeError):
                    continue
                if (
                    data.get("outcome") == "allow"
                    and {"movement_type", "movement_id"} <= data.keys()
                ):
                    movements.append((platform_id, data["movement_type"], data["movement_id"]))
        if not movements:
            return {}
        with self.risk.engine.connect() as connection:
            return R.decided_events(connection, movements)

    def _apply(
        self, event: Mapping[str, Any], decided: Mapping[tuple[str, str, str], str]
    ) -> list[tuple[str, Alert]]:
        """Feed ``event`` to the AML monitor (``decided``: what :meth:`_decided` read)."""
        platform_id, data = self._object(event)
        kind = event["type"]
        if kind.startswith("customer."):
            customer = self._customer(data)
            if kind == "customer.created":
                self.risk.observe_customer(platform_id, customer)
            self.risk.screen_customer(platform_id, data["id"])  # a name change too
            if kind != "customer.created":
                return []
            return [(platform_id, a) for a in self.monitor.observe(customer)]
        if kind == "risk.decision.created" and data.get("outcome") != "allow":
            return []
        if kind == "risk.decision.created":
            text = decided.get((platform_id, data["movement_type"], data["movement_id"]))
            if text is None:
                return []
            tx = event_from_json(text)
        else:
            tx = event_from_json(json.dumps({**data["event"], "type": "transaction"}))
        if not isinstance(tx, Transaction):
            return []
        return [(platform_id, a) for a in self.monitor.observe(tx)]

    def _customer(self, data: dict[str, Any]) -> Customer:
        created = data.get("created_at")
        at = datetime.fromisoformat(created).timestamp() if isinstance(created, str) else 0.0
        return Customer(
            id=data["id"],
            at=at,
            kind=data.get("kind") or "natural",
            kyc_level=data.get("kyc_level") or "none",
        )

    # -- re-screening ---------------------------------------------------------------------------

    def rescreen(self) -> int:
        """After a list update, screen again every customer screened before (a bounded page
        per round, its position kept in the ``rescreen`` cursor)."""
        risk = self.risk
        versions = risk.screener.lists
        fingerprint = hashlib.sha256(repr(versions).encode()).hexdigest()[:40]
        now = R.now_micros()
        with risk._unit() as connection:
            lease = R.claim_cursor(connection, "rescreen", now, now + LEASE_SECONDS * 1_000_000)
            if lease is None:
                return 0
            seen, _, after = str(lease["position"]).partition("|")
            if not seen:  # first run: the lists as they are now were screened at onboarding
                R.move_cursor(connection, "rescreen", fingerprint + "|", 0)
                return 0
            if seen == fingerprint and not after:
                R.move_cursor(connection, "rescreen", lease["position"], 0)
                return 0
            subjects = R.screened_subjects(connection, after or None, RESCREEN_PER_ROUND)
        for subject in subjects:
            try:
                risk.screen_customer(subject["platform_id"], subject["subject_id"])
            except Exception:
                logger.exception("re-screening %s failed", subject["subject_id"])
        done = len(subjects) < RESCREEN_PER_ROUND
        position = fingerprint + "|" + ("" if done else subjects[-1]["subject_id"])
        with risk._unit() as connection:
            R.move_cursor(connection, "rescreen", position, 0)
        return len(subjects)


class RiskWorker(RoundLoop):
    """The loop running :class:`RiskTasks` in a thread (started by ``coffer serve``)."""

    thread_name = "coffer-risk-worker"

    def __init__(self, risk: RiskService, *, interval_seconds: float = 1.0) -> None:
        super().__init__(interval_seconds)
        self.tasks = RiskTasks(risk)

    def run_once(self) -> int:
        return self.tasks.run_once()

    def round_failed(self, error: Exception) -> None:
        logger.error("risk worker round failed: %s", error)
