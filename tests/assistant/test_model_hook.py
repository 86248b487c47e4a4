"""The optional model endpoint, against a mock transport (no network)."""

from __future__ import annotations

import json
from datetime import date

import httpx

from coffer.assistant.ask.model import ModelHook
from coffer.assistant.service import ask_data
from coffer.assistant.synthetic import Synthetic


def test_model_reply_becomes_a_typed_query(synthetic: Synthetic) -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        reply = {"intent": "spend_in_category", "categories": ["FOOD_AND_DRINK_COFFEE"],
                 "period": {"start": "2026-02-01", "end": "2026-02-28"}}  # fmt: skip
        return httpx.Response(200, json={"choices": [{"message": {"content": json.dumps(reply)}}]})

    hook = ModelHook("http://127.0.0.1:9/v1", "local", transport=httpx.MockTransport(handler),
                     today=date(2026, 3, 18))  # fmt: skip
    answer = ask_data(synthetic.data, "what about the caffeine bill, feb?", synthetic.today, hook)
    assert answer["intent"] == "spend_in_category"
    expected = -sum(t.amount for t in synthetic.data.transactions
                    if t.detailed == "FOOD_AND_DRINK_COFFEE" and t.date.month == 2 and t.date.year == 2026)  # fmt: skip
    assert answer["value"] == expected  # computed by Coffer, not by the model
    assert seen and "caffeine" in json.dumps(seen[0])


def test_model_failures_keep_unknown(synthetic: Synthetic) -> None:
    hook = ModelHook("http://127.0.0.1:9/v1", "local",
                     transport=httpx.MockTransport(lambda r: httpx.Response(500)))  # fmt: skip
    answer = ask_data(synthetic.data, "blorp?", synthetic.today, hook)
    assert answer["intent"] == "unknown"
    bad = ModelHook("http://127.0.0.1:9/v1", "local", transport=httpx.MockTransport(
        lambda r: httpx.Response(200, json={"choices": [{"message": {"content": '{"intent": "rm -rf"}'}}]})))  # fmt: skip
    assert ask_data(synthetic.data, "blorp?", synthetic.today, bad)["intent"] == "unknown"
