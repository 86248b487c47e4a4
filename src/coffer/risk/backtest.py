"""``coffer risk backtest``: replay events through the decision engine, in order.

Every transaction is decided from the model folder and the events before it, then added to the
state; nothing is read ahead, so a prefix of the input gets the same decisions. The model folder
is only read. The output is written to a temporary file and renamed once complete.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coffer.risk.engine import RiskEngine, Thresholds
from coffer.risk.events import Transaction, format_time, read_events
from coffer.risk.features_names import FEATURE_NAMES


@dataclass
class BacktestReport:
    events: int
    transactions: int
    alerts: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def backtest(
    input_path: str | Path,
    output_path: str | Path,
    model_dir: str | Path,
    thresholds: Thresholds | None = None,
) -> BacktestReport:
    started = time.perf_counter()
    events = read_events(input_path)
    engine = RiskEngine.load(model_dir, thresholds)
    ids: list[str] = []
    count = sum(1 for event in events if isinstance(event, Transaction))
    matrix = np.empty((count, len(FEATURE_NAMES)), dtype=np.float64)
    # output plan: an int is the index of a decision, a dict an alert line
    plan: list[int | dict[str, object]] = []
    alert_count = 0
    for event in events:
        if isinstance(event, Transaction):
            plan.append(len(ids))
            matrix[len(ids)] = engine.features(event)
            ids.append(event.id)
        for alert in engine.observe(event):
            alert_count += 1
            plan.append(
                {
                    "type": "alert",
                    "typology": alert.typology,
                    "customer_ids": list(alert.customer_ids),
                    "transaction_ids": list(alert.transaction_ids),
                    "at": format_time(alert.at),
                }
            )
    decisions = []
    chunk = 20_000
    for start in range(0, len(ids), chunk):
        decisions.extend(
            engine.decide_vectors(ids[start : start + chunk], matrix[start : start + chunk])
        )
    output = Path(output_path)
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".backtest-", dir=output.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            for item in plan:
                line = decisions[item].to_dict() if isinstance(item, int) else item
                stream.write(json.dumps(line) + "\n")
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return BacktestReport(len(events), len(ids), alert_count, time.perf_counter() - started)
