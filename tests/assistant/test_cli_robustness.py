"""``POST /api/assistant/v1/customers/{id}/ask`` on the questions real users type: every
answer has the fixed shape (issue 26), whatever the question looks like."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from .test_endpoints import client, customer_with_statement  # noqa: F401  (the fixture)

QUESTIONS = [
    "how much did I earn in March 2026?",
    "  How much did I SPEND on groceries last month??  ",
    "how much did i spend on grocerys last mnth",
    "what are my subscriptions?\r\n",
    "can I afford a 500 EUR laptop this month?",
    "can I afford a 500.50 € laptop?",
    "how is my holiday goal going?",
    "why was March so expensive?",
    "上个月我在餐饮上花了多少钱？",
    "我的余额是多少？",
    "💸💸 how much did I spend 🙂",
    "balance",
    "?",
    "tell me a joke",
    "how much did I spend between 2026-02-30 and 2026-13-01?",
    "how much did I spend in the last 100000 days?",
    "x" * 1000,
]


def test_every_question_answers_in_the_fixed_shape(
    client: tuple[TestClient, dict[str, str], dict[str, str]],  # noqa: F811
) -> None:
    c, auth, _ = client
    base = customer_with_statement(c, auth)
    for question in QUESTIONS:
        for extra in ({}, {"today": "2026-04-15", "language": "xx", "conversation": 7}):
            response = c.post(f"{base}/ask", headers=auth, json={"question": question, **extra})
            assert response.status_code == 200, (question, response.text)
            body = response.json()
            assert set(body) == {"answer", "intent", "value", "currency", "period", "data"}
            assert isinstance(body["answer"], str) and body["answer"]
            assert isinstance(body["intent"], str) and isinstance(body["data"], dict)
            if body["currency"] is not None:
                assert isinstance(body["value"], int) and not isinstance(body["value"], bool)
                assert len(body["currency"]) == 3 and body["currency"].isupper()
            if body["period"] is not None:
                start = date.fromisoformat(body["period"]["start"])
                end = date.fromisoformat(body["period"]["end"])
                assert start <= end, question
    refused = c.post(f"{base}/ask", headers=auth, json={"question": 42})
    assert refused.status_code == 422
    odd_day = c.post(f"{base}/ask", headers=auth, json={"question": "balance", "today": "soon"})
    assert odd_day.status_code == 422
