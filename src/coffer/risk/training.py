"""``coffer risk train``: replay a labelled history through the state, fit the model, and
leave the model with the state after the whole history in the model folder."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from coffer.errors import RiskInputInvalid
from coffer.risk.aml import Monitor
from coffer.risk.engine import save_model_dir
from coffer.risk.events import Transaction, read_events
from coffer.risk.features import FeatureState
from coffer.risk.model import ModelParameters, train_model


@dataclass
class TrainingReport:
    transactions: int
    frauds: int
    seconds: float
    metrics: dict[str, Any]


def train(
    input_path: str | Path, model_dir: str | Path, parameters: ModelParameters | None = None
) -> TrainingReport:
    started = time.perf_counter()
    events = read_events(input_path)
    state = FeatureState()
    monitor = Monitor()
    vectors: list[list[float]] = []
    labels: list[int] = []
    for number, event in enumerate(events, start=1):
        if isinstance(event, Transaction):
            if event.label is None:
                raise RiskInputInvalid(
                    f"{input_path}: transaction {event.id} has no label (fraud or legit); "
                    "a training file labels every transaction",
                    transaction_id=event.id,
                    event=number,
                )
            vectors.append(state.features(event))
            labels.append(1 if event.label == "fraud" else 0)
        state.observe(event)
        monitor.observe(event)
    if not labels:
        raise RiskInputInvalid(f"{input_path}: no transactions to learn from")
    matrix = np.asarray(vectors, dtype=np.float64)
    target = np.asarray(labels, dtype=np.int32)
    model = train_model(matrix, target, parameters)
    seconds = time.perf_counter() - started
    model.metrics["train_seconds"] = round(seconds, 3)
    save_model_dir(
        model_dir,
        model,
        state,
        monitor,
        {
            "trained_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "training_file": str(input_path),
            "history_until": state.now,
            "window_start": _iso(events[0].at) if events else None,
            "window_end": _iso(state.now),
        },
    )
    return TrainingReport(len(labels), int(target.sum()), seconds, model.metrics)


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
