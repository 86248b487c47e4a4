"""``coffer risk evaluate``: decisions and alerts of a backtest against the truth.

Fraud: recall at 1% false-positive rate (a fraud counts when its score is strictly above the
threshold), PR-AUC, recall per fraud typology (held-out ones marked). AML: a pattern is found
when an alert shares a transaction or a customer with it; alerts naming more than 50
customers or 1,000 transactions find nothing; identical alerts count once; precision is the
share of distinct valid alerts that touch some pattern.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from coffer.errors import RiskInputInvalid
from coffer.risk.model import pr_auc, recall_at_fpr


def _lines(path: str | Path) -> list[dict[str, Any]]:
    out = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError as error:
                raise RiskInputInvalid(f"{path} line {number}: {error}", line=number) from None
            if not isinstance(data, dict):
                raise RiskInputInvalid(f"{path} line {number}: not a JSON object", line=number)
            out.append(data)
    return out


def evaluate(decisions_path: str | Path, truth_path: str | Path) -> dict[str, Any]:
    decisions = _lines(decisions_path)
    truth = _lines(truth_path)
    held_out: list[str] = []
    labels: dict[str, tuple[int, str | None]] = {}
    patterns: list[dict[str, Any]] = []
    for item in truth:
        kind = item.get("type")
        if kind == "meta":
            held_out = list(item.get("held_out_typologies", []))
        elif kind == "pattern":
            patterns.append(item)
        elif kind == "transaction":
            labels[item["id"]] = (1 if item.get("label") == "fraud" else 0, item.get("typology"))
    scores: dict[str, float] = {}
    alerts: set[tuple[str, tuple[str, ...], tuple[str, ...]]] = set()
    for item in decisions:
        if item.get("type") == "alert":
            alerts.add(
                (
                    str(item.get("typology")),
                    tuple(sorted(item.get("customer_ids", []))),
                    tuple(sorted(item.get("transaction_ids", []))),
                )
            )
        elif "id" in item:
            scores[str(item["id"])] = float(item["score"])
    report: dict[str, Any] = {"fraud": _fraud(labels, scores, held_out)}
    report["aml"] = _aml(patterns, alerts)
    return report


def _fraud(
    labels: dict[str, tuple[int, str | None]], scores: dict[str, float], held_out: list[str]
) -> dict[str, Any]:
    ids = [tx for tx in labels if tx in scores]
    y = np.asarray([labels[tx][0] for tx in ids])
    s = np.asarray([scores[tx] for tx in ids])
    recall, threshold = recall_at_fpr(y, s)
    per_typology: dict[str, dict[str, Any]] = {}
    grouped: dict[str, list[float]] = defaultdict(list)
    for tx in ids:
        label, typology = labels[tx]
        if label:
            grouped[typology or "unknown"].append(scores[tx])
    for typology, values in sorted(grouped.items()):
        per_typology[typology] = {
            "frauds": len(values),
            "recall_at_1pct_fpr": float(np.mean(np.asarray(values) > threshold)),
            "held_out": typology in held_out,
        }
    held = [v for t, vs in grouped.items() if t in held_out for v in vs]
    return {
        "transactions": len(ids),
        "frauds": int(y.sum()) if len(y) else 0,
        "missing_decisions": len(labels) - len(ids),
        "recall_at_1pct_fpr": recall,
        "threshold_at_1pct_fpr": threshold,
        "pr_auc": pr_auc(y, s) if len(y) else 0.0,
        "held_out_recall_at_1pct_fpr": float(np.mean(np.asarray(held) > threshold))
        if held
        else None,
        "per_typology": per_typology,
    }


def _aml(
    patterns: list[dict[str, Any]], alerts: set[tuple[str, tuple[str, ...], tuple[str, ...]]]
) -> dict[str, Any]:
    valid = [a for a in alerts if len(a[1]) <= 50 and len(a[2]) <= 1000]
    by_tx: dict[str, set[int]] = defaultdict(set)
    by_customer: dict[str, set[int]] = defaultdict(set)
    for index, pattern in enumerate(patterns):
        for tx in pattern.get("transaction_ids", []):
            by_tx[tx].add(index)
        for customer in pattern.get("customer_ids", []):
            by_customer[customer].add(index)
    found: set[int] = set()
    found_same: set[int] = set()
    true_alerts = 0
    alerts_per_typology: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for typology, customers, transactions in valid:
        touched: set[int] = set()
        for tx in transactions:
            touched |= by_tx.get(tx, set())
        for customer in customers:
            touched |= by_customer.get(customer, set())
        found |= touched
        found_same |= {i for i in touched if patterns[i]["typology"] == typology}
        alerts_per_typology[typology][0] += 1
        if touched:
            true_alerts += 1
            alerts_per_typology[typology][1] += 1
    per_typology: dict[str, dict[str, Any]] = {}
    for index, pattern in enumerate(patterns):
        entry = per_typology.setdefault(
            pattern["typology"], {"patterns": 0, "found": 0, "found_same_typology": 0}
        )
        entry["patterns"] += 1
        entry["found"] += index in found
        entry["found_same_typology"] += index in found_same
    for typology, (count, true) in alerts_per_typology.items():
        entry = per_typology.setdefault(
            typology, {"patterns": 0, "found": 0, "found_same_typology": 0}
        )
        entry["alerts"] = count
        entry["precision"] = true / count if count else None
    for entry in per_typology.values():
        entry["recall"] = entry["found"] / entry["patterns"] if entry["patterns"] else None
    return {
        "patterns": len(patterns),
        "alerts": len(valid),
        "oversized_alerts": len(alerts) - len(valid),
        "recall": len(found) / len(patterns) if patterns else None,
        "precision": true_alerts / len(valid) if valid else None,
        "per_typology": dict(sorted(per_typology.items())),
    }
