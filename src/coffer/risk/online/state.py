"""The online engine: the same :class:`~coffer.risk.features.FeatureState` and
:class:`~coffer.risk.engine.RiskEngine` as training and the backtest, kept in memory and
made durable by the database.

How the state survives restarts (snapshot + replay): every event the online path feeds the
state (a transaction decided and let through, a customer onboarded) is stored as a row of
``risk_observations`` in the same database transaction as the movement it describes. At
start the state is the model folder's (the state at the end of training), replaced by the
newest ``risk_snapshots`` row when one was taken with the same model, then every
observation after it is replayed in order. The worker writes a snapshot every
``COFFER_RISK_SNAPSHOT_EVERY`` observations. Observations written by other processes are
picked up by :meth:`OnlineEngine.catch_up` (the worker calls it every second).

Without a trained model (no ``COFFER_RISK_MODEL_DIR``) the state is kept all the same and
the score is the expert rules' combined weight: rules and lists still decide.
"""

from __future__ import annotations

import json
import logging
import operator
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from coffer.risk.engine import METADATA_FILE, Decision, RiskEngine, Thresholds
from coffer.risk.events import Customer, Event, Login, Transaction
from coffer.risk.features import FeatureState, run_length
from coffer.risk.rules import fired, rule_score

log = logging.getLogger(__name__)
NO_MODEL = "none"
# a transaction whose score ceiling is this close under the block threshold is scored
# before the next (float rounding of the same numbers in another batch cannot cross it)
CEILING_MARGIN = 1e-9
MAX_OWN_PENDING = 100_000  # observations this process applied and has not yet read back
LOST_AFTER_SECONDS = 60.0


_ENCODER = json.JSONEncoder(separators=(",", ":"))  # made once, not per call
_EVENT_TYPES = {Transaction: "transaction", Login: "login", Customer: "customer"}


def _layout(kind: type[Event]) -> tuple[tuple[str, ...], Callable[[Any], Any], int]:
    """An event type's JSON keys in sorted order, a getter of its fields in that order, and
    where ``type`` goes among them."""
    fields = sorted(kind.__slots__)
    names = tuple(sorted((*fields, "type")))
    return names, operator.attrgetter(*fields), names.index("type")


_LAYOUTS = {kind: _layout(kind) for kind in _EVENT_TYPES}


def event_json(event: Event) -> str:
    """The event as JSON, keys sorted (what :func:`event_from_json` reads back)."""
    kind = type(event)
    names, getter, at = _LAYOUTS[kind]
    values = list(getter(event))
    values.insert(at, _EVENT_TYPES[kind])
    return _ENCODER.encode(dict(zip(names, values, strict=True)))


def event_from_json(text: str) -> Event:
    data = json.loads(text)
    kind = data.pop("type")
    if kind == "transaction":
        return Transaction(**data)
    if kind == "login":
        return Login(**data)
    return Customer(**data)


@dataclass(frozen=True)
class Scored:
    """The engine's answer on one transaction, before rules and lists."""

    score: float
    reasons: list[str]
    features: list[float]
    probability: float


class OnlineEngine:
    """A :class:`RiskEngine` (or, without a model, a bare feature state) shared by the
    threads of one process; decide and observe hold a lock."""

    def __init__(self, model_dir: str | None, thresholds: Thresholds) -> None:
        self.thresholds = thresholds
        self.engine: RiskEngine | None = None
        self.model_version = NO_MODEL
        self.model_metadata: dict[str, Any] = {}
        path = Path(model_dir) if model_dir else None
        if path is not None and (path / METADATA_FILE).is_file():
            self.engine = RiskEngine.load(path, thresholds)
            self.model_metadata = json.loads((path / METADATA_FILE).read_text())
            self.model_version = str(
                self.model_metadata.get("trained_at") or self.model_metadata.get("version")
            )
            self.state = self.engine.state
        else:
            self.state = FeatureState()
        self.seq = 0  # the last observation applied
        # observations applied here and not yet read back from the table: key -> when
        self._own: OrderedDict[str, float] = OrderedDict()
        self.lock = threading.RLock()

    # -- deciding --------------------------------------------------------------------------

    def score(
        self, transactions: list[Transaction], engine: RiskEngine | None = None
    ) -> list[Scored]:
        """Scores from the past only (the state is not changed), by ``engine``'s model
        (another model version's) or this engine's own."""
        with self.lock:
            vectors = [self.state.features(tx) for tx in transactions]
            return self._scored(transactions, vectors, engine or self.engine)

    def decide(
        self,
        transactions: Sequence[Transaction],
        engine: RiskEngine | None,
        let_through: Callable[[int, Scored], bool],
        may_block: Callable[[int, list[float]], bool] | None = None,
    ) -> None:
        """Score ``transactions`` in order, as if one at a time: ``let_through(index,
        scored)`` decides each, and the state observes the ones it lets through before the
        next is scored (the same scores as one call each, in order).

        The batch is cut into runs of transactions that touch different customers, devices,
        cards and counterparties (:func:`~coffer.risk.features.run_length`): a run's
        features are taken at once. A run's IP country counts include its earlier
        transactions: a transaction not let through ends its run when a later one of the
        run shares its IP country (those are scored again after it).

        Only a blocked transaction is not observed. With ``may_block(index, features)``
        (whether the caller's lists and rules may block it whatever its score), a
        transaction that neither they nor its score can block (the model's
        :meth:`~coffer.risk.model.FraudModel.score_ceiling` under the block threshold) is
        observed at once and scored with the batch's others in one model call at the end;
        the others are scored at once, one by one. Without it, each run is scored before
        the next (one model call a run); so is the last run when nothing waits for the end (one
        movement, a batch of one run)."""
        engine = engine or self.engine
        deferred: list[int] = []
        vectors: list[list[float]] = []
        probabilities: list[float] = []  # the deferred rows' trees, computed for the ceiling
        with self.lock:
            start = 0
            while start < len(transactions):
                end = start + run_length(transactions, start)
                run = transactions[start:end]
                features = self.state.features_run(run)
                if (
                    engine is None
                    or may_block is None
                    or (end == len(transactions) and not deferred)
                ):
                    # no ceiling needed: no later run waits for this one
                    scored: list[Scored | None] = list(self._scored(run, features, engine))
                else:
                    matrix = np.asarray(features, dtype=np.float64)
                    probability = engine.model.probability(matrix)
                    ceiling = engine.model.score_ceiling(matrix, probability)
                    safe = (ceiling < self.thresholds.block - CEILING_MARGIN).tolist()
                    scored = [None] * len(run)
                for offset, (tx, vector) in enumerate(zip(run, features, strict=True)):
                    index = start + offset
                    item = scored[offset]
                    if item is None:
                        assert may_block is not None
                        if safe[offset] and not may_block(index, vector):
                            deferred.append(index)
                            vectors.append(vector)
                            probabilities.append(float(probability[offset]))
                            self._observe(tx, observation_key(tx))
                            continue
                        item = self._scored([tx], [vector], engine)[0]
                    if let_through(index, item):
                        self._observe(tx, observation_key(tx))
                    elif tx.ip_country is not None and any(
                        later.ip_country == tx.ip_country for later in run[offset + 1 :]
                    ):
                        end = index + 1
                        break
                start = end
            if deferred:
                late = self._scored(
                    [transactions[i] for i in deferred],
                    vectors,
                    engine,
                    np.asarray(probabilities, dtype=np.float64),
                )
                for index, item in zip(deferred, late, strict=True):
                    if not let_through(index, item):  # cannot happen (see score_ceiling)
                        log.error("risk: transaction %s blocked after it was observed", index)

    @staticmethod
    def _scored(
        transactions: Sequence[Transaction],
        vectors: list[list[float]],
        engine: RiskEngine | None,
        probability: np.ndarray | None = None,
    ) -> list[Scored]:
        if engine is not None:
            decisions: list[Decision] = engine.decide_vectors(
                [tx.id for tx in transactions], vectors, probability
            )
            return [
                Scored(d.score, list(d.reasons), v, d.probability)
                for d, v in zip(decisions, vectors, strict=True)
            ]
        out = []
        for vector in vectors:
            rules = fired(vector)
            out.append(Scored(rule_score(rules), [r.name for r in rules], vector, 0.0))
        return out

    # -- observing -------------------------------------------------------------------------

    def observe(self, event: Event, *, own_key: str | None = None) -> None:
        """Feed the state (and remember ``own_key`` so that reading it back from the
        observations table does not apply it twice)."""
        with self.lock:
            if own_key is None:
                self.state.observe(event)
            else:
                self._observe(event, own_key)

    def _observe(self, event: Event, own_key: str) -> None:
        """:meth:`observe` with the lock held."""
        self.state.observe(event)
        self._own[own_key] = time.monotonic()
        while len(self._own) > MAX_OWN_PENDING:
            self._own.popitem(last=False)

    def apply_stored(self, seq: int, key: str, event: Event) -> None:
        """An observation read from the table: applied unless this process applied it."""
        with self.lock:
            if seq <= self.seq:
                return
            self.seq = seq
            if key in self._own:
                del self._own[key]
                return
            self.state.observe(event)

    # -- snapshots -------------------------------------------------------------------------

    def snapshot(self) -> tuple[int, bytes] | None:
        """The state and the last observation it holds, or None while observations this
        process applied are not stored yet (a snapshot then would count them twice).
        Observations never stored (their movement's write failed) stop counting after
        ``LOST_AFTER_SECONDS``."""
        with self.lock:
            horizon = time.monotonic() - LOST_AFTER_SECONDS
            while self._own and next(iter(self._own.values())) < horizon:
                self._own.popitem(last=False)
            if self._own:
                return None
            return self.seq, pickle.dumps(self.state, protocol=pickle.HIGHEST_PROTOCOL)

    def restore(self, seq: int, blob: bytes) -> None:
        state = pickle.loads(blob)
        if not isinstance(state, FeatureState):
            return
        with self.lock:
            self.state = state
            if self.engine is not None:
                self.engine.state = state
            self.seq = seq


def observation_key(event: Event) -> str:
    """What identifies an observation (a transaction's id, a customer's id and time)."""
    if isinstance(event, Transaction):
        return "t:" + event.id
    if isinstance(event, Customer):
        return f"c:{event.id}:{event.at}"
    return f"l:{event.customer_id}:{event.at}"
