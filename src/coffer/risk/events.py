"""The risk events (customers, logins, transactions) and their JSON Lines format.

One event per line, in time order. Unknown fields are ignored; a line that cannot be read
raises :class:`~coffer.errors.RiskInputInvalid` naming its line number.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coffer.errors import RiskInputInvalid

TRANSACTION_KINDS = ("payin_card", "payin_bank", "transfer", "payment", "payout")
CREDIT_KINDS = frozenset({"payin_card", "payin_bank"})
CUSTOMER_KINDS = ("natural", "legal")
KYC_LEVELS = ("none", "light", "verified")
LABELS = ("fraud", "legit")


@dataclass(slots=True)
class Customer:
    id: str
    at: float
    kind: str = "natural"
    country: str | None = None
    birth_year: int | None = None
    email_domain: str | None = None
    kyc_level: str = "none"
    name: str | None = None


@dataclass(slots=True)
class Login:
    customer_id: str
    at: float
    device_id: str | None = None
    ip_country: str | None = None


@dataclass(slots=True)
class Transaction:
    id: str
    at: float
    kind: str
    customer_id: str
    amount: int
    counterparty: str | None = None
    currency: str = "EUR"
    card_fingerprint: str | None = None
    card_country: str | None = None
    ip_country: str | None = None
    device_id: str | None = None
    mcc: str | None = None
    label: str | None = None

    @property
    def is_credit(self) -> bool:
        """True when ``customer_id``'s wallet is credited (a pay-in)."""
        return self.kind in CREDIT_KINDS

    @property
    def internal_counterparty(self) -> str | None:
        """The counterparty when it is another customer of the platform."""
        cp = self.counterparty
        if cp is None or ":" in cp:
            return None
        return cp


Event = Customer | Login | Transaction


def parse_time(value: Any) -> float:
    """ISO 8601 (UTC when no offset is given; ``Z``, offsets, fractional seconds and
    date-only are read) or a number of seconds since the epoch, to seconds since the epoch."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        raise ValueError("`at` must be an ISO 8601 string")
    text = value.strip()
    if text[-3:].upper() == "UTC":
        text = text[:-3].rstrip() + "Z"
    if text[-1:] in ("z", "Z"):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def format_time(seconds: float) -> str:
    """Seconds since the epoch to ISO 8601 UTC with a ``Z``."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(data: dict[str, Any], name: str, required: bool = False) -> str | None:
    """A string field; a number (an id written as a number) is read as its decimal text."""
    value = data.get(name)
    if value.__class__ is str and value and not (value[0].isspace() or value[-1].isspace()):
        return value  # the common case, first
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        value = value.strip()
    if value is None or (value == "" and not required):
        if required:
            raise ValueError(f"`{name}` is required")
        return None
    if not isinstance(value, str) or not value:
        raise ValueError(f"`{name}` must be a non-empty string")
    return value


def _upper(data: dict[str, Any], name: str) -> str | None:
    value = _text(data, name)
    return None if value is None else value.upper()


def _integer(data: dict[str, Any], name: str) -> int | None:
    """An integer field: an integral float (``12.0``) or a string of digits is accepted."""
    value = data.get(name)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise ValueError(f"`{name}` must be an integer, not {value!r}")


def _choice(data: dict[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = data.get(name)
    if isinstance(value, str):
        value = value.strip().lower() or None
    if value is None:
        return default
    if value not in allowed:
        raise ValueError(f"`{name}` must be one of {', '.join(allowed)}, not {value!r}")
    return str(value)


def _mcc(data: dict[str, Any]) -> str | None:
    value = data.get("mcc")
    if value is None or (value.__class__ is str and len(value) == 4 and value.isdigit()):
        return value
    if isinstance(value, str) and value.strip().replace(".", "", 1).isdigit():
        value = float(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:04d}"
    return _text(data, "mcc")


def event_from_dict(data: dict[str, Any]) -> Event:
    """Build an event from one decoded line; ValueError says what is wrong.

    Lenient where the meaning is plain: keys in any order, unknown keys ignored, ``null`` or
    a missing key for an optional field, ids and MCCs as numbers, integral floats
    (``1234.0``) and digit strings for integers, any case for enumerations, currencies and
    countries (stored upper case)."""
    kind = data.get("type")
    kind = kind.strip().lower() if isinstance(kind, str) else kind
    if kind == "transaction":
        amount = _integer(data, "amount")
        if amount is None or amount < 0:
            raise ValueError("`amount` must be a non-negative integer (minor units)")
        label = data.get("label")
        label = label.strip().lower() if isinstance(label, str) else label
        if label is not None and label not in LABELS:
            raise ValueError(f"`label` must be fraud or legit, not {label!r}")
        return Transaction(
            id=str(_text(data, "id", True)),
            at=parse_time(data.get("at")),
            kind=_choice(data, "kind", TRANSACTION_KINDS, ""),
            customer_id=str(_text(data, "customer_id", True)),
            amount=amount,
            counterparty=_text(data, "counterparty"),
            currency=_upper(data, "currency") or "EUR",
            card_fingerprint=_text(data, "card_fingerprint"),
            card_country=_upper(data, "card_country"),
            ip_country=_upper(data, "ip_country"),
            device_id=_text(data, "device_id"),
            mcc=_mcc(data),
            label=label,
        )
    if kind == "login":
        return Login(
            customer_id=str(_text(data, "customer_id", True)),
            at=parse_time(data.get("at")),
            device_id=_text(data, "device_id"),
            ip_country=_upper(data, "ip_country"),
        )
    if kind == "customer":
        birth_year = _integer(data, "birth_year")
        if birth_year is not None and birth_year < 1000:
            raise ValueError("`birth_year` must be a year or null")
        return Customer(
            id=str(_text(data, "id", True)),
            at=parse_time(data.get("at")),
            kind=_choice(data, "kind", CUSTOMER_KINDS, "natural"),
            country=_upper(data, "country"),
            birth_year=birth_year,
            email_domain=_text(data, "email_domain"),
            kyc_level=_choice(data, "kyc_level", KYC_LEVELS, "none"),
            name=_text(data, "name"),
        )
    raise ValueError(f"`type` must be customer, login or transaction, not {kind!r}")


@dataclass(slots=True)
class Unreadable:
    """A line that cannot be read as an event (lenient reading): its number, what is wrong,
    and its ``id`` when it is a transaction line that names one."""

    line: int
    message: str
    id: str | None = None


def _unreadable(data: Any, number: int, message: str) -> Unreadable:
    """``id`` is kept only for a line that says it is a transaction and names one."""
    identifier = None
    if isinstance(data, dict) and str(data.get("type")).strip().lower() == "transaction":
        value = data.get("id")
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            identifier = str(value).strip()
    return Unreadable(number, message, identifier)


def parse_lines(
    lines: Iterable[str],
    source: str = "input",
    *,
    lenient: bool = False,
    numeric_ids: dict[str, int] | None = None,
) -> Iterator[Event | Unreadable]:
    """Events of JSON Lines text; blank lines and a leading byte order mark are skipped. A
    line that cannot be read raises :class:`RiskInputInvalid`, or with ``lenient`` is
    yielded as :class:`Unreadable`. ``numeric_ids`` collects the transaction ids written as
    JSON numbers (their text -> the number), for output that gives them back as written."""
    number = 0
    try:
        for number, line in enumerate(lines, start=1):
            if number == 1:
                line = line.lstrip("\ufeff")
            if not line.strip():
                continue
            data = None
            try:
                data = json.loads(line)
                if not isinstance(data, dict):
                    raise ValueError("a line must be a JSON object")
                if str(data.get("type")).strip().lower() == "transaction" and not data.get("kind"):
                    raise ValueError("`kind` is required")
                event = event_from_dict(data)
                if (
                    numeric_ids is not None
                    and isinstance(event, Transaction)
                    and data["id"].__class__ in (int, float)
                ):
                    numeric_ids[event.id] = int(data["id"])
                yield event
            except (ValueError, TypeError, OverflowError) as error:
                message = f"{source} line {number}: {error}"
                if lenient:
                    yield _unreadable(data, number, message)
                    continue
                raise RiskInputInvalid(message, line=number, source=source) from None
    except UnicodeDecodeError:
        raise RiskInputInvalid(
            f"{source} line {number + 1}: not UTF-8 text", line=number + 1, source=source
        ) from None


def read_events(path: str | Path) -> list[Event]:
    """Every event of a JSON Lines file, validated before anything is processed."""
    return [event for event in read_lines(path) if not isinstance(event, Unreadable)]


def read_lines(
    path: str | Path, *, lenient: bool = False, numeric_ids: dict[str, int] | None = None
) -> list[Event | Unreadable]:
    """Every line of a JSON Lines file read as an event (see :func:`parse_lines`)."""
    if Path(path).is_dir():
        raise RiskInputInvalid(
            f"{path} is a folder, not a JSON Lines file", line=0, source=str(path)
        )
    with open(path, encoding="utf-8") as handle:
        lines = parse_lines(handle, source=str(path), lenient=lenient, numeric_ids=numeric_ids)
        return list(lines)
