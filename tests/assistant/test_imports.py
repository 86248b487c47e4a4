"""Statement imports: each format on a realistic file written to its published spec, and
deduplication on re-import (on both backends)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from coffer.assistant.imports import ParsedLine, dedup_keys, parse_statement
from coffer.assistant.service import Assistant
from coffer.errors import StatementInvalid
from coffer.wallets import WalletPlatform
from coffer.wallets import schemas as W

FIXTURES = Path(__file__).parent / "fixtures"
SPARKASSE = {"date": "Buchungstag", "description": "Verwendungszweck", "amount": "Betrag",
             "currency": "Waehrung", "counterparty": "Beguenstigter/Zahlungspflichtiger"}  # fmt: skip


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_csv_with_mapping_and_decimal_comma() -> None:
    parsed = parse_statement("csv", read("sparkasse.csv"), mapping=SPARKASSE,
                             date_format="%d.%m.%Y", decimal_comma=True)  # fmt: skip
    assert [line.amount for line in parsed.lines] == [-120000, -4327, -9500, -4327, 325055]
    assert parsed.lines[0].day == date(2026, 3, 2)
    assert parsed.lines[1].counterparty == "LIDL"
    assert all(line.currency == "EUR" for line in parsed.lines)


def test_csv_with_debit_and_credit_columns() -> None:
    mapping = {"date": "Transaction Date", "description": "Description", "debit": "Debit",
               "credit": "Credit"}  # fmt: skip
    parsed = parse_statement("csv", read("chase.csv"), mapping=mapping, currency="USD",
                             date_format="%m/%d/%Y")  # fmt: skip
    assert [line.amount for line in parsed.lines] == [-1549, -675, 50000, -2310]
    assert parsed.lines[3].description == "UBER   *TRIP"


def test_csv_errors_name_the_problem() -> None:
    with pytest.raises(StatementInvalid, match="columns not in the file"):
        parse_statement(
            "csv", read("chase.csv"), mapping={"date": "Datum", "description": "x", "amount": "y"}
        )
    with pytest.raises(StatementInvalid, match="is not"):
        parse_statement("csv", "date,description,amount\n2026-13-45,x,1.00\n")


def test_ofx_sgml() -> None:
    parsed = parse_statement("ofx", read("checking.ofx"))
    assert parsed.account == "000123456789" and parsed.currency == "USD"
    assert parsed.balance == 302177
    assert [(line.day, line.amount, line.reference) for line in parsed.lines] == [
        (date(2026, 3, 2), -5423, "202603020001"),
        (date(2026, 3, 5), 215000, "202603050002"),
        (date(2026, 3, 8), -120000, "202603080003"),
    ]
    assert parsed.lines[0].description == "WHOLE FOODS MARKET #10 POS PURCHASE"
    assert parsed.lines[2].description == "CHECK 1043 RENT & FEES"


def test_qfx_xml() -> None:
    parsed = parse_statement("qfx", read("card.qfx"))
    assert parsed.account == "4111XXXXXXXX1111" and parsed.balance == -41250
    assert [line.amount for line in parsed.lines] == [-1299, 2500]
    assert parsed.lines[1].description == "AMAZON.COM REFUND Return <order 112>"


def test_camt053() -> None:
    parsed = parse_statement("camt053", read("statement.camt053.xml"))
    assert parsed.account == "DE58740618130100033626" and parsed.currency == "EUR"
    assert parsed.balance == 525505  # the closing booked balance (CLBD)
    assert len(parsed.lines) == 2  # the pending (PDNG) entry is not booked yet
    salary, power = parsed.lines
    assert (salary.day, salary.amount, salary.counterparty) == (
        date(2026, 3, 9),
        325055,
        "ACME GmbH",
    )
    assert salary.description == "ACME GmbH LOHN/GEHALT 03/2026"
    assert (power.amount, power.reference) == (-14560, "2026031000000042")


def test_camt053_refuses_entities() -> None:
    evil = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><Document/>'
    with pytest.raises(StatementInvalid):
        parse_statement("camt053", evil)


def test_dedup_keys_are_stable_and_count_identical_lines() -> None:
    coffee = ParsedLine(date(2026, 3, 4), -350, "EUR", "STARBUCKS 88")
    keys = dedup_keys("acc", [coffee, coffee])
    assert keys[0] != keys[1]  # two coffees the same day are two lines
    assert dedup_keys("acc", [coffee, coffee]) == keys
    assert dedup_keys("acc", [coffee]) == keys[:1]
    assert dedup_keys("other", [coffee]) != keys[:1]


def test_reimport_skips_known_lines(assistant: Assistant, platform: WalletPlatform) -> None:
    customer = platform.wallets.create_customer(W.CustomerCreate(kind="natural", name="Eva"))
    first = assistant.import_statement(customer.id, "ofx", read("checking.ofx"))
    assert (first["imported"], first["duplicates"]) == (3, 0)
    again = assistant.import_statement(customer.id, "ofx", read("checking.ofx"))
    assert (again["imported"], again["duplicates"], again["account_id"]) == (
        0,
        3,
        first["account_id"],
    )
    options = {"mapping": SPARKASSE, "date_format": "%d.%m.%Y", "decimal_comma": True}
    csv_text = read("sparkasse.csv")
    head = "\n".join(csv_text.splitlines()[:3]) + "\n"
    partial = assistant.import_statement(customer.id, "csv", head, account_name="Giro", **options)
    assert partial["imported"] == 2
    overlap = assistant.import_statement(
        customer.id, "csv", csv_text, account_name="Giro", **options
    )
    assert (overlap["imported"], overlap["duplicates"]) == (3, 2)
    camt = assistant.import_statement(customer.id, "camt053", read("statement.camt053.xml"))
    assert camt["imported"] == 2
    data = assistant.data(customer.id)
    assert len(data.transactions) == 3 + 5 + 2
    balances = {a.name: a.balance for a in data.accounts}
    assert balances["000123456789"] == 302177  # the statement's ledger balance
    assert balances["Giro"] == sum([-120000, -4327, -9500, -4327, 325055])  # no balance given
    assert balances["DE58740618130100033626"] == 525505
    answer = assistant.ask(customer.id, "how much did I spend on groceries in March 2026?")
    assert answer["value"] == 4327 * 2  # Lidl twice (stand-in categories), in EUR
    assert answer["data"]["other_currencies"] == {"USD": 1}  # Whole Foods, not converted
