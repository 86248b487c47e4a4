"""Totals in the home currency with coffer.fx rates (both backends for the service path):
spending, budgets, balances and answers cover every currency, with the rate dates shown."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from fractions import Fraction

from coffer.assistant.home_currency import convert_amount, fx_rate_source, to_home_currency
from coffer.assistant.models import Account, Txn
from coffer.assistant.service import Assistant, ask_data
from coffer.assistant.synthetic import Synthetic
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
    laptop = assistant.ask(customer, "can I afford a $500 laptop?")
    assert (laptop["data"]["price"], laptop["data"]["price_fx"]["source"]) == (45000, "manual")
    assert (
        "no USD/EUR exchange rate"
        in plain.ask(customer, "can I afford 500 dollars of shoes?")["answer"]
    )
    assistant.set_budget(customer, "FOOD_AND_DRINK_GROCERIES", 4000, "EUR",
                         start_month=date(2026, 3, 1))  # fmt: skip
    from coffer.assistant.views import budget_view

    (status,) = budget_view(assistant.data(customer), today)["data"]
    assert status["spent"] == 4490


def _cny(base: str, quote: str, day: date) -> tuple[Fraction, date, str] | None:
    return (
        (Fraction(1, 8), date(2026, 3, 17), "manual") if (base, quote) == ("CNY", "EUR") else None
    )


def test_a_price_in_another_currency_is_converted_or_not_compared(synthetic: Synthetic) -> None:
    with_rates = replace(synthetic.data, rates=_cny)
    for question in (
        "can I afford a 3000块 phone",
        "can I afford a 3k RMB phone",
        "¥3000的手机能买吗",
    ):
        answer = ask_data(with_rates, question, synthetic.today)
        assert answer["intent"] == "affordability", question
        assert answer["data"]["price"] == 37500 and answer["data"]["price_original"] == 300000
        assert answer["data"]["price_fx"]["rate_date"] == "2026-03-17"
        assert "375.00 EUR" in answer["answer"] and "2026-03-17" in answer["answer"]
    euros = ask_data(with_rates, "can I afford a 375 EUR phone", synthetic.today)
    assert (
        euros["value"]
        == ask_data(with_rates, "can I afford a 3000块 phone", synthetic.today)["value"]
    )
    # no USD rate: the answer says so and compares nothing
    for data in (synthetic.data, with_rates):
        answer = ask_data(data, "can I afford a $500 laptop", synthetic.today)
        assert answer["value"] is None and answer["data"]["price_currency"] == "USD"
        assert "no USD/EUR exchange rate" in answer["answer"]
    assert (
        "没有 CNY/EUR 汇率"
        in ask_data(synthetic.data, "我能买得起一个3000块的手机吗", synthetic.today)["answer"]
    )
