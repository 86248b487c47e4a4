"""OFX and QFX statements: OFX 1.x (SGML, unclosed leaf tags, a header of KEY:VALUE lines)
and OFX 2.x (XML). Reads bank (``STMTRS``) and credit card (``CCSTMTRS``) statements:
``STMTTRN`` (``DTPOSTED``, ``TRNAMT``, ``FITID``, ``NAME``, ``MEMO``), ``CURDEF``,
``ACCTID`` and ``LEDGERBAL/BALAMT``."""

from __future__ import annotations

import re
from datetime import date

from coffer.assistant.imports import ParsedLine, ParsedStatement
from coffer.assistant.imports.amounts import to_minor
from coffer.errors import StatementInvalid

_TAG = re.compile(r"<(/?)([A-Za-z0-9.]+)>([^<]*)")


def _tokens(content: str) -> list[tuple[str, str, str]]:
    body = content[content.upper().find("<OFX>") :] if "<OFX>" in content.upper() else ""
    if not body:
        raise StatementInvalid("not an OFX file: no <OFX> element")
    return [(m.group(1), m.group(2).upper(), m.group(3).strip()) for m in _TAG.finditer(body)]


def _date(text: str) -> date:
    digits = re.match(r"(\d{4})(\d{2})(\d{2})", text)
    if digits is None:
        raise StatementInvalid(f"not an OFX date: {text!r}")
    return date(int(digits[1]), int(digits[2]), int(digits[3]))


def parse(content: str) -> ParsedStatement:
    """Both dialects read the same way: a leaf is a tag followed by text."""
    from xml.sax.saxutils import unescape

    currency = "USD"
    account: str | None = None
    balance_text: str | None = None
    lines: list[ParsedLine] = []
    current: dict[str, str] | None = None
    path: list[str] = []
    raw: list[dict[str, str]] = []
    for closing, tag, text in _tokens(content):
        if closing:
            if tag == "STMTTRN" and current is not None:
                raw.append(current)
                current = None
            while path and path.pop() != tag:
                pass
            continue
        text = unescape(text)
        if text:  # a leaf (SGML leaves are never closed; XML ones are, harmlessly)
            if current is not None:
                current[tag] = text
            elif tag == "CURDEF":
                currency = text.upper()
            elif tag == "ACCTID":
                account = text
            elif tag == "BALAMT" and path and path[-1] == "LEDGERBAL":
                balance_text = text
            continue
        path.append(tag)
        if tag == "STMTTRN":
            current = {}
    for item in raw:
        if "DTPOSTED" not in item or "TRNAMT" not in item:
            raise StatementInvalid("an OFX transaction lacks DTPOSTED or TRNAMT")
        name = item.get("NAME", "")
        memo = item.get("MEMO", "")
        description = " ".join(part for part in (name, memo) if part) or item.get("TRNTYPE", "")
        line_currency = item.get("CURRENCY", currency)
        lines.append(
            ParsedLine(
                day=_date(item["DTPOSTED"]),
                amount=to_minor(item["TRNAMT"], line_currency),
                currency=line_currency,
                description=description,
                counterparty=name or None,
                reference=item.get("FITID"),
            )
        )
    balance = to_minor(balance_text, currency) if balance_text else None
    return ParsedStatement(account=account, currency=currency, balance=balance, lines=lines)
