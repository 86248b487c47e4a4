"""What the ledger API's modules share: the router (every endpoint registers on it), path
and query parameter types, and the default error response."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response

from coffer.api import schemas as S
from coffer.api.ledger_queries import parse_time

router = APIRouter(prefix="/api/ledger", tags=["ledger"])

DEFAULT_ERROR: dict[int | str, dict[str, Any]] = {
    "default": {"model": S.ErrorResponse, "description": "Error"}
}
LedgerName = Annotated[str, Path(pattern=r"^[0-9a-zA-Z_-]{1,63}$", max_length=63)]
Address = Annotated[str, Path(max_length=1000)]
TxId = Annotated[int, Path(ge=0, le=2**63 - 1)]
MetadataKey = Annotated[str, Path(max_length=1000)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
PageSize = Annotated[int | None, Query(alias="pageSize", ge=1, le=1000)]
Cursor = Annotated[str | None, Query(max_length=10_000)]
Pit = Annotated[datetime | None, Query()]
Expand = Annotated[list[str] | None, Query()]


def _micros(moment: datetime | None) -> int | None:
    return None if moment is None else parse_time(moment)


def _no_content() -> Response:
    return Response(status_code=204)
