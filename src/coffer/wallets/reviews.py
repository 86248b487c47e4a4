"""Movements held for review by a check (see :mod:`coffer.wallets.checks`).

A movement a check put in review is a ledger hold with status ``in_review``; its row of
``wallet_reviews`` keeps the hold and the check that asked. :meth:`Reviews.resolve_review`
ends it: approve posts the hold (a transfer or pay-in then ``succeeded``; a payment becomes
``authorized``, its hold kept for the capture; a payout ``created``, its hold kept for the
bank export), decline voids it
(the movement ``failed`` with ``risk_declined``; a pay-in ``canceled``, whose money the
platform returns to the payer through the gateway). Resolving twice is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from coffer.errors import InvalidState, ResourceNotFound, RiskBlocked
from coffer.ledger import Transaction
from coffer.wallets import repository as R
from coffer.wallets import tables as T
from coffer.wallets.checks import ALLOWED, Assessment, Movement, within_unit
from coffer.wallets.common import Row
from coffer.wallets.core import WalletsCore, movement
from coffer.wallets.models import payment_model, transfer_model

DECLINED_CODE = "risk_declined"
_TABLES: dict[str, sa.Table] = {
    "transfer": T.transfers,
    "payment": T.payments,
    "payout": T.payouts,
    "payin_card": T.payins,
    "payin_bank": T.payins,
}


def review_values(
    *, platform_id: str, movement_type: str, movement_id: str, check: str, decision_id: str | None
) -> dict[str, Any]:
    """The ``wallet_reviews`` row of a movement put in review (its hold comes later)."""
    now = R.now_micros()
    return {
        "id": R.new_id("rv"),
        "platform_id": platform_id,
        "movement_type": movement_type,
        "movement_id": movement_id,
        "check_name": check,
        "decision_id": decision_id,
        "status": "open",
        "hold_id": None,
        "created_at": now,
        "updated_at": now,
    }


def review_of(connection: sa.Connection, movement_type: str, movement_id: str) -> Row | None:
    return R.review_row(connection, movement_type, movement_id)


class Reviews:
    """Ends the reviews checks asked for."""

    def __init__(self, core: WalletsCore, models: Mapping[str, Any]) -> None:
        self.core = core
        # movement type -> function(row) -> the API model its events carry
        self._models = {"transfer": transfer_model, "payment": payment_model, **models}

    def review(self, movement_type: str, movement_id: str) -> Row:
        with self.core.unit() as connection:
            row = R.review_row(connection, movement_type, movement_id)
        if row is None:
            raise ResourceNotFound(f"{movement_type} {movement_id!r} is not in review")
        return row

    def resolve_review(self, movement_type: str, movement_id: str, *, approve: bool) -> str:
        """Approve (post the hold) or decline (void it) a movement in review; returns the
        movement's new status."""
        core = self.core
        review = self.review(movement_type, movement_id)
        if review["status"] != "open":
            raise InvalidState(
                f"the review of {movement_type} {movement_id} is already {review['status']}",
                status=review["status"],
            )
        if review["hold_id"] is None:
            raise InvalidState(
                f"{movement_type} {movement_id} has no hold yet; retry in a moment",
                status="open",
            )
        table = _TABLES[movement_type]
        hold_id = int(review["hold_id"])
        kind = "payin" if movement_type.startswith("payin") else movement_type
        values: dict[str, Any]
        if approve:
            if movement_type == "payout":  # the payout's own hold goes on to the bank
                values = {"status": "created"}
            elif movement_type == "payment":  # its authorization hold, captured later
                values = {"status": "authorized"}
            else:
                tx: Transaction = core.post_hold(hold_id, **movement(kind, movement_id, "review"))
                values = {"status": "succeeded", "ledger_tx_id": tx.id}
        else:
            core.ledger.void_pending(hold_id, idempotency_key=f"wallets:{kind}:{movement_id}:void")
            if kind == "payin":
                values = {"status": "canceled", "cancellation_reason": DECLINED_CODE}
            else:
                values = {"status": "failed", "failure_code": DECLINED_CODE}
        event_name = {
            "authorized": "payment.authorized",
            "created": "payout.created",
            "canceled": "payin.canceled",
        }.get(values["status"], f"{kind}.{values['status']}")
        with core.unit() as connection:
            changed = R.update(connection, table, movement_id, values, expect_status=["in_review"])
            R.update(
                connection,
                T.reviews,
                review["id"],
                {"status": "approved" if approve else "declined"},
                expect_status=["open"],
            )
            fresh = R.get(connection, table, movement_id)
            assert fresh is not None
            if changed:
                core.event(connection, event_name, self._model(movement_type, fresh))
        return str(fresh["status"])

    def _model(self, movement_type: str, row: Row) -> BaseModel:
        key = "payin" if movement_type.startswith("payin") else movement_type
        model: BaseModel = self._models[key](row)
        return model


def check_writes(
    assessment: Assessment, *, platform_id: str, movement_type: str, movement_id: str
) -> list[tuple[sa.Table, Mapping[str, Any]]]:
    """What a movement's unit writes for its assessment: the checks' rows, their events in
    the outbox and, in review, the ``wallet_reviews`` row (its hold set once placed)."""
    writes = list(assessment.writes)
    writes.extend((T.events, R.event_values(t, d)) for t, d in assessment.events)
    if assessment.outcome == "review":
        deciding = assessment.deciding
        writes.append(
            (
                T.reviews,
                review_values(
                    platform_id=platform_id,
                    movement_type=movement_type,
                    movement_id=movement_id,
                    check=deciding.check if deciding else "",
                    decision_id=deciding.decision_id if deciding else None,
                ),
            )
        )
    return writes


def assess_one(
    core: WalletsCore, movement: Movement, connection: sa.Connection | None = None
) -> Assessment:
    """The checks' assessment of one movement (allowed at no cost when none is registered).

    With ``connection`` (the movement's own write transaction) the checks write there (see
    :func:`coffer.wallets.checks.within_unit`); a blocked movement's reservations are
    released at once."""
    if not core.checks.active:
        return ALLOWED
    if connection is None:
        assessment = core.checks.assess([movement])[0]
    else:
        with within_unit(connection):
            assessment = core.checks.assess([movement])[0]
    if assessment.outcome == "block":
        assessment.release(connection)
    return assessment


def grouped(
    writes: Sequence[tuple[sa.Table, Mapping[str, Any]]],
) -> list[tuple[sa.Table, list[Mapping[str, Any]]]]:
    """Rows by table and column set, for :func:`coffer.wallets.repository.insert_rows`."""
    groups: dict[tuple[str, tuple[str, ...]], tuple[sa.Table, list[Mapping[str, Any]]]] = {}
    for table, row in writes:
        key = (table.name, tuple(row))
        groups.setdefault(key, (table, []))[1].append(row)
    return list(groups.values())


def insert_assessed(
    core: WalletsCore,
    connection: sa.Connection,
    table: sa.Table,
    movement: Movement,
    values: Mapping[str, Any],
) -> str:
    """Insert the row (``values``) of a new payment or payout once the checks assessed its
    ``movement``: pending, or failed (the check's error, or ``risk_blocked``) when blocked;
    the checks' verdicts are stored in the same unit. Returns the row's id."""
    assessment = assess_one(core, movement, connection=connection)
    blocked = assessment.outcome == "block"
    now = R.now_micros()
    R.insert(
        connection,
        table,
        {
            **values,
            "status": "failed" if blocked else "pending",
            "failure_code": (assessment.error or RiskBlocked).code if blocked else None,
            "created_at": now,
            "updated_at": now,
        },
    )
    store_assessment(connection, assessment, movement)
    return movement.id


def store_assessment(connection: sa.Connection, assessment: Assessment, movement: Movement) -> None:
    """Store the checks' verdicts on ``movement`` in ``connection``'s unit: the rows of
    :func:`check_writes`, inserted by :func:`store_writes`."""
    store_writes(
        connection,
        check_writes(
            assessment,
            platform_id=movement.platform_id,
            movement_type=movement.kind,
            movement_id=movement.id,
        ),
    )


def store_writes(
    connection: sa.Connection, writes: Sequence[tuple[sa.Table, Mapping[str, Any]]]
) -> None:
    """Insert the checks' rows in the caller's transaction (one executemany per group)."""
    for table, rows in grouped(writes):
        connection.execute(table.insert(), [dict(row) for row in rows])
