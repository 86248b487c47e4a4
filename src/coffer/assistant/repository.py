"""All SQL of the assistant domain (SQLAlchemy Core). Every query filters by customer."""

from __future__ import annotations

import dataclasses
import json
import secrets
import time
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from coffer.assistant import tables as T
from coffer.assistant.imports import ParsedLine
from coffer.assistant.models import Budget, Goal, Txn
from coffer.wallets.repository import stamped


def now_micros() -> int:
    return time.time_ns() // 1000


def new_id(prefix: str) -> str:
    return f"{prefix}_{time.time_ns() // 1_000_000:012x}{secrets.token_hex(6)}"


def _columns(item: Any, table: sa.Table) -> dict[str, Any]:
    """The fields of the dataclass ``item`` that are columns of ``table`` (a date as its
    ISO ``YYYY-MM-DD`` string)."""
    values = {}
    for field in dataclasses.fields(item):
        if field.name in table.c:
            value = getattr(item, field.name)
            values[field.name] = value.isoformat() if isinstance(value, date) else value
    return values


def _insert(connection: sa.Connection, table: sa.Table, **values: Any) -> None:
    """Insert a new row of ``table``: ``values``, the connection's platform and now as
    ``created_at``."""
    row = stamped(connection, {**values, "created_at": now_micros()})
    connection.execute(sa.insert(table).values(**row))


# -- corrections -------------------------------------------------------------------------


def corrections(
    connection: sa.Connection, customer_id: str
) -> dict[str, tuple[str, str | None, str | None]]:
    c = T.corrections.c
    rows = connection.execute(
        sa.select(c.transaction_id, c.primary_category, c.detailed_category, c.merchant).where(
            c.customer_id == customer_id
        )
    )
    return {r.transaction_id: (r.primary_category, r.detailed_category, r.merchant) for r in rows}


def put_correction(
    connection: sa.Connection,
    customer_id: str,
    transaction_id: str,
    primary: str,
    detailed: str | None,
    merchant: str | None,
) -> None:
    c = T.corrections.c
    connection.execute(
        sa.delete(T.corrections).where(
            c.customer_id == customer_id, c.transaction_id == transaction_id
        )
    )
    _insert(
        connection,
        T.corrections,
        id=new_id("cor"),
        customer_id=customer_id,
        transaction_id=transaction_id,
        primary_category=primary,
        detailed_category=detailed,
        merchant=merchant,
    )


# -- budgets -----------------------------------------------------------------------------


def budgets(connection: sa.Connection, customer_id: str) -> list[Budget]:
    c = T.budgets.c
    rows = connection.execute(
        sa.select(T.budgets).where(c.customer_id == customer_id).order_by(c.category)
    ).mappings()
    return [
        Budget(
            r["id"],
            r["category"],
            int(r["amount"]),
            r["currency"],
            bool(r["rollover"]),
            date.fromisoformat(r["start_month"]),
        )
        for r in rows
    ]


def put_budget(connection: sa.Connection, customer_id: str, budget: Budget) -> None:
    c = T.budgets.c
    connection.execute(
        sa.delete(T.budgets).where(c.customer_id == customer_id, c.category == budget.category)
    )
    assert budget.start_month is not None
    _insert(connection, T.budgets, customer_id=customer_id, **_columns(budget, T.budgets))


def delete_budget(connection: sa.Connection, customer_id: str, budget_id: str) -> bool:
    c = T.budgets.c
    result = connection.execute(
        sa.delete(T.budgets).where(c.customer_id == customer_id, c.id == budget_id)
    )
    return result.rowcount > 0


# -- goals -------------------------------------------------------------------------------


def goals(connection: sa.Connection, customer_id: str) -> list[Goal]:
    g = T.goals.c
    rows = list(
        connection.execute(
            sa.select(T.goals).where(g.customer_id == customer_id).order_by(g.id)
        ).mappings()
    )
    if not rows:
        return []
    k = T.goal_contributions.c
    contributions: dict[str, list[tuple[date, int]]] = {}
    for r in connection.execute(
        sa.select(k.goal_id, k.day, k.amount)
        .where(k.goal_id.in_([row["id"] for row in rows]))
        .order_by(k.day, k.id)
    ):
        contributions.setdefault(r.goal_id, []).append((date.fromisoformat(r.day), int(r.amount)))
    return [
        Goal(
            id=r["id"],
            name=r["name"],
            target_amount=int(r["target_amount"]),
            currency=r["currency"],
            target_date=date.fromisoformat(r["target_date"]) if r["target_date"] else None,
            saved_amount=int(r["saved_amount"]),
            created_on=None,
            contributions=tuple(contributions.get(r["id"], ())),
        )
        for r in rows
    ]


def insert_goal(connection: sa.Connection, customer_id: str, goal: Goal) -> None:
    _insert(connection, T.goals, customer_id=customer_id, **_columns(goal, T.goals))


def goal_customer(connection: sa.Connection, goal_id: str) -> str | None:
    g = T.goals.c
    return connection.execute(sa.select(g.customer_id).where(g.id == goal_id)).scalar()


def add_contribution(connection: sa.Connection, goal_id: str, day: date, amount: int) -> None:
    _insert(
        connection,
        T.goal_contributions,
        id=new_id("gco"),
        goal_id=goal_id,
        day=day.isoformat(),
        amount=amount,
    )


# -- alerts ------------------------------------------------------------------------------


def mark_alert_sent(
    connection: sa.Connection,
    customer_id: str,
    alert_key: str,
    kind: str | None = None,
    body: Mapping[str, Any] | None = None,
) -> bool:
    """Record an alert as published (with its kind and event body); False when it
    already was."""
    a = T.alerts_sent.c
    seen = connection.execute(
        sa.select(a.alert_key).where(a.customer_id == customer_id, a.alert_key == alert_key)
    ).first()
    if seen is not None:
        return False
    _insert(
        connection,
        T.alerts_sent,
        customer_id=customer_id,
        alert_key=alert_key,
        kind=kind,
        body=json.dumps(body) if body is not None else None,
    )
    return True


# -- imported accounts -------------------------------------------------------------------


def external_account(
    connection: sa.Connection, customer_id: str, name: str, currency: str
) -> dict[str, Any]:
    a = T.external_accounts.c
    row = (
        connection.execute(
            sa.select(T.external_accounts).where(a.customer_id == customer_id, a.name == name)
        )
        .mappings()
        .first()
    )
    if row is not None:
        return dict(row)
    values = {
        "id": new_id("ext"),
        "customer_id": customer_id,
        "name": name,
        "currency": currency,
        "balance": None,
        "created_at": now_micros(),
    }
    connection.execute(sa.insert(T.external_accounts).values(**stamped(connection, values)))
    return values


def set_external_balance(connection: sa.Connection, account_id: str, balance: int) -> None:
    a = T.external_accounts.c
    connection.execute(
        sa.update(T.external_accounts).where(a.id == account_id).values(balance=balance)
    )


def external_accounts(connection: sa.Connection, customer_id: str) -> list[dict[str, Any]]:
    a = T.external_accounts.c
    return [
        dict(r)
        for r in connection.execute(
            sa.select(T.external_accounts).where(a.customer_id == customer_id).order_by(a.id)
        ).mappings()
    ]


def insert_external_lines(
    connection: sa.Connection,
    customer_id: str,
    account_id: str,
    lines: Sequence[ParsedLine],
    keys: Sequence[str],
) -> int:
    """Insert the lines whose key is new for the account; returns how many were new."""
    x = T.external_transactions.c
    existing = set(
        connection.execute(
            sa.select(x.dedup_key).where(x.account_id == account_id, x.dedup_key.in_(list(keys)))
        ).scalars()
    ) if keys else set()  # fmt: skip
    now = now_micros()
    rows = []
    for line, key in zip(lines, keys, strict=True):
        if key in existing:
            continue
        existing.add(key)
        rows.append({
            "id": new_id("xtx"), "customer_id": customer_id, "account_id": account_id,
            "day": line.day.isoformat(), "amount": line.amount, "currency": line.currency,
            "description": line.description, "counterparty": line.counterparty,
            "dedup_key": key, "created_at": now,
        })  # fmt: skip
    if rows:
        connection.execute(
            sa.insert(T.external_transactions), [stamped(connection, row) for row in rows]
        )
    return len(rows)


def external_fingerprint(connection: sa.Connection, customer_id: str) -> tuple[int, int]:
    """(count, last insertion time) of the customer's imported lines: imports only append,
    so an unchanged fingerprint means unchanged lines."""
    x = T.external_transactions.c
    row = connection.execute(
        sa.select(sa.func.count(), sa.func.max(x.created_at)).where(x.customer_id == customer_id)
    ).one()
    return int(row[0]), int(row[1] or 0)


def external_transactions(connection: sa.Connection, customer_id: str) -> list[Txn]:
    x = T.external_transactions.c
    rows = connection.execute(
        sa.select(x.id, x.account_id, x.day, x.amount, x.currency, x.description, x.counterparty)
        .where(x.customer_id == customer_id)
        .order_by(x.day, x.id)
    )
    return [
        Txn(
            id=r.id,
            date=date.fromisoformat(r.day),
            amount=int(r.amount),
            currency=r.currency,
            description=r.description,
            merchant=None,
            account=r.account_id,
            source="import",
            counterparty=r.counterparty,
        )
        for r in rows
    ]


# -- rules -------------------------------------------------------------------------------


def _rule_row(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "stage": row.stage,
        "match_all": bool(row.match_all),
        "position": int(row.position),
        "conditions": json.loads(row.conditions),
        "actions": json.loads(row.actions),
        "created_at": int(row.created_at),
        "updated_at": int(row.updated_at or row.created_at),
    }


def rules(connection: sa.Connection, customer_id: str) -> list[dict[str, Any]]:
    """The customer's rules in the order they run: by stage, then position, then age."""
    r = T.rules.c
    rows = connection.execute(
        sa.select(T.rules)
        .where(r.customer_id == customer_id)
        .order_by(r.position, r.created_at, r.id)
    )
    order = {"pre": 0, "default": 1, "post": 2}
    found = [_rule_row(row) for row in rows]
    found.sort(key=lambda rule: order.get(rule["stage"], 3))
    return found


def rule(connection: sa.Connection, customer_id: str, rule_id: str) -> dict[str, Any] | None:
    r = T.rules.c
    row = connection.execute(
        sa.select(T.rules).where(r.customer_id == customer_id, r.id == rule_id)
    ).first()
    return _rule_row(row) if row is not None else None


def put_rule(connection: sa.Connection, customer_id: str, values: dict[str, Any]) -> None:
    """Insert the rule ``values`` (with ``id``), or replace the customer's rule of that id."""
    r = T.rules.c
    row = {
        "name": values["name"],
        "stage": values["stage"],
        "match_all": values["match_all"],
        "position": values["position"],
        "conditions": json.dumps(values["conditions"], separators=(",", ":")),
        "actions": json.dumps(values["actions"], separators=(",", ":")),
    }
    updated = connection.execute(
        sa.update(T.rules)
        .where(r.customer_id == customer_id, r.id == values["id"])
        .values(**row, updated_at=now_micros())
    )
    if updated.rowcount:
        return
    _insert(
        connection,
        T.rules,
        id=values["id"],
        customer_id=customer_id,
        **row,
    )


def delete_rule(connection: sa.Connection, customer_id: str, rule_id: str) -> bool:
    r = T.rules.c
    result = connection.execute(
        sa.delete(T.rules).where(r.customer_id == customer_id, r.id == rule_id)
    )
    return bool(result.rowcount)


def delete_correction(connection: sa.Connection, customer_id: str, transaction_id: str) -> bool:
    c = T.corrections.c
    result = connection.execute(
        sa.delete(T.corrections).where(
            c.customer_id == customer_id, c.transaction_id == transaction_id
        )
    )
    return bool(result.rowcount)


def sent_alerts(connection: sa.Connection, customer_id: str, limit: int) -> list[dict[str, Any]]:
    """The customer's published alerts (their event bodies), newest first."""
    a = T.alerts_sent.c
    rows = connection.execute(
        sa.select(a.body, a.created_at)
        .where(a.customer_id == customer_id, a.body.is_not(None))
        .order_by(a.created_at.desc())
        .limit(limit)
    )
    return [{**json.loads(body), "published_at": created} for body, created in rows]
