"""The fraud model: gradient-boosted trees (LightGBM), calibrated, with an unsupervised anomaly
score for the cold start and patterns never labelled, combined with the expert rules.

score = 1 - (1 - p) * (1 - rule_weight * rules) * (1 - anomaly_weight * anomaly ** power)
where p is the calibrated probability of the trees, ``rules`` the combined weight of the rules
that fired and ``anomaly`` the isolation forest's quantile among legitimate history, raised to
a power so that only the far tail counts. With few labelled frauds (a cold start) the rules
and the anomaly score weigh more.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from coffer.risk.features_names import FEATURE_INDEX, FEATURE_NAMES
from coffer.risk.forest import CompiledForest
from coffer.risk.rules import damped_weights, fired_rows, rule_score, rule_scores
from coffer.risk.trees import CompiledTrees, compile_trees

MODEL_VERSION = 1
FAST_FOREST_ROWS = 256  # batches up to this size score through CompiledForest
# CompiledTrees scores a batch when rows x splits stays under this: it costs ~10 us a call
# and ~3 ns a split and row, LightGBM's predict ~20 us a call and little a row (measured on
# the 2-core machine); beyond it, and for most batches of a big model, LightGBM is faster
FAST_TREE_WORK = 4_096
ANOMALY_FEATURES = (
    "log_amount",
    "amount_zscore",
    "amount_ratio_max",
    "balance_drained_share",
    "device_new",
    "counterparty_new",
    "ip_foreign",
    "ip_country_new",
    "card_ip_mismatch",
    "card_new",
    "customer_count_1h",
    "customer_count_24h",
    "customer_recipients_24h",
    "customer_cards_24h",
    "customer_small_1h",
    "device_cards_24h",
    "device_customers_30d",
    "card_customers_30d",
    "account_age_days",
    "log_seconds_since_last_tx",
    "log_seconds_since_new_device_login",
    "counterparty_senders_24h",
    "out_to_in_7d",
    "amount_vs_population",
    "customer_tiny_1h",
    "customer_fresh_cards_1h",
    "counterparty_new_large",
)
ANOMALY_COLUMNS = [FEATURE_INDEX[name] for name in ANOMALY_FEATURES]
REASON_CODES = {
    "device_new": "new_device",
    "log_seconds_since_new_device_login": "recent_new_device_login",
    "device_not_last_login": "device_not_logged_in",
    "counterparty_new": "new_counterparty",
    "ip_foreign": "foreign_ip",
    "ip_country_new": "new_ip_country",
    "card_foreign": "foreign_card",
    "card_ip_mismatch": "card_ip_country_mismatch",
    "card_new": "new_card",
    "balance_drained_share": "balance_drained",
    "balance_after_share": "balance_drained",
    "amount_zscore": "unusual_amount",
    "amount_ratio_max": "unusual_amount",
    "amount_ratio_median": "unusual_amount",
    "account_age_days": "new_account",
    "log_seconds_since_last_tx": "dormant_account",
    "customer_small_1h": "small_amount_probing",
    "card_small_share": "small_amount_probing",
    "device_cards_24h": "many_cards_per_device",
    "customer_cards_24h": "many_cards_per_customer",
    "device_customers_30d": "shared_device",
    "card_customers_30d": "shared_card",
    "kyc_level": "low_kyc",
    "card_age_days": "card_new_to_platform",
    "device_age_days": "device_new_to_platform",
    "counterparty_age_days": "counterparty_new_to_platform",
    "counterparty_account_age_days": "young_counterparty_account",
    "counterparty_senders_24h": "counterparty_paid_by_many",
    "counterparty_senders_30d": "counterparty_paid_by_many",
    "hour_of_day": "unusual_hour",
    "log_amount": "amount_size",
    "customer_recipients_24h": "many_recipients",
    "customer_senders_7d": "many_senders",
    "log_seconds_since_credit": "pass_through",
    "amount_to_last_credit": "pass_through",
    "out_to_in_7d": "pass_through",
    "customer_small_burst": "small_amount_probing",
    "customer_burst_1h": "velocity_burst",
    "customer_out_count_24h": "velocity_out_24h",
    "customer_out_sum_24h": "volume_out_24h",
    "customer_out_sum_7d": "volume_out_7d",
    "customer_in_sum_24h": "volume_in_24h",
    "customer_in_sum_7d": "volume_in_7d",
    "customer_devices_7d": "many_devices",
    "customer_countries_7d": "many_countries",
    "amount_vs_population": "unusual_amount",
    "customer_tiny_1h": "small_amount_probing",
    "customer_tiny_24h": "small_amount_probing",
    "customer_tiny_share_24h": "small_amount_probing",
    "customer_cards_1h": "many_cards_per_customer",
    "customer_card_countries_24h": "many_card_countries",
    "customer_fresh_cards_1h": "many_new_cards",
    "customer_fresh_cards_24h": "many_new_cards",
    "card_fresh": "card_new_to_platform",
    "amount_to_in_24h": "pass_through",
    "counterparty_new_large": "large_amount_new_counterparty",
    "payee_sent_7d_vs_usual_week": "unusual_sum_to_payee",
    "payee_payments_7d": "repeated_payments_to_payee",
    "out_7d_vs_usual_week": "unusual_week_out",
    "new_payee_amount_vs_own": "large_amount_new_counterparty",
    "payee_funds_share_7d": "funds_to_one_payee",
}
# features whose rise never makes a transaction safer: the trees are kept monotone in them
# (a typology never labelled still moves the score the right way)
MONOTONE_FEATURES = (
    "device_new",
    "counterparty_new",
    "card_ip_mismatch",
    "balance_drained_share",
    "customer_tiny_1h",
    "customer_fresh_cards_1h",
    "card_fresh",
    "device_cards_24h",
    "new_payee_out_share_7d",
    "card_merchants_24h",
)


def reason_code(feature: str) -> str:
    code = REASON_CODES.get(feature)
    if code is not None:
        return code
    for prefix, name in (
        ("customer_count_", "velocity_"),
        ("customer_sum_", "volume_"),
        ("card_count_", "card_velocity_"),
        ("device_count_", "device_velocity_"),
        ("counterparty_count_", "counterparty_velocity_"),
    ):
        if feature.startswith(prefix):
            return name + feature[len(prefix) :]
    return feature


@dataclass
class ModelParameters:
    rounds: int = 400
    learning_rate: float = 0.05
    leaves: int = 15  # few, shallow trees: they carry to worlds unlike the training one
    min_leaf: int = 40
    seed: int = 7
    threads: int = 1  # OpenMP threads spin on a shared machine: one is faster there
    validation_share: float = 0.2
    rule_weight: float = 1.0
    anomaly_weight: float = 0.001  # a tie-breaker once labelled frauds exist (docs/risk.md)
    anomaly_power: float = 30.0
    # with fewer labelled frauds than this, the trees know little: rules and anomaly lead
    cold_start_frauds: int = 30
    cold_start_rule_weight: float = 1.0  # the rules weigh the same; only the anomaly rises
    cold_start_anomaly_weight: float = 0.5
    # a rule firing on more than this share of the legitimate transactions of the later
    # half of the history (more than the whole 1% false-positive budget, with a margin)
    # weighs proportionally less (rule_weights, set by train_model)
    rule_budget: float = 0.015
    rule_weights: tuple[tuple[str, float], ...] = ()


@dataclass
class FraudModel:
    booster: Any
    calibration: tuple[float, float]
    forest: Any
    anomaly_reference: np.ndarray
    parameters: ModelParameters
    metrics: dict[str, Any] = field(default_factory=dict)
    _compiled: CompiledForest | None = field(default=None, repr=False, compare=False)
    # False: the trees cannot be compiled (LightGBM's predict scores every batch)
    _trees: CompiledTrees | bool | None = field(default=None, repr=False, compare=False)
    _quantiles: np.ndarray | None = field(default=None, repr=False, compare=False)

    # -- scoring -------------------------------------------------------------------------

    def margin(self, matrix: np.ndarray) -> np.ndarray:
        """The trees' raw score (compiled for a few rows of a small enough model: the same
        numbers, less overhead; see :mod:`coffer.risk.trees`)."""
        if self._trees is None:  # once (a few ms for a big model)
            self._trees = compile_trees(self.booster) or False
        trees = self._trees
        if isinstance(trees, CompiledTrees) and len(matrix) * trees.splits <= FAST_TREE_WORK:
            return trees.raw_score(matrix)
        return np.asarray(self.booster.predict(matrix, raw_score=True, num_threads=1))

    def probability(self, matrix: np.ndarray) -> np.ndarray:
        margin = self.margin(matrix)
        slope, intercept = self.calibration
        return np.asarray(1.0 / (1.0 + np.exp(-(slope * margin + intercept))), dtype=float)

    def anomaly(self, matrix: np.ndarray) -> np.ndarray:
        columns = ANOMALY_COLUMNS
        if len(matrix) <= FAST_FOREST_ROWS:  # the online path: same scores, far less overhead
            if self._compiled is None:
                self._compiled = CompiledForest(self.forest)
            raw = -self._compiled.score_samples(matrix[:, columns])
        else:
            raw = -self.forest.score_samples(matrix[:, columns])
        reference = self.anomaly_reference
        if self._quantiles is None:
            self._quantiles = np.linspace(0.0, 1.0, len(reference))
        quantile = np.interp(raw, reference, self._quantiles)
        return np.asarray(quantile, dtype=float)

    def score(
        self, matrix: np.ndarray, probability: np.ndarray | None = None
    ) -> list[tuple[float, float, float, list[str]]]:
        """Per row of ``matrix`` (float64): (score, probability, anomaly quantile, fired rule
        names); ``probability``: the rows' :meth:`probability`, when already known."""
        if len(matrix) == 0:
            return []
        if probability is None:
            probability = self.probability(matrix)
        probabilities = probability.tolist()
        anomaly = self.anomaly(matrix).tolist()
        parameters = self.parameters
        weights = dict(parameters.rule_weights) or None
        out = []
        for rules, p, quantile in zip(fired_rows(matrix), probabilities, anomaly, strict=True):
            boost = parameters.anomaly_weight * float(quantile) ** parameters.anomaly_power
            ruled = parameters.rule_weight * rule_score(rules, weights)
            score = 1.0 - (1.0 - float(p)) * (1.0 - ruled) * (1.0 - boost)
            out.append((score, float(p), float(quantile), [rule.name for rule in rules]))
        return out

    def score_ceiling(
        self, matrix: np.ndarray, probability: np.ndarray | None = None
    ) -> np.ndarray:
        """Per row, a bound :meth:`score` never exceeds, without the isolation forest: the
        anomaly term at its largest (``anomaly_weight``), the same operations otherwise,
        each monotone. The online check lets a row under the block threshold here be
        scored later, with others (:meth:`coffer.risk.online.state.OnlineEngine.decide`),
        its ``probability`` (the rows' :meth:`probability`, computed when not given) kept
        for then."""
        if len(matrix) == 0:
            return np.zeros(0, dtype=np.float64)
        parameters = self.parameters
        rules = rule_scores(matrix, dict(parameters.rule_weights) or None)
        most = 1.0 - parameters.anomaly_weight
        if probability is None:
            probability = self.probability(matrix)
        kept = (1.0 - probability) * (1.0 - parameters.rule_weight * rules) * most
        return np.asarray(1.0 - kept, dtype=np.float64)

    def reasons(self, matrix: np.ndarray, top: int = 3) -> list[list[str]]:
        """Per row, the reason codes of the features that raised its score most (SHAP values
        of the trees; a few milliseconds a row, so callers pass the rows worth explaining)."""
        if len(matrix) == 0:
            return []
        contributions = self.booster.predict(matrix, pred_contrib=True, num_threads=1)
        out: list[list[str]] = []
        for row in contributions:
            order = np.argsort(-row[:-1], kind="stable")[: top * 2]
            codes: list[str] = []
            for index in order:
                if row[index] <= 0 or len(codes) >= top:
                    break
                code = reason_code(FEATURE_NAMES[index])
                if code not in codes:
                    codes.append(code)
            out.append(codes)
        return out

    # -- storage -------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        import joblib

        self.booster.save_model(str(folder / "model.txt"))
        joblib.dump(
            {
                "calibration": self.calibration,
                "forest": self.forest,
                "anomaly_reference": self.anomaly_reference,
                "parameters": self.parameters,
            },
            folder / "anomaly.joblib",
        )

    @classmethod
    def load(cls, folder: Path) -> FraudModel:
        import joblib
        import lightgbm

        booster = lightgbm.Booster(model_file=str(folder / "model.txt"))
        extra = joblib.load(folder / "anomaly.joblib")
        metadata = json.loads((folder / "metadata.json").read_text())
        return cls(
            booster,
            tuple(extra["calibration"]),
            extra["forest"],
            extra["anomaly_reference"],
            extra["parameters"],
            metadata.get("metrics", {}),
        )


# -- metrics ---------------------------------------------------------------------------------


def recall_at_fpr(labels: np.ndarray, scores: np.ndarray, fpr: float = 0.01) -> tuple[float, float]:
    """(recall, threshold): frauds scored strictly above the threshold that lets at most
    ``fpr`` of the legitimate transactions through."""
    legit = np.sort(scores[labels == 0])[::-1]
    fraud = scores[labels == 1]
    if len(legit) == 0 or len(fraud) == 0:
        return 0.0, 1.0
    allowed = math.floor(fpr * len(legit))
    threshold = float(legit[min(allowed, len(legit) - 1)])
    return float(np.mean(fraud > threshold)), threshold


def pr_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import average_precision_score

    if labels.sum() == 0:
        return 0.0
    return float(average_precision_score(labels, scores))


# -- training --------------------------------------------------------------------------------


def _fit_booster(
    matrix: np.ndarray,
    labels: np.ndarray,
    parameters: ModelParameters,
    rounds: int,
    valid: tuple[np.ndarray, np.ndarray] | None = None,
) -> Any:
    import lightgbm

    positives = max(float(labels.sum()), 1.0)
    params = {
        "objective": "binary",
        "learning_rate": parameters.learning_rate,
        "num_leaves": parameters.leaves,
        "min_data_in_leaf": parameters.min_leaf,
        "feature_fraction": 0.7,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 5.0,
        "min_sum_hessian_in_leaf": 1.0,
        "monotone_constraints": [1 if name in MONOTONE_FEATURES else 0 for name in FEATURE_NAMES],
        "scale_pos_weight": min(10.0, (len(labels) - positives) / positives / 10),
        "seed": parameters.seed,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": parameters.threads,
        "verbosity": -1,
        "metric": "average_precision",
    }
    train_set = lightgbm.Dataset(matrix, labels, feature_name=list(FEATURE_NAMES))
    callbacks: list[Any] = []
    valid_sets = []
    if valid is not None:
        valid_sets = [lightgbm.Dataset(valid[0], valid[1], reference=train_set)]
        callbacks.append(lightgbm.early_stopping(60, verbose=False))
    return lightgbm.train(
        params, train_set, num_boost_round=rounds, valid_sets=valid_sets, callbacks=callbacks
    )


def _platt(margin: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    if labels.sum() == 0 or labels.sum() == len(labels):
        return 1.0, 0.0
    regression = LogisticRegression(C=100.0)
    regression.fit(margin.reshape(-1, 1), labels)
    slope = float(regression.coef_[0][0])
    return (slope if slope > 0 else 1.0), float(regression.intercept_[0])


def train_model(
    matrix: np.ndarray, labels: np.ndarray, parameters: ModelParameters | None = None
) -> FraudModel:
    """Fit on the first part in time, measure on the last part, then refit on everything."""
    from sklearn.ensemble import IsolationForest

    parameters = replace(parameters or ModelParameters())
    if int(labels.sum()) < parameters.cold_start_frauds:
        parameters.rule_weight = parameters.cold_start_rule_weight
        parameters.anomaly_weight = parameters.cold_start_anomaly_weight
    count = len(labels)
    cut = int(count * (1.0 - parameters.validation_share))
    has_split = labels[:cut].sum() > 0 and labels[cut:].sum() > 0
    metrics: dict[str, Any] = {"transactions": count, "frauds": int(labels.sum())}
    rounds = parameters.rounds
    calibration = (1.0, 0.0)
    if has_split:
        first = _fit_booster(
            matrix[:cut], labels[:cut], parameters, rounds, (matrix[cut:], labels[cut:])
        )
        rounds = max(first.best_iteration or rounds, 20)
        margin = first.predict(matrix[cut:], raw_score=True, num_iteration=rounds)
        calibration = _platt(margin, labels[cut:])
        scores = 1.0 / (1.0 + np.exp(-(calibration[0] * margin + calibration[1])))
        recall, threshold = recall_at_fpr(labels[cut:], scores)
        metrics["validation"] = {
            "transactions": count - cut,
            "frauds": int(labels[cut:].sum()),
            "recall_at_1pct_fpr": recall,
            "threshold_at_1pct_fpr": threshold,
            "pr_auc": pr_auc(labels[cut:], scores),
        }
    metrics["rounds"] = rounds
    later = np.arange(count) >= count // 2  # past the history's start, when all is new
    damped = damped_weights(matrix[later & (labels == 0)], parameters.rule_budget)
    parameters.rule_weights = tuple(sorted(damped.items()))
    metrics["damped_rules"] = {name: round(weight, 4) for name, weight in damped.items()}
    booster = _fit_booster(matrix, labels, parameters, rounds)
    columns = ANOMALY_COLUMNS
    legit = matrix[labels == 0][:, columns]
    forest = IsolationForest(n_estimators=100, random_state=parameters.seed, n_jobs=1)
    forest.fit(legit)
    step = max(1, len(legit) // 20_000)
    reference = np.sort(-forest.score_samples(legit[::step]))
    return FraudModel(booster, calibration, forest, reference, parameters, metrics)
