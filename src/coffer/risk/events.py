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
    """ISO 8601 (UTC when no offset is given) to seconds since the epoch."""
    if not isinstance(value, str):
        raise ValueError("`at` must be an ISO 8601 string")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def format_time(seconds: float) -> str:
    """Seconds since the epoch to ISO 8601 UTC with a ``Z``."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(data: dict[str, Any], name: str, required: bool = False) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise ValueError(f"`{name}` is required")
        return None
    if not isinstance(value, str) or (required and not value):
        raise ValueError(f"`{name}` must be a non-empty string")
    return value


def _choice(data: dict[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = data.get(name)
    if value is None:
        return default
    if value not in allowed:
        raise ValueError(f"`{name}` must be one of {', '.join(allowed)}, not {value!r}")
    return str(value)


def event_from_dict(data: dict[str, Any]) -> Event:
    """Build an event from one decoded line; ValueError says what is wrong."""
    kind = data.get("type")
    if kind == "transaction":
        amount = data.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise ValueError("`amount` must be a non-negative integer (minor units)")
        label = data.get("label")
        if label is not None and label not in LABELS:
            raise ValueError(f"`label` must be fraud or legit, not {label!r}")
        mcc = data.get("mcc")
        return Transaction(
            id=str(_text(data, "id", True)),
            at=parse_time(data.get("at")),
            kind=_choice(data, "kind", TRANSACTION_KINDS, ""),
            customer_id=str(_text(data, "customer_id", True)),
            amount=amount,
            counterparty=_text(data, "counterparty"),
            currency=_text(data, "currency") or "EUR",
            card_fingerprint=_text(data, "card_fingerprint"),
            card_country=_text(data, "card_country"),
            ip_country=_text(data, "ip_country"),
            device_id=_text(data, "device_id"),
            mcc=None if mcc is None else str(mcc),
            label=label,
        )
    if kind == "login":
        return Login(
            customer_id=str(_text(data, "customer_id", True)),
            at=parse_time(data.get("at")),
            device_id=_text(data, "device_id"),
            ip_country=_text(data, "ip_country"),
        )
    if kind == "customer":
        birth_year = data.get("birth_year")
        if birth_year is not None and (not isinstance(birth_year, int) or birth_year < 1000):
            raise ValueError("`birth_year` must be a year or null")
        return Customer(
            id=str(_text(data, "id", True)),
            at=parse_time(data.get("at")),
            kind=_choice(data, "kind", CUSTOMER_KINDS, "natural"),
            country=_text(data, "country"),
            birth_year=birth_year,
            email_domain=_text(data, "email_domain"),
            kyc_level=_choice(data, "kyc_level", KYC_LEVELS, "none"),
            name=_text(data, "name"),
        )
    raise ValueError(f"`type` must be customer, login or transaction, not {kind!r}")


def parse_lines(lines: Iterable[str], source: str = "input") -> Iterator[Event]:
    """Events of JSON Lines text; blank lines are skipped."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError("a line must be a JSON object")
            if data.get("type") == "transaction" and not data.get("kind"):
                raise ValueError("`kind` is required")
            yield event_from_dict(data)
        except (ValueError, TypeError, OverflowError) as error:
            raise RiskInputInvalid(
                f"{source} line {number}: {error}", line=number, source=source
            ) from None


def read_events(path: str | Path) -> list[Event]:
    """Every event of a JSON Lines file, validated before anything is processed."""
    with open(path, encoding="utf-8") as handle:
        return list(parse_lines(handle, source=str(path)))
