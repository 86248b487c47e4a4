"""The shared column conventions: rows read back into API models by field name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel

from coffer.db.columns import model_from_row

T0 = 1_700_000_000_123_456  # microseconds since the epoch


class _Thing(BaseModel):
    object: Literal["thing"] = "thing"
    id: str
    amount: int
    tags: list[str]
    metadata: dict[str, str]
    created_at: datetime
    closed_at: datetime | None
    ledger_transaction_id: int | None
    doubled: int = 0


def _row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": "th_1",
        "platform_id": "default",  # a column the model does not show
        "amount": 10,
        "tags": '["a", "b"]',
        "metadata": '{"k": "v"}',
        "created_at": T0,
        "closed_at": None,
        "ledger_tx_id": 7,
    }
    return {**row, **changes}


def test_fields_are_read_by_name_times_and_json_converted() -> None:
    thing = model_from_row(_Thing, _row(), {"ledger_transaction_id": "ledger_tx_id"})
    assert thing.object == "thing"
    assert thing.tags == ["a", "b"] and thing.metadata == {"k": "v"}
    assert thing.created_at == datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=UTC)
    assert thing.closed_at is None
    assert thing.ledger_transaction_id == 7
    assert thing.doubled == 0  # not in the row: its default


def test_values_given_win_over_the_row() -> None:
    row = _row(closed_at=T0 + 1)
    thing = model_from_row(_Thing, row, {"ledger_transaction_id": "ledger_tx_id"}, doubled=20)
    assert thing.doubled == 20
    assert thing.closed_at is not None and thing.closed_at.microsecond == 123457
