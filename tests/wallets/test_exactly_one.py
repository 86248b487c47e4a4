"""``exactly_one``: the "give exactly one of" refusal of the request models."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from coffer.automations.policies.schemas import SpendingPolicyCreate
from coffer.fx.schemas import CrossBorderTransferCreate, QuoteCreate


def test_quote_needs_exactly_one_amount() -> None:
    base = {"sell_currency": "EUR", "buy_currency": "USD"}
    assert QuoteCreate(**base, sell_amount=100).sell_amount == 100
    for amounts in ({}, {"sell_amount": 100, "buy_amount": 100}):
        with pytest.raises(ValidationError, match="give exactly one of sell_amount and buy_amount"):
            QuoteCreate(**base, **amounts)


def test_cross_border_transfer_names_all_three_sources() -> None:
    wallets = {"from_wallet_id": "wal_a", "to_wallet_id": "wal_b"}
    assert CrossBorderTransferCreate(**wallets, quote_id="fxq_1").quote_id == "fxq_1"
    with pytest.raises(
        ValidationError, match="give exactly one of quote_id, sell_amount and buy_amount"
    ):
        CrossBorderTransferCreate(**wallets, quote_id="fxq_1", buy_amount=5)


def test_spending_policy_on_a_wallet_or_a_customer() -> None:
    rules = {"limits": []}
    with pytest.raises(ValidationError, match="give exactly one of wallet_id and customer_id"):
        SpendingPolicyCreate(name="p", rules=rules)
