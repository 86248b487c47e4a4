"""The optional model endpoint (OpenAI-compatible chat completions), off by default.

When ``COFFER_ASSISTANT_MODEL_URL`` is set, a question the offline parser leaves
``unknown`` is sent (the question only, never transactions) to the model, which must reply
with a JSON typed query: ``{"intent": ..., "period": {"start","end"}|null,
"categories": [Plaid codes], "merchants": [...], "amount": minor units|null,
"currency": ...|null, "goal": ...|null}``. The reply is validated into the same
:class:`~coffer.assistant.ask.parser.Query` the parser produces; the answer is computed by
Coffer from the customer's data as always. Any failure keeps the ``unknown`` query.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx

from coffer.assistant.ask.parser import INTENTS, Query
from coffer.assistant.ask.spans import Period
from coffer.assistant.ask.vocabulary import TOPICS

SYSTEM = (
    "You turn personal finance questions into a JSON query. Reply with JSON only: "
    '{"intent": one of ' + ", ".join(i for i in INTENTS) + ', "period": {"start": "YYYY-MM-DD", '
    '"end": "YYYY-MM-DD"} or null, "categories": [Plaid personal finance category codes], '
    '"merchants": [names], "amount": integer minor units or null, "currency": ISO code or null, '
    '"goal": goal name or null}. Today is {today}.'
)


class ModelHook:
    """Callable ``(question, query) -> query`` for :class:`~coffer.assistant.service.Assistant`."""

    def __init__(self, url: str, model: str, *, api_key: str | None = None,
                 timeout_seconds: float = 10.0, transport: httpx.BaseTransport | None = None,
                 today: date | None = None) -> None:  # fmt: skip
        self.url = url.rstrip("/") + "/chat/completions"
        self.model = model
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(timeout=timeout_seconds, transport=transport)
        self.today = today

    def __call__(self, question: str, query: Query) -> Query:
        today = self.today or date.today()
        try:
            response = self.client.post(self.url, headers=self.headers, json={
                "model": self.model,
                "temperature": 0,
                "messages": [
                    {"role": "system", "content": SYSTEM.replace("{today}", today.isoformat())},
                    {"role": "user", "content": question},
                ],
            })  # fmt: skip
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
            return to_query(json.loads(content), query)
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError):
            return query


def to_query(reply: dict[str, Any], fallback: Query) -> Query:
    """Validate a model's reply into a :class:`Query` (unknown fields are ignored)."""
    intent = reply.get("intent")
    if intent not in INTENTS:
        return fallback
    period = None
    if isinstance(reply.get("period"), dict):
        start = date.fromisoformat(reply["period"]["start"])
        end = date.fromisoformat(reply["period"]["end"])
        if start <= end:
            period = Period(start, end, f"{start} to {end}")
    codes = [str(c) for c in reply.get("categories") or []]
    topics = [t for t in TOPICS if any(c in t.codes for c in codes)]
    amount = reply.get("amount")
    return Query(
        intent=intent,
        period=period,
        topics=topics,
        merchants=[str(m) for m in reply.get("merchants") or []][:5],
        amount=int(amount) if isinstance(amount, int) else None,
        currency=str(reply["currency"]).upper() if reply.get("currency") else None,
        goal=str(reply["goal"]) if reply.get("goal") else None,
        language=fallback.language,
        period_given=period is not None,
    )
