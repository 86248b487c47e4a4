"""Questions no number answers (payments filtered by size, dates of payments), holidays of
a single day and Cantonese question words, in phrasings apart from the batches'."""

from __future__ import annotations

import pytest

from coffer.assistant.service import ask_data
from coffer.assistant.synthetic import Synthetic


def _ask(synthetic: Synthetic, question: str) -> dict[str, object]:
    return ask_data(synthetic.data, question, synthetic.today)


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("list transactions over 200 EUR this year", "amount_filter"),
        ("any charges above €30 last week?", "amount_filter"),
        ("payments of 100 euros or more in February", "amount_filter"),
        ("今年大于50欧元的支出有几笔", "amount_filter"),
        ("上个月单笔超过80的消费", "amount_filter"),
        ("when did I last go to Lidl", "when_paid"),
        ("when was the last time I paid rent", "when_paid"),
        ("最后一次去麦当劳是哪天", "when_paid"),
        ("多久交一次网费", "when_paid"),
        ("close my card", "order"),
        ("请把Spotify退订", "order"),
    ],
)
def test_questions_no_number_answers_say_why(
    synthetic: Synthetic, question: str, reason: str
) -> None:
    answer = _ask(synthetic, question)
    assert answer["intent"] == "unknown"
    assert answer["data"] == {"reason": reason}


def test_totals_and_next_payments_stay_answered(synthetic: Synthetic) -> None:
    assert (
        _ask(synthetic, "did I spend over 500 euros on groceries last month")["intent"] != "unknown"
    )
    assert _ask(synthetic, "when is my next Spotify payment")["intent"] == "subscriptions"
    assert (
        _ask(synthetic, "how often did I go to Lidl in February")["intent"] == "transaction_count"
    )


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("groceries on valentines", "2026-02-14", "2026-02-14"),
        ("spending on new year's eve", "2025-12-31", "2025-12-31"),
        ("2025年元旦花了多少", "2025-01-01", "2025-01-01"),
        ("halloween spending last year", "2025-10-31", "2025-10-31"),
        ("去年双十一花了多少钱", "2025-11-11", "2025-11-11"),
    ],
)
def test_holidays_of_one_day(synthetic: Synthetic, question: str, start: str, end: str) -> None:
    assert _ask(synthetic, question)["period"] == {"start": start, "end": end}


def test_cantonese_question_words(synthetic: Synthetic) -> None:
    assert _ask(synthetic, "點解上個月使咁多錢")["intent"] == "explain_period"
    assert _ask(synthetic, "今年搵咗幾多")["intent"] == "income"
    assert _ask(synthetic, "今個月買餸使咗幾多")["data"]["categories"] == ["Groceries"]  # type: ignore[index]
    assert _ask(synthetic, "我户口仲有几多钱")["intent"] == "balance"
