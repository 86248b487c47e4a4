"""The decision engine: feature state + model + AML monitor, shared by every path.

``observe(event)`` feeds the state (and returns the AML alerts it raised); ``decide(tx)``
scores a transaction from the past only. Training, the backtest and the online path use it.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from coffer.errors import RiskModelMissing
from coffer.risk.aml import Alert, Monitor
from coffer.risk.events import Event, Transaction
from coffer.risk.features import FEATURE_NAMES, FeatureState
from coffer.risk.model import MODEL_VERSION, FraudModel

STATE_FILE = "state.pkl"
METADATA_FILE = "metadata.json"
EXPLAIN_FROM = 0.5  # scores below get the fired rules as reasons, not the model's


@dataclass(frozen=True)
class Decision:
    id: str
    score: float
    decision: str  # allow, review or block
    reasons: list[str]
    probability: float = 0.0
    anomaly: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "score": self.score,
            "decision": self.decision,
            "reasons": self.reasons,
        }


@dataclass
class Thresholds:
    review: float = 0.5
    block: float = 0.9

    def decision(self, score: float) -> str:
        if score >= self.block:
            return "block"
        return "review" if score >= self.review else "allow"


@dataclass
class RiskEngine:
    model: FraudModel
    state: FeatureState = field(default_factory=FeatureState)
    monitor: Monitor = field(default_factory=Monitor)
    thresholds: Thresholds = field(default_factory=Thresholds)

    @classmethod
    def load(cls, folder: str | Path, thresholds: Thresholds | None = None) -> RiskEngine:
        """A fresh engine from a model folder (its state is a private copy)."""
        path = Path(folder)
        if not (path / METADATA_FILE).is_file() or not (path / STATE_FILE).is_file():
            raise RiskModelMissing(
                f"no trained risk model in {path}: run `coffer risk train` first",
                model_dir=str(path),
            )
        metadata = json.loads((path / METADATA_FILE).read_text())
        if metadata.get("feature_names") != list(FEATURE_NAMES):
            raise RiskModelMissing(
                f"the risk model in {path} was trained on other features: train it again",
                model_dir=str(path),
            )
        try:
            with open(path / STATE_FILE, "rb") as handle:
                state, monitor = pickle.load(handle)
        except (pickle.UnpicklingError, TypeError, AttributeError, EOFError) as error:
            raise RiskModelMissing(
                f"the state in {path} cannot be read ({error}): train the model again",
                model_dir=str(path),
            ) from None
        return cls(FraudModel.load(path), state, monitor, thresholds or Thresholds())

    def observe(self, event: Event) -> list[Alert]:
        self.state.observe(event)
        return self.monitor.observe(event)

    def features(self, tx: Transaction) -> list[float]:
        return self.state.features(tx)

    def decide(self, tx: Transaction) -> Decision:
        """The decision on ``tx`` from the past only; the caller observes it afterwards."""
        return self.decide_vectors([tx.id], [self.state.features(tx)])[0]

    def decide_vectors(
        self,
        ids: list[str],
        vectors: list[list[float]] | np.ndarray,
        probabilities: np.ndarray | None = None,
    ) -> list[Decision]:
        """Decisions on feature vectors (row by row: one row never affects another);
        ``probabilities``: the trees' calibrated probability of each row, when known."""
        if not ids:
            return []
        matrix = np.asarray(vectors, dtype=np.float64)
        scored = self.model.score(matrix, probabilities)
        explain_from = min(EXPLAIN_FROM, self.thresholds.review)
        explain = [index for index, item in enumerate(scored) if item[0] >= explain_from]
        codes: dict[int, list[str]] = dict(
            zip(explain, self.model.reasons(matrix[explain]) if explain else [], strict=True)
        )
        out = []
        for index, (tx_id, (score, probability, anomaly, rules)) in enumerate(
            zip(ids, scored, strict=True)
        ):
            names = list(rules)
            names.extend(code for code in codes.get(index, ()) if code not in names)
            if anomaly >= 0.995:
                names.append("anomalous")
            out.append(
                Decision(tx_id, score, self.thresholds.decision(score), names, probability, anomaly)
            )
        return out


def save_model_dir(
    folder: str | Path,
    model: FraudModel,
    state: FeatureState,
    monitor: Monitor,
    extra: dict[str, Any],
) -> None:
    """Write the model, the state and the metadata; files replace the old ones only once all
    are written."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=path))
    try:
        model.save(staging)
        with open(staging / STATE_FILE, "wb") as handle:
            pickle.dump((state, monitor), handle, protocol=pickle.HIGHEST_PROTOCOL)
        metadata = {
            "version": MODEL_VERSION,
            "feature_names": list(FEATURE_NAMES),
            "metrics": model.metrics,
            **extra,
        }
        (staging / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")
        for name in ("model.txt", "anomaly.joblib", STATE_FILE, METADATA_FILE):
            os.replace(staging / name, path / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
