"""CSV statements with a column mapping.

``mapping`` names the columns: ``date``, ``description``, and either ``amount`` (signed)
or ``debit`` and ``credit`` (unsigned, one per line); optional ``currency``,
``counterparty``, ``reference``. ``date_format`` (strptime, default ISO ``%Y-%m-%d``),
``delimiter`` (sniffed when absent), ``decimal_comma`` for European files.
"""

from __future__ import annotations

import csv as _csv
import io
from collections.abc import Mapping
from datetime import datetime

from coffer.assistant.imports import ParsedLine, ParsedStatement
from coffer.assistant.imports.amounts import to_minor
from coffer.errors import StatementInvalid


def parse(
    content: str,
    mapping: Mapping[str, str] | None = None,
    currency: str = "EUR",
    date_format: str = "%Y-%m-%d",
    delimiter: str | None = None,
    decimal_comma: bool = False,
) -> ParsedStatement:
    columns = dict(mapping or {"date": "date", "description": "description", "amount": "amount"})
    if "date" not in columns or "description" not in columns:
        raise StatementInvalid("the mapping needs the date and description columns")
    if "amount" not in columns and not ("debit" in columns and "credit" in columns):
        raise StatementInvalid("the mapping needs an amount column, or debit and credit columns")
    content = content.lstrip("\ufeff")
    if delimiter is None:
        try:
            delimiter = _csv.Sniffer().sniff(content[:4096], delimiters=",;\t|").delimiter
        except _csv.Error:
            delimiter = ","
    reader = _csv.DictReader(io.StringIO(content), delimiter=delimiter)
    missing = [c for c in columns.values() if c not in (reader.fieldnames or [])]
    if missing:
        raise StatementInvalid(f"columns not in the file: {missing}; it has {reader.fieldnames}")
    lines = []
    for number, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values()):
            continue
        line_currency = (row.get(columns.get("currency", ""), "") or currency).strip().upper()
        try:
            day = datetime.strptime(row[columns["date"]].strip(), date_format).date()
        except ValueError as exc:
            raise StatementInvalid(
                f"line {number}: date {row[columns['date']]!r} is not {date_format}"
            ) from exc
        if "amount" in columns:
            amount = to_minor(row[columns["amount"]], line_currency, decimal_comma=decimal_comma)
        else:
            debit = (row[columns["debit"]] or "").strip()
            credit = (row[columns["credit"]] or "").strip()
            amount = (
                to_minor(credit, line_currency, decimal_comma=decimal_comma) if credit else 0
            ) - (abs(to_minor(debit, line_currency, decimal_comma=decimal_comma)) if debit else 0)
        lines.append(
            ParsedLine(
                day=day,
                amount=amount,
                currency=line_currency,
                description=row[columns["description"]].strip(),
                counterparty=(row.get(columns.get("counterparty", ""), "") or None),
                reference=(row.get(columns.get("reference", ""), "") or None),
            )
        )
    return ParsedStatement(account=None, currency=currency, balance=None, lines=lines)
