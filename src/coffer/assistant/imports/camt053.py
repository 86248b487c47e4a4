"""ISO 20022 ``camt.053`` bank-to-customer statements (any ``camt.053.001.xx`` version).

Reads ``Stmt/Acct/Id/IBAN``, the closing booked balance (``Bal`` with ``Tp/CdOrPrtry/Cd``
``CLBD``), and each ``Ntry``: ``Amt`` (with ``Ccy``), ``CdtDbtInd`` (``CRDT``/``DBIT``),
``BookgDt/Dt`` (or ``DtTm``), ``AcctSvcrRef``, and from ``NtryDtls/TxDtls`` the remittance
text (``RmtInf/Ustrd``) and the counterparty (``RltdPties/Cdtr|Dbtr/Nm``); entries with
``Sts`` other than booked (``BOOK``) are skipped.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from coffer.assistant.imports import ParsedLine, ParsedStatement
from coffer.assistant.imports.amounts import to_minor
from coffer.errors import StatementInvalid


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(node: ET.Element, path: str) -> ET.Element | None:
    """``path`` of local names separated by ``/``, ignoring namespaces."""
    current: list[ET.Element] = [node]
    for name in path.split("/"):
        current = [child for parent in current for child in parent if _local(child.tag) == name]
        if not current:
            return None
    return current[0]


def _text(node: ET.Element, path: str) -> str | None:
    found = _find(node, path)
    return None if found is None or found.text is None else found.text.strip()


def parse(content: str) -> ParsedStatement:
    if "<!DOCTYPE" in content or "<!ENTITY" in content:
        raise StatementInvalid("camt.053 files must not declare a DTD or entities")
    try:
        root = ET.fromstring(content.lstrip("\ufeff").encode())
    except ET.ParseError as exc:
        raise StatementInvalid(f"not well-formed XML: {exc}") from exc
    statement = next((n for n in root.iter() if _local(n.tag) == "Stmt"), None)
    if statement is None:
        raise StatementInvalid("no BkToCstmrStmt/Stmt element: is this a camt.053 file?")
    account = _text(statement, "Acct/Id/IBAN") or _text(statement, "Acct/Id/Othr/Id")
    currency = _text(statement, "Acct/Ccy")
    balance = None
    for bal in (n for n in statement if _local(n.tag) == "Bal"):
        if _text(bal, "Tp/CdOrPrtry/Cd") in ("CLBD", "CLAV") and balance is None:
            amount = _find(bal, "Amt")
            if amount is not None and amount.text:
                cur = amount.get("Ccy") or currency or "EUR"
                currency = currency or cur
                value = to_minor(amount.text, cur)
                balance = -value if _text(bal, "CdtDbtInd") == "DBIT" else value
    lines = []
    for entry in (n for n in statement if _local(n.tag) == "Ntry"):
        status = _text(entry, "Sts/Cd") or _text(entry, "Sts")
        if status not in (None, "BOOK"):
            continue
        amount_node = _find(entry, "Amt")
        if amount_node is None or not amount_node.text:
            raise StatementInvalid("an entry has no Amt")
        cur = amount_node.get("Ccy") or currency or "EUR"
        value = to_minor(amount_node.text, cur)
        if _text(entry, "CdtDbtInd") == "DBIT":
            value = -value
        day_text = _text(entry, "BookgDt/Dt") or (_text(entry, "BookgDt/DtTm") or "")[:10]
        if not day_text:
            day_text = _text(entry, "ValDt/Dt") or ""
        try:
            day = date.fromisoformat(day_text)
        except ValueError as exc:
            raise StatementInvalid(f"an entry has no booking date: {day_text!r}") from exc
        details = _find(entry, "NtryDtls/TxDtls")
        remittance = None
        party = None
        if details is not None:
            remittance = _text(details, "RmtInf/Ustrd")
            side = "Cdtr" if value < 0 else "Dbtr"
            party = _text(details, f"RltdPties/{side}/Nm") or _text(
                details, f"RltdPties/{side}/Pty/Nm"
            )
        extra = _text(entry, "AddtlNtryInf")
        description = " ".join(p for p in (party, remittance or extra) if p) or "camt.053 entry"
        lines.append(
            ParsedLine(
                day=day,
                amount=value,
                currency=cur,
                description=description,
                counterparty=party,
                reference=_text(entry, "AcctSvcrRef") or _text(entry, "NtryRef"),
            )
        )
    return ParsedStatement(account=account, currency=currency, balance=balance, lines=lines)
