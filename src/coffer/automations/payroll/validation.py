"""Reading and validating a payment batch's lines, before anything is stored or moves.

Every line is checked and every problem reported (a batch with 3 bad lines out of 10,000
answers the 3, each with its errors): bad amount, bad or missing payee, bad IBAN
(checksum) or BIC, unknown wallet (or another platform's), currency mismatch, the same
payee twice, over the per-line limit; and for the batch: over the total limit, too many
lines, an unusable source wallet.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from coffer.automations.payroll import schemas as S
from coffer.errors import CofferError, InvalidBankAccount
from coffer.wallets import currencies
from coffer.wallets.payouts import MAX_BATCH as MAX_BANK_LINES
from coffer.wallets.payouts import validate_bank_details

CSV_COLUMNS = ("wallet_id", "iban", "bic", "name", "amount", "currency", "reference")
MAX_REPORTED = 1000
# the codes of a limit exceeded (the platform's limits, GET /payment_batch_limits)
LIMIT_CODES = frozenset({"too_many_lines", "over_line_limit", "over_batch_limit"})
_DECIMAL = re.compile(r"^(\d{1,40})(?:\.(\d{1,6}))?$")


@dataclass
class Checked:
    """The outcome of validation: the report, and the lines ready to store."""

    report: S.ValidationReport
    lines: list[dict[str, Any]] = field(default_factory=list)


def over_limit(report: S.ValidationReport) -> bool:
    """Whether the report names a limit exceeded (by a line or by the whole batch)."""
    errors = [*report.errors, *(error for line in report.lines for error in line.errors)]
    return any(error.code in LIMIT_CODES for error in errors)


def read_csv(text: str) -> tuple[list[S.LineIn], list[S.LineError]]:
    """Lines of a CSV text (a header row naming the columns, any order; ``wallet_id`` or
    ``iban``, ``bic``, ``name`` per payee; ``amount``; optional ``currency``, ``reference``)."""
    try:
        return _read_csv(text)
    except csv.Error as error:
        return [], [S.LineError(code="csv_invalid", message=f"the CSV text is malformed: {error}")]


def _read_csv(text: str) -> tuple[list[S.LineIn], list[S.LineError]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    problems: list[S.LineError] = []
    if not header or "amount" not in header:
        problems.append(
            S.LineError(code="csv_invalid", message="the header needs an amount column")
        )
    if unknown:
        problems.append(
            S.LineError(
                code="csv_invalid",
                message=f"unknown columns {unknown}; the columns are {', '.join(CSV_COLUMNS)}",
            )
        )
    if problems:
        return [], problems
    lines: list[S.LineIn] = []
    for number, raw in enumerate(reader, start=1):
        values = {
            (key or "").strip(): (value or "").strip() or None
            for key, value in raw.items()
            if key is not None
        }
        if None in raw:  # more cells than columns
            problems.append(
                S.LineError(
                    code="csv_invalid", message=f"line {number} has more cells than columns"
                )
            )
            continue
        lines.append(
            S.LineIn.model_construct(
                wallet_id=values.get("wallet_id"),
                iban=values.get("iban"),
                bic=values.get("bic"),
                name=values.get("name"),
                amount=values.get("amount") or "",
                currency=values.get("currency"),
                reference=values.get("reference"),
            )
        )
    return lines, problems


def parse_amount(value: int | str, exponent: int) -> int:
    """Minor units from an int, or from a string of digits (minor units) or a decimal with
    at most ``exponent`` decimals (major units)."""
    if isinstance(value, bool):
        raise ValueError("the amount is not a number")
    if isinstance(value, int):
        amount = value
    else:
        match = _DECIMAL.match(value.strip())
        if match is None:
            raise ValueError(f"{value!r} is not an amount: digits, or a decimal like 1234.50")
        whole, fraction = match.group(1), match.group(2)
        if fraction is None:
            amount = int(whole)
        else:
            if len(fraction) > exponent:
                raise ValueError(f"{value!r} has more than {exponent} decimals")
            amount = int(whole) * 10**exponent + int(fraction.ljust(exponent, "0"))
    if amount <= 0:
        raise ValueError("the amount must be positive")
    if amount >= 2**128:
        raise ValueError("the amount is too large")
    return amount


def _error(code: str, message: str, field_name: str | None = None) -> S.LineError:
    return S.LineError(code=code, message=message, field=field_name)


class Validator:
    """Checks a batch against the platform's wallets (``wallets``: id -> wallet row, as
    read for the platform) and its ``limits`` in the batch's currency."""

    def __init__(self, limits: S.Limits) -> None:
        self.limits = limits

    def check(
        self,
        options: S.BatchOptions,
        lines: list[S.LineIn],
        wallets: Mapping[str, Mapping[str, Any]],
        batch_errors: list[S.LineError] | None = None,
    ) -> Checked:
        limits = self.limits
        errors = list(batch_errors or [])
        currency = options.currency
        try:
            exponent = currencies.exponent(currency)
        except CofferError as error:
            errors.append(_error("invalid_currency", error.message, "currency"))
            exponent = 2
        source = wallets.get(options.source_wallet_id)
        if source is None:
            errors.append(
                _error(
                    "unknown_wallet",
                    f"source wallet {options.source_wallet_id!r} does not exist",
                    "source_wallet_id",
                )
            )
        elif source["currency"] != currency:
            errors.append(
                _error(
                    "currency_mismatch",
                    f"the source wallet holds {source['currency']}, not {currency}",
                    "source_wallet_id",
                )
            )
        if not lines and not errors:
            errors.append(_error("no_lines", "the batch has no lines"))
        if len(lines) > limits.max_lines:
            errors.append(
                _error(
                    "too_many_lines",
                    f"{len(lines)} lines; a batch has at most {limits.max_lines}",
                )
            )
        reports: list[S.LineReport] = []
        stored: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        total = requested = 0  # of the valid lines; of every line with an amount
        kinds = {"wallet": 0, "bank": 0}
        for number, line in enumerate(lines, start=1):
            problems: list[S.LineError] = []
            row = self._line(line, number, currency, exponent, source, wallets, problems)
            requested += row.get("amount", 0)
            payee = row.get("wallet_id") or row.get("iban")
            if payee:
                first = seen.get(payee)
                if first is not None:
                    problems.append(
                        _error("duplicate_payee", f"the same payee as line {first}", "payee")
                    )
                else:
                    seen[payee] = number
            if problems:
                reports.append(S.LineReport(line_number=number, errors=problems))
                continue
            total += row["amount"]
            kinds[row["kind"]] += 1
            stored.append(row)
        if kinds["bank"] > MAX_BANK_LINES:
            errors.append(
                _error(
                    "too_many_bank_lines",
                    f"{kinds['bank']} bank lines; one pain.001 file holds at most {MAX_BANK_LINES}",
                )
            )
        if requested > limits.max_batch_total:
            errors.append(
                _error(
                    "over_batch_limit",
                    f"the total {requested} is above the batch limit "
                    f"{limits.max_batch_total} {currency} (minor units)",
                )
            )
        report = S.ValidationReport(
            valid=not errors and not reports,
            line_count=len(lines),
            total_amount=total,
            currency=currency,
            wallet_lines=kinds["wallet"],
            bank_lines=kinds["bank"],
            errors=errors,
            lines=reports[:MAX_REPORTED],
            invalid_lines=len(reports),
        )
        return Checked(report, stored if report.valid else [])

    def _line(
        self,
        line: S.LineIn,
        number: int,
        currency: str,
        exponent: int,
        source: Mapping[str, Any] | None,
        wallets: Mapping[str, Mapping[str, Any]],
        problems: list[S.LineError],
    ) -> dict[str, Any]:
        row: dict[str, Any] = {"line_number": number, "reference": line.reference}
        try:
            row["amount"] = parse_amount(line.amount, exponent)
            if row["amount"] > self.limits.max_line_amount:
                problems.append(
                    _error(
                        "over_line_limit",
                        f"{row['amount']} is above the line limit "
                        f"{self.limits.max_line_amount} {currency} (minor units)",
                        "amount",
                    )
                )
        except ValueError as error:
            problems.append(_error("invalid_amount", str(error), "amount"))
        row["currency"] = line.currency or currency
        if row["currency"] != currency:
            problems.append(
                _error(
                    "currency_mismatch",
                    f"the line is in {row['currency']}, the batch in {currency}",
                    "currency",
                )
            )
        if line.wallet_id and line.iban:
            problems.append(_error("ambiguous_payee", "give a wallet_id or an iban, not both"))
        elif line.wallet_id:
            row.update(kind="wallet", wallet_id=line.wallet_id)
            self._wallet_payee(line.wallet_id, currency, source, wallets, problems)
        elif line.iban:
            row["kind"] = "bank"
            self._bank_payee(line, row, source, problems)
        else:
            problems.append(_error("missing_payee", "give a wallet_id, or an iban and a name"))
        return row

    @staticmethod
    def _wallet_payee(
        wallet_id: str,
        currency: str,
        source: Mapping[str, Any] | None,
        wallets: Mapping[str, Mapping[str, Any]],
        problems: list[S.LineError],
    ) -> None:
        wallet = wallets.get(wallet_id)
        if wallet is None:
            problems.append(
                _error("unknown_wallet", f"wallet {wallet_id!r} does not exist", "wallet_id")
            )
        elif source is not None and wallet_id == source["id"]:
            problems.append(_error("same_wallet", "the payee is the source wallet", "wallet_id"))
        elif wallet["currency"] != currency:
            problems.append(
                _error(
                    "currency_mismatch",
                    f"wallet {wallet_id} holds {wallet['currency']}, not {currency}",
                    "wallet_id",
                )
            )
        elif wallet["status"] != "active":
            problems.append(
                _error(
                    "wallet_not_active", f"wallet {wallet_id} is {wallet['status']}", "wallet_id"
                )
            )

    @staticmethod
    def _bank_payee(
        line: S.LineIn,
        row: dict[str, Any],
        source: Mapping[str, Any] | None,
        problems: list[S.LineError],
    ) -> None:
        assert line.iban is not None
        try:
            iban, bic = validate_bank_details(line.iban, line.bic or None)
            row.update(iban=iban.compact, bic=bic)
        except InvalidBankAccount as error:
            field_name = str(error.details.get("field") or "iban")
            problems.append(_error(f"invalid_{field_name}", error.message, field_name))
        if not (line.name or "").strip():
            problems.append(_error("missing_name", "a bank payee needs the holder's name", "name"))
        row["name"] = (line.name or "").strip()
        if source is not None and not source.get("customer_id"):
            problems.append(
                _error(
                    "bank_payee_not_allowed",
                    "bank payees are paid out of a customer's wallet; the source wallet has none",
                    "iban",
                )
            )
