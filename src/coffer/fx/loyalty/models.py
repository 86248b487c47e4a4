"""Rows of loyalty programs, lots and movements as the API's models."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from coffer.db.columns import model_from_row
from coffer.fx.loyalty import schemas as S

Row = Mapping[str, Any]


def program_model(row: Row) -> S.Program:
    earn_on = json.loads(row["earn_on"]) if row.get("earn_on") else ["payment"]
    return model_from_row(S.Program, row, earn_on=earn_on)


def lot_model(row: Row) -> S.Lot:
    return model_from_row(S.Lot, row)


def movement_model(row: Row) -> S.Movement:
    return model_from_row(S.Movement, row, forgiven=int(row.get("forgiven") or 0))
