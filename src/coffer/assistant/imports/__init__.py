"""Bank statement imports: CSV (with a column mapping), OFX/QFX (SGML 1.x and XML 2.x) and
ISO 20022 camt.053. Each parser returns a :class:`ParsedStatement`; :func:`dedup_keys`
gives each line a key that is the same on re-import of the same or an overlapping file."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from coffer.errors import StatementInvalid


@dataclass(frozen=True, slots=True)
class ParsedLine:
    day: date
    amount: int  # signed minor units: negative for money out
    currency: str
    description: str
    counterparty: str | None = None
    reference: str | None = None  # the bank's own id (FITID, AcctSvcrRef), when it has one


@dataclass(slots=True)
class ParsedStatement:
    account: str | None
    currency: str | None
    balance: int | None  # closing / ledger balance, when the file states it
    lines: list[ParsedLine] = field(default_factory=list)


def dedup_keys(account: str, lines: list[ParsedLine]) -> list[str]:
    """One key per line: from the bank's reference when it gives one, otherwise from the
    date, amount and description with the occurrence number of identical lines."""
    seen: Counter[tuple[object, ...]] = Counter()
    keys = []
    for line in lines:
        if line.reference:
            basis = f"ref|{account}|{line.reference}"
        else:
            ident = (
                line.day,
                line.amount,
                line.currency,
                " ".join(line.description.split()).lower(),
            )
            seen[ident] += 1
            basis = f"line|{account}|{ident}|{seen[ident]}"
        keys.append(hashlib.sha256(basis.encode()).hexdigest()[:40])
    return keys


def parse_statement(fmt: str, content: str, **options: object) -> ParsedStatement:
    """Parse ``content`` in format ``csv``, ``ofx`` (also QFX) or ``camt053``."""
    import csv as stdlib_csv

    from coffer.assistant.imports import camt053, csv, ofx

    try:
        if fmt == "csv":
            return csv.parse(content, **options)  # type: ignore[arg-type]
        if fmt in ("ofx", "qfx"):
            return ofx.parse(content)
        if fmt in ("camt053", "camt.053"):
            return camt053.parse(content)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, stdlib_csv.Error) as exc:
        raise StatementInvalid(f"the {fmt} file does not parse: {exc}") from exc
    raise StatementInvalid(f"unknown statement format {fmt!r}: use csv, ofx, qfx or camt053")
