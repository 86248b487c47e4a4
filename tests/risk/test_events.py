import json

import pytest

from coffer.errors import RiskInputInvalid
from coffer.risk.events import Customer, Login, Transaction, format_time, parse_lines


def test_parses_the_three_kinds_and_ignores_unknown_fields() -> None:
    lines = [
        json.dumps(
            {
                "type": "customer",
                "id": "c1",
                "at": "2026-01-03T10:00:00Z",
                "kind": "natural",
                "country": "DE",
                "birth_year": 1990,
                "kyc_level": "verified",
                "extra": 1,
            }
        ),
        json.dumps(
            {
                "type": "login",
                "customer_id": "c1",
                "at": "2026-01-03T10:05:00Z",
                "device_id": "d1",
                "ip_country": "DE",
            }
        ),
        json.dumps(
            {
                "type": "transaction",
                "id": "t1",
                "at": "2026-01-03T10:06:00Z",
                "kind": "payout",
                "customer_id": "c1",
                "counterparty": "iban:DE1",
                "amount": 1234,
                "currency": "EUR",
                "label": "fraud",
                "whatever": [1],
            }
        ),
    ]
    customer, login, transaction = parse_lines(lines)
    assert isinstance(customer, Customer) and customer.birth_year == 1990
    assert isinstance(login, Login) and login.device_id == "d1"
    assert isinstance(transaction, Transaction)
    assert transaction.amount == 1234 and transaction.label == "fraud"
    assert format_time(transaction.at) == "2026-01-03T10:06:00Z"


@pytest.mark.parametrize(
    "line",
    [
        "not json",
        json.dumps([1, 2]),
        json.dumps({"type": "refund", "id": "x"}),
        json.dumps(
            {
                "type": "transaction",
                "id": "t1",
                "at": "2026-01-03T10:06:00Z",
                "kind": "payout",
                "customer_id": "c1",
                "amount": 12.5,
            }
        ),
        json.dumps(
            {
                "type": "transaction",
                "id": "t1",
                "at": "yesterday",
                "kind": "payout",
                "customer_id": "c1",
                "amount": 12,
            }
        ),
        json.dumps(
            {
                "type": "transaction",
                "id": "t1",
                "at": "2026-01-03T10:06:00Z",
                "kind": "gift",
                "customer_id": "c1",
                "amount": 12,
            }
        ),
        json.dumps(
            {
                "type": "transaction",
                "id": "t1",
                "at": "2026-01-03T10:06:00Z",
                "kind": "payout",
                "customer_id": "c1",
                "amount": 12,
                "label": "bad",
            }
        ),
    ],
)
def test_a_bad_line_names_its_number(line: str) -> None:
    good = json.dumps({"type": "login", "customer_id": "c1", "at": "2026-01-03T10:05:00Z"})
    with pytest.raises(RiskInputInvalid) as caught:
        list(parse_lines([good, "", line]))
    assert "line 3" in caught.value.message
    assert caught.value.code == "risk_input_invalid"
