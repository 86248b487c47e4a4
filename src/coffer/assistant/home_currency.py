"""Totals in the customer's home currency when exchange rates exist (``coffer.fx`` rates).

The assistant sums one currency at a time. With a rate source, every transaction and
account in another currency is converted into the home currency (transactions at the rate
of their own date, balances at today's), so spending, budgets, the health score and the
answers to questions cover all of them. Each converted transaction keeps its original
amount and currency and the date of the rate used; :class:`FxNote` summarizes the rates for
the answers ("converted at rates of 2026-03-02 to 2026-03-17"). A currency without a rate
stays as it is and is left out of the totals (the answers say which)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import Any

from coffer.assistant.models import Account, Txn
from coffer.assistant.money import scale

RateSource = Callable[[str, str, date], tuple[Fraction, date, str] | None]
"""``(base, quote, day)`` -> (units of quote per unit of base, the rate's date, its source),
or None when no rate is known."""


@dataclass(slots=True)
class FxNote:
    """The rates a customer's totals were converted with."""

    currency: str
    pairs: dict[str, dict[str, Any]] = field(default_factory=dict)
    unconverted: set[str] = field(default_factory=set)

    def add(self, base: str, rate: Fraction, day: date, source: str) -> None:
        pair = self.pairs.setdefault(
            f"{base}/{self.currency}",
            {"base": base, "quote": self.currency, "first_rate_date": day,
             "last_rate_date": day, "last_rate": rate, "source": source, "transactions": 0},
        )  # fmt: skip
        if day < pair["first_rate_date"]:
            pair["first_rate_date"] = day
        if day >= pair["last_rate_date"]:
            pair["last_rate_date"], pair["last_rate"], pair["source"] = day, rate, source

    def merge(self, other: FxNote) -> FxNote:
        """This note and ``other`` (same home currency) as one."""
        merged = FxNote(self.currency, unconverted=self.unconverted | other.unconverted)
        for note in (self, other):
            for p in note.pairs.values():
                merged.add(p["base"], p["last_rate"], p["first_rate_date"], p["source"])
                merged.add(p["base"], p["last_rate"], p["last_rate_date"], p["source"])
                merged.pairs[f"{p['base']}/{self.currency}"]["transactions"] += p["transactions"]
        return merged

    @property
    def empty(self) -> bool:
        return not (self.pairs or self.unconverted)

    def as_dict(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "rates": [
                {
                    "base": p["base"],
                    "quote": p["quote"],
                    "rate": str(round(float(p["last_rate"]), 8)),
                    "first_rate_date": p["first_rate_date"].isoformat(),
                    "last_rate_date": p["last_rate_date"].isoformat(),
                    "source": p["source"],
                    "transactions": p["transactions"],
                }
                for p in sorted(self.pairs.values(), key=lambda p: p["base"])
            ],
            "unconverted_currencies": sorted(self.unconverted),
        }

    def sentence(self) -> str:
        """How the totals were converted, for the end of an answer ("" without a conversion)."""
        parts = []
        for p in sorted(self.pairs.values(), key=lambda p: p["base"]):
            first, last = p["first_rate_date"].isoformat(), p["last_rate_date"].isoformat()
            days = first if first == last else f"{first} to {last}"
            parts.append(f"{p['base']} at {p['source']} rates of {days}")
        text = f"Converted to {self.currency}: {', '.join(parts)}." if parts else ""
        if self.unconverted:
            text += f" No rate for {', '.join(sorted(self.unconverted))}: not in the totals."
        return text.strip()


def convert_amount(amount: int, base: str, quote: str, rate: Fraction) -> int:
    """``amount`` minor units of ``base`` in minor units of ``quote`` (rounded half even)."""
    exact = Fraction(amount) * rate * Fraction(10 ** scale(quote), 10 ** scale(base))
    return round(exact)


def to_home_currency(
    txns: Sequence[Txn],
    accounts: Sequence[Account],
    currency: str,
    rates: RateSource,
    today: date,
) -> tuple[list[Txn], list[Account], FxNote]:
    """``txns`` and ``accounts`` with those in other currencies converted to ``currency``."""
    note = FxNote(currency)
    known: dict[tuple[str, date], tuple[Fraction, date, str] | None] = {}

    def rate(base: str, day: date) -> tuple[Fraction, date, str] | None:
        key = (base, day)
        if key not in known:
            known[key] = rates(base, currency, day)
        return known[key]

    out = []
    for t in txns:
        if t.currency == currency:
            out.append(t)
            continue
        found = rate(t.currency, t.date)
        if found is None:
            note.unconverted.add(t.currency)
            out.append(t)
            continue
        value, day, source = found
        note.add(t.currency, value, day, source)
        note.pairs[f"{t.currency}/{currency}"]["transactions"] += 1
        out.append(replace(t, amount=convert_amount(t.amount, t.currency, currency, value),
                           currency=currency, original_amount=t.amount,
                           original_currency=t.currency, fx_rate_date=day))  # fmt: skip
    converted_accounts = []
    for a in accounts:
        found = None if a.currency == currency else rate(a.currency, today)
        if found is None:
            if a.currency != currency:
                note.unconverted.add(a.currency)
            converted_accounts.append(a)
            continue
        value, day, source = found
        note.add(a.currency, value, day, source)
        converted_accounts.append(
            replace(
                a, balance=convert_amount(a.balance, a.currency, currency, value), currency=currency
            )
        )
    return out, converted_accounts, note


def fx_rate_source(fx: Any) -> RateSource:
    """A :data:`RateSource` over a ``coffer.fx`` platform's rates: the rate at the day's end
    (UTC), else the newest rate known (a manual rate set after the transaction)."""
    from datetime import UTC, datetime, time

    from coffer.errors import CofferError

    def source(base: str, quote: str, day: date) -> tuple[Fraction, date, str] | None:
        for moment in (datetime.combine(day, time(23, 59, 59), UTC), None):
            try:
                found = fx.rates.rate(base, quote, moment)
            except CofferError:
                continue
            return Fraction(found.value), found.as_of.astimezone(UTC).date(), str(found.source)
        return None

    return source
