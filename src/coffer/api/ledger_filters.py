"""Formance Ledger v2's filter language compiled to SQLAlchemy, and the small helpers of
the API's reads (cursors, page sizes, times).

Filters are a small query language sent as a JSON body::

    {"$and": [{"$match": {"metadata[kind]": "fee"}}, {"$gte": {"timestamp": "..."}}]}

with ``$match``, ``$lt``, ``$lte``, ``$gt``, ``$gte``, ``$exists``, ``$and``, ``$or`` and
``$not``. Account addresses with empty segments are patterns (``users::main`` matches
``users:42:main``; ``users:`` matches every two-segment address under ``users``).
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from coffer.errors import ValidationError
from coffer.ledger.models import from_micros, to_micros

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 15  # Formance's default
MAX_FILTER_DEPTH = 16
MAX_FILTER_TERMS = 200
_METADATA_FIELD = re.compile(r"^metadata\[(.+)\]$")
_BALANCE_FIELD = re.compile(r"^balance\[(.+)\]$")
_COMPARATORS = {"$lt", "$lte", "$gt", "$gte"}

ColumnExpr = sa.ColumnElement[Any]


# -- small helpers -------------------------------------------------------------------------


INVALID_CURSOR = "invalid cursor: pass back a cursor this API returned"


def encode_cursor(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=="))
    except Exception:
        raise ValidationError(INVALID_CURSOR) from None
    if not isinstance(state, dict):
        raise ValidationError(INVALID_CURSOR)
    return state


def page_size(value: int | None) -> int:
    if value is None:
        return DEFAULT_PAGE_SIZE
    if not 1 <= value <= MAX_PAGE_SIZE:
        raise ValidationError(f"pageSize must be between 1 and {MAX_PAGE_SIZE}")
    return value


def parse_time(value: object, field: str = "timestamp") -> int:
    """RFC 3339 text (or a datetime) to integer microseconds since the epoch (UTC)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ValidationError(f"{field}: {value!r} is not an RFC 3339 date-time") from None
    else:
        raise ValidationError(f"{field}: expected an RFC 3339 date-time, got {value!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return to_micros(moment)
    except OverflowError:
        raise ValidationError(f"{field}: {value!r} is out of range") from None


def format_time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    m = moment.astimezone(UTC)
    # strftime's %Y does not pad years before 1000, which RFC 3339 requires
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
        f".{m.microsecond:06d}Z"
    )


def format_micros(micros: int | None) -> str | None:
    return None if micros is None else format_time(from_micros(micros))


_bind_names = itertools.count()


def _segment_pattern(address: str) -> tuple[int, str] | None:
    """``users::main`` -> (3 segments, GLOB/LIKE pattern); None when the address is exact."""
    if not isinstance(address, str) or not address:
        raise ValidationError(f"invalid address filter {address!r}")
    segments = address.split(":")
    if all(segments):
        return None
    if not all(re.fullmatch(r"[a-zA-Z0-9_-]*", s) for s in segments):
        raise ValidationError(f"invalid address filter {address!r}")
    return len(segments), ":".join(s if s else "*" for s in segments)


def _exact_addresses(query: object) -> list[str] | None:
    """Exact addresses that every posting a filter can match involves, when the filter says
    so plainly: ``{"$match": {"address": X}}``, an ``$or`` of such, or an ``$and`` with one
    of them among its terms. None otherwise (the filter is then applied to every posting).
    The filter itself is applied as well: this only narrows what is read."""
    if not isinstance(query, dict) or len(query) != 1:
        return None
    ((operator, operand),) = query.items()
    if operator == "$match" and isinstance(operand, dict) and len(operand) == 1:
        address = operand.get("address")
        if isinstance(address, str) and address and all(address.split(":")):
            return [address]
        return None
    if operator in ("$or", "$and") and isinstance(operand, list) and operand:
        found = [_exact_addresses(item) for item in operand]
        if operator == "$and":
            return next((addresses for addresses in found if addresses), None)
        if all(found):
            return sorted({address for addresses in found if addresses for address in addresses})
    return None


# -- the filter compiler ------------------------------------------------------------------------


@dataclass
class Fields:
    """How one resource maps the query language's fields to SQL."""

    address: Callable[[str], ColumnExpr] | None = None  # an address condition
    metadata_column: ColumnExpr | None = None
    metadata_via: Callable[[Callable[[ColumnExpr], ColumnExpr]], ColumnExpr] | None = None
    times: dict[str, ColumnExpr] | None = None
    exact: dict[str, ColumnExpr] | None = None
    balance: Callable[[str, str, int], ColumnExpr] | None = None
    reverted: ColumnExpr | None = None


class Dialect:
    def __init__(self, engine: sa.Engine) -> None:
        self.postgresql = engine.dialect.name == "postgresql"

    def json_text(self, column: ColumnExpr, key: str) -> ColumnExpr:
        if self.postgresql:
            return sa.cast(column, JSONB).op("->>")(sa.literal(key, sa.Text))
        path = '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return sa.func.json_extract(column, path)

    def json_has(self, column: ColumnExpr, key: str) -> ColumnExpr:
        if self.postgresql:
            return sa.cast(column, JSONB).op("?")(sa.literal(key, sa.Text))
        path = '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return sa.func.json_type(column, path).is_not(None)

    def address_matches(self, column: ColumnExpr, address: str) -> ColumnExpr:
        pattern = _segment_pattern(address)
        if pattern is None:
            return column == address
        count, glob = pattern
        colons = sa.func.length(column) - sa.func.length(sa.func.replace(column, ":", ""))
        if self.postgresql:
            like = glob.replace("_", "\\_").replace("*", "%")
            matches: ColumnExpr = column.like(like, escape="\\")
        else:
            matches = column.op("GLOB")(glob)
        return sa.and_(colons == count - 1, matches)

    def amount(self, column: ColumnExpr) -> ColumnExpr:
        # Exact on PostgreSQL; on SQLite exact up to 2**63 (then a REAL comparison).
        if self.postgresql:
            return column
        return sa.cast(column, sa.Numeric)


class FilterCompiler:
    def __init__(self, dialect: Dialect, fields: Fields) -> None:
        self.dialect = dialect
        self.fields = fields
        self.terms = 0

    def compile(self, query: object) -> ColumnExpr | None:
        if query is None or query == {}:
            return None
        return self._node(query, 0)

    def _node(self, node: object, depth: int) -> ColumnExpr:
        if depth > MAX_FILTER_DEPTH:
            raise ValidationError("the filter is nested too deeply")
        self.terms += 1
        if self.terms > MAX_FILTER_TERMS:
            raise ValidationError(f"the filter has more than {MAX_FILTER_TERMS} terms")
        if not isinstance(node, dict) or len(node) != 1:
            raise ValidationError(
                "a filter is an object with one operator: $match, $lt, $lte, $gt, $gte, "
                "$exists, $and, $or or $not"
            )
        ((operator, operand),) = node.items()
        if operator in ("$and", "$or"):
            if not isinstance(operand, list) or not operand:
                raise ValidationError(f"{operator} takes a non-empty list of filters")
            parts = [self._node(item, depth + 1) for item in operand]
            return sa.and_(*parts) if operator == "$and" else sa.or_(*parts)
        if operator == "$not":
            return sa.not_(self._node(operand, depth + 1))
        if operator == "$exists":
            if not isinstance(operand, dict) or set(operand) != {"metadata"}:
                raise ValidationError('$exists takes {"metadata": "<key>"}')
            key = operand["metadata"]
            if not isinstance(key, str):
                raise ValidationError('$exists takes {"metadata": "<key>"}')
            return self._metadata(lambda column: self.dialect.json_has(column, key))
        if operator == "$match" or operator in _COMPARATORS:
            if not isinstance(operand, dict) or len(operand) != 1:
                raise ValidationError(f"{operator} takes an object with one field")
            ((field, value),) = operand.items()
            return self._field(operator, str(field), value)
        raise ValidationError(f"unknown filter operator {operator!r}")

    def _metadata(self, condition: Callable[[ColumnExpr], ColumnExpr]) -> ColumnExpr:
        if self.fields.metadata_column is not None:
            return condition(self.fields.metadata_column)
        if self.fields.metadata_via is not None:
            return self.fields.metadata_via(condition)
        raise ValidationError("this resource cannot be filtered on metadata")

    def _field(self, operator: str, field: str, value: object) -> ColumnExpr:
        fields = self.fields
        found = _METADATA_FIELD.match(field)
        if found:
            if operator != "$match" or not isinstance(value, str):
                raise ValidationError(f"{field} takes $match with a string value")
            key = found.group(1)
            return self._metadata(lambda column: self.dialect.json_text(column, key) == value)
        found = _BALANCE_FIELD.match(field)
        if found and fields.balance is not None:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValidationError(f"{field} takes an integer")
            return fields.balance(operator, found.group(1), value)
        if fields.address is not None and field in ("address", "account", "source", "destination"):
            if operator != "$match" or not isinstance(value, str):
                raise ValidationError(f"{field} takes $match with an address")
            return fields.address(f"{field}\x00{value}")
        if fields.times and field in fields.times:
            micros = parse_time(value, field)
            return _compare(operator, fields.times[field], micros)
        if fields.exact and field in fields.exact:
            column = fields.exact[field]
            if field == "id":
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValidationError("id takes a non-negative integer")
                if value > 2**63 - 1:
                    return sa.false() if operator in ("$match", "$gt", "$gte") else sa.true()
            elif not isinstance(value, str):
                raise ValidationError(f"{field} takes a string")
            return _compare(operator, column, value)
        if field == "reverted" and fields.reverted is not None:
            if operator != "$match" or not isinstance(value, bool):
                raise ValidationError("reverted takes $match with true or false")
            return fields.reverted if value else sa.not_(fields.reverted)
        raise ValidationError(f"unknown filter field {field!r}")


def _compare(operator: str, column: ColumnExpr, value: object) -> ColumnExpr:
    if operator == "$match":
        return column == value
    if operator == "$lt":
        return column < value
    if operator == "$lte":
        return column <= value
    if operator == "$gt":
        return column > value
    return column >= value


def _zero_matches(operator: str, value: int) -> bool:
    return {
        "$match": value == 0,
        "$lt": value > 0,
        "$lte": value >= 0,
        "$gt": value < 0,
        "$gte": value <= 0,
    }[operator]
