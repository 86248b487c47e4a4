"""Totals in the home currency with coffer.fx rates (both backends for the service path):
spending, budgets, balances and answers cover every currency, with the rate dates shown."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction

from coffer.assistant.home_currency import convert_amount, fx_rate_source, to_home_currency
from coffer.assistant.models import Account, Txn
from coffer.assistant.service import Assistant
from coffer.fx import FxSettings, open_fx
from coffer.wallets import WalletPlatform
from coffer.wallets import schemas as W

from .conftest import stand_in

EUR_LINES = """date,description,amount
2026-03-02,Lidl sagt danke,-20.00
2026-03-03,Lidl sagt danke,-10.00
2026-03-04,Lidl sagt danke,-5.00
"""
USD_LINES = """date,description,amount
2026-03-03,WHOLE FOODS MARKET 10234,-11.00
2026-03-04,NETFLIX.COM,-15.99
"""


def test_conversion_arithmetic() -> None:
    assert convert_amount(1100, "USD", "EUR", Fraction(9, 10)) == 990
    assert convert_amount(-1599, "USD", "EUR", Fraction(9, 10)) == -1439  # -1439.1
    assert convert_amount(1000, "JPY", "EUR", Fraction(6, 1000)) == 600  # 1,000 JPY: 6 EUR
    assert convert_amount(600, "EUR", "JPY", Fraction(1000, 6)) == 1000


def test_unknown_rates_are_left_out_and_named() -> None:
    txns = [Txn("a", date(2026, 3, 3), -1100, "USD"), Txn("b", date(2026, 3, 3), -500, "CHF")]
    accounts = [Account("w", "USD", 10000)]

    def rates(base: str, quote: str, day: date) -> tuple[Fraction, date, str] | None:
        return (Fraction(9, 10), date(2026, 3, 2), "manual") if base == "USD" else None

    out, converted, note = to_home_currency(txns, accounts, "EUR", rates, date(2026, 3, 18))
    assert [(t.amount, t.currency, t.original_amount, t.fx_rate_date) for t in out] == [
        (-990, "EUR", -1100, date(2026, 3, 2)), (-500, "CHF", None, None)]  # fmt: skip
    assert converted[0].balance == 9000 and converted[0].currency == "EUR"
    assert note.unconverted == {"CHF"}
    assert note.as_dict()["rates"][0]["last_rate_date"] == "2026-03-02"
    assert "USD at manual rates of 2026-03-02" in note.sentence() and "CHF" in note.sentence()


def test_answers_and_budgets_cover_every_currency(
    coffer_db: object, platform: WalletPlatform
) -> None:
    fx = open_fx(platform, FxSettings(fx_providers="manual"),
                 clock=lambda: datetime(2026, 3, 1, 12, tzinfo=UTC))  # fmt: skip
    fx.rates.set_manual("USD", "EUR", "0.9")
    today = date(2026, 3, 18)
    plain = Assistant(platform.core.engine, platform.wallets, categorizer=stand_in,
                      today=lambda: today)  # fmt: skip
    assistant = Assistant(platform.core.engine, platform.wallets, categorizer=stand_in,
                          today=lambda: today, rates=fx_rate_source(fx))  # fmt: skip
    customer = platform.wallets.create_customer(W.CustomerCreate(kind="natural", name="Jo")).id
    assistant.import_statement(customer, "csv", EUR_LINES, account_name="Giro", currency="EUR")
    assistant.import_statement(customer, "csv", USD_LINES, account_name="US", currency="USD")
    question = "how much did I spend on groceries in march 2026?"
    assert plain.ask(customer, question)["value"] == 3500  # the euros only
    answer = assistant.ask(customer, question)
    assert (answer["value"], answer["currency"]) == (3500 + 990, "EUR")
    (rate,) = answer["data"]["fx"]["rates"]
    assert (rate["base"], rate["quote"], rate["rate"]) == ("USD", "EUR", "0.9")
    assert rate["last_rate_date"] == "2026-03-01" and rate["transactions"] == 2
    assert "2026-03-01" in answer["answer"]
    data = assistant.data(customer)
    netflix = next(t for t in data.transactions if t.description == "NETFLIX.COM")
    assert (netflix.amount, netflix.original_amount, netflix.original_currency) == (
        -1439,
        -1599,
        "USD",
    )
    assert data.balance == -3500 + round(Fraction(-2699 * 9, 10))  # both accounts, in EUR
    assistant.set_budget(customer, "FOOD_AND_DRINK_GROCERIES", 4000, "EUR",
                         start_month=date(2026, 3, 1))  # fmt: skip
    from coffer.assistant.views import budget_view

    (status,) = budget_view(assistant.data(customer), today)["data"]
    assert status["spent"] == 4490
