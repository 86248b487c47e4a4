"""The API shape of the online risk rows: decisions, rules, list entries, cases, notes and
screening hits as the endpoints, events and CLI return them, plus the paging limit."""

from __future__ import annotations

import json
import math
import time
from typing import Any

from coffer.risk.online import repository as R
from coffer.risk.online import rules as RL

MAX_PAGE = 200

_PUBLIC_DECISION_FIELDS = (
    "id",
    "platform_id",
    "movement_type",
    "movement_id",
    "customer_id",
    "amount",
    "currency",
    "outcome",
    "model_version",
    "review_status",
)


def _limit(limit: int) -> int:
    return max(1, min(int(limit), MAX_PAGE))


_last_iso: tuple[int, str] = (-1, "")  # (second, its text): a decision's second is the last one's


def _iso(micros: int) -> str:
    global _last_iso
    second = math.floor(micros / 1_000_000)  # what gmtime takes of the float
    known = _last_iso
    if known[0] == second:
        return known[1]
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)) + "Z"
    _last_iso = (second, text)
    return text


def decision_model(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "risk_decision",
        "id": row["id"],
        "platform_id": row["platform_id"],
        "movement_type": row["movement_type"],
        "movement_id": row["movement_id"],
        "customer_id": row["customer_id"],
        "amount": int(row["amount"]),
        "currency": row["currency"],
        "outcome": row["outcome"],
        "score": round(float(row["score"]), 6),
        "reasons": json.loads(row["reasons"]),
        "rules": json.loads(row["rules"]),
        "model_version": row["model_version"],
        "review_status": row["review_status"],
        "created_at": _iso(row["created_at"]),
    }


def rule_model(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "risk_rule",
        "id": row["id"],
        "name": row["name"],
        "version": row["version"],
        "expression": row["expression"],
        "action": row["action"],
        "mode": row["mode"],
        "enabled": bool(row["enabled"]),
        "description": row["description"],
        "created_by": row["created_by"],
        "created_at": _iso(row["created_at"]),
    }


def list_entry_model(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "risk_list_entry",
        "id": row["id"],
        "list": row["list"],
        "kind": row["kind"],
        "value": row["value"],
        "hashed": row["kind"] in RL.HASHED_KINDS,
        "reason": row["reason"],
        "created_by": row["created_by"],
        "created_at": _iso(row["created_at"]),
    }


def case_model(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "risk_case",
        "id": row["id"],
        "platform_id": row["platform_id"],
        "kind": row["kind"],
        "status": row["status"],
        "title": row["title"],
        "typology": row["typology"],
        "customer_ids": json.loads(row["customer_ids"]),
        "transaction_ids": json.loads(row["transaction_ids"]),
        "decision_id": row["decision_id"],
        "movement_type": row["movement_type"],
        "movement_id": row["movement_id"],
        "assignee": row["assignee"],
        "due_at": _iso(row["due_at"]),
        "overdue": row["status"] != "closed" and row["due_at"] <= R.now_micros(),
        "decision": row["decision"],
        "decision_reason": row["decision_reason"],
        "decided_by": row["decided_by"],
        "narrative": row["narrative"],
        "created_at": _iso(row["created_at"]),
    }


def note_model(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "kind": row["kind"],
        "author": row["author"],
        "body": row["body"],
        "reference": row["reference"],
        "created_at": _iso(row["created_at"]),
    }


def hit_model(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "risk_screening_hit",
        "id": row["id"],
        "subject_type": row["subject_type"],
        "subject_id": row["subject_id"],
        "name": row["name"],
        "list": row["list"],
        "entry_id": row["entry_id"],
        "entry_name": row["entry_name"],
        "score": round(float(row["score"]), 4),
        "status": row["status"],
        "case_id": row["case_id"],
        "created_at": _iso(row["created_at"]),
    }
