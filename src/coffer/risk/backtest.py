"""``coffer risk backtest``: replay events through the decision engine, in order.

Every transaction is decided from the model folder and the events before it, then added to the
state; nothing is read ahead, so a prefix of the input gets the same decisions. The model folder
is only read. The output is written to a temporary file and renamed once complete.

A line that cannot be read is not replayed: a transaction line that names its id gets a
neutral decision (score 0, allow, reason ``unreadable_input``) so the output keeps one line
per transaction; any other unreadable line is skipped. Each is listed in the report.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from coffer.risk.engine import RiskEngine, Thresholds
from coffer.risk.events import Transaction, Unreadable, format_time, read_lines
from coffer.risk.features_names import FEATURE_NAMES


@dataclass
class BacktestReport:
    events: int
    transactions: int
    alerts: int
    seconds: float
    unreadable: list[Unreadable] = field(default_factory=list)

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
    numeric_ids: dict[str, int] = {}  # ids written as numbers go back out as numbers
    lines = read_lines(input_path, lenient=True, numeric_ids=numeric_ids)
    unreadable = [line for line in lines if isinstance(line, Unreadable)]
    events = [line for line in lines if not isinstance(line, Unreadable)]
    engine = RiskEngine.load(model_dir, thresholds)
    ids: list[str] = []
    count = sum(1 for event in events if isinstance(event, Transaction))
    matrix = np.empty((count, len(FEATURE_NAMES)), dtype=np.float64)
    # output plan: an int is the index of a decision, a dict an alert line
    plan: list[int | dict[str, Any]] = []
    alert_count = 0
    for event in lines:
        if isinstance(event, Unreadable):
            if event.id is not None:
                plan.append(_neutral(event.id))
            continue
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
                if numeric_ids:
                    _as_written(line, numeric_ids)
                stream.write(json.dumps(line) + "\n")
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    decided = len(ids) + sum(1 for line in unreadable if line.id is not None)
    seconds = time.perf_counter() - started
    return BacktestReport(len(events), decided, alert_count, seconds, unreadable)


def _as_written(line: dict[str, Any], numeric_ids: dict[str, int]) -> None:
    """The transaction ids of an output line as the input wrote them (numbers stay numbers)."""
    if "type" in line:
        line["transaction_ids"] = [numeric_ids.get(i, i) for i in line["transaction_ids"]]
    else:
        line["id"] = numeric_ids.get(line["id"], line["id"])


def _neutral(transaction_id: str) -> dict[str, Any]:
    return {
        "id": transaction_id,
        "score": 0.0,
        "decision": "allow",
        "reasons": ["unreadable_input"],
    }
