"""The customer's categorization context from storage (both backends): stored rules with
their stages and operators, corrections locked by transaction, payee rules learned from
consistent corrections and the per-customer correction model, on imported statements."""

from __future__ import annotations

import pytest

from coffer.assistant.categorize.adaptation import CorrectionModel
from coffer.assistant.categorize.schemas import StatementLine
from coffer.assistant.service import Assistant
from coffer.errors import AssistantNotFound, ValidationError
from coffer.wallets import WalletPlatform
from coffer.wallets import schemas as W

STATEMENT = """date,description,amount,counterparty
2026-01-05,KIOSK ZUM GLUECK 12 HAMBURG,-4.50,
2026-01-06,Lidl sagt danke 4211,-23.50,
2026-01-09,SEPA LASTSCHRIFT FITX DEUTSCHLAND,-19.90,
2026-01-12,UEBERWEISUNG MAX MUSTERMANN,-120.00,Max Mustermann
2026-01-15,Lohn Januar ACME GmbH,2500.00,ACME GmbH
2026-02-03,KIOSK ZUM GLUECK 7 HAMBURG KARTE,-3.20,
2026-02-05,CAFE KOLONIE 44 KARTENZAHLUNG,-8.00,
2026-02-12,UEBERWEISUNG MAX MUSTERMANN,-80.00,Max Mustermann
2026-02-20,BAUHAUS FILIALE 889,-250.00,
2026-03-12,UEBERWEISUNG MAX MUSTERMANN,-60.00,Max Mustermann
"""


def by_description(assistant: Assistant, customer: str) -> dict[str, tuple[str | None, str]]:
    return {
        t.description: (t.detailed, t.category_source)
        for t in assistant.data(customer).transactions
    }


@pytest.fixture
def customer(assistant: Assistant, platform: WalletPlatform) -> str:
    customer_id = platform.wallets.create_customer(W.CustomerCreate(kind="natural", name="Ida")).id
    mapping = {"date": "date", "description": "description", "amount": "amount",
               "counterparty": "counterparty"}  # fmt: skip
    assistant.import_statement(customer_id, "csv", STATEMENT, account_name="Giro",
                               currency="EUR", mapping=mapping)  # fmt: skip
    return customer_id


def rule(category: str, *conditions: tuple[str, str, object], **extra: object) -> dict[str, object]:
    return {
        "category": category,
        "conditions": [{"field": f, "operator": o, "value": v} for f, o, v in conditions],
        **extra,
    }


def test_rules_apply_by_stage_once_per_transaction(assistant: Assistant, customer: str) -> None:
    before = by_description(assistant, customer)
    assert before["Lidl sagt danke 4211"] == ("FOOD_AND_DRINK_GROCERIES", "categorizer")
    assert before["BAUHAUS FILIALE 889"][0] is None  # the stand-in abstains
    gym = assistant.save_rule(customer, rule(
        "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS", ("description", "contains", "fitx"),
        name="Gym"))  # fmt: skip
    # a "pre" rule beats the categorizer; the first matching rule wins (runs once)
    assistant.save_rule(customer, rule("FOOD_AND_DRINK_COFFEE", ("description", "starts_with",
                                                                 "lidl")))  # fmt: skip
    assistant.save_rule(customer, rule("GENERAL_MERCHANDISE_SUPERSTORES",
                                       ("description", "contains", "lidl"), position=5))  # fmt: skip
    # "post" only rescues abstentions; amounts in minor units
    assistant.save_rule(customer, rule(
        "HOME_IMPROVEMENT_HARDWARE", ("description", "matches", r"bauhaus|obi\b"),
        ("amount", "greater_than", 10000), stage="post"))  # fmt: skip
    assistant.save_rule(customer, rule("ENTERTAINMENT_OTHER_ENTERTAINMENT",
                                       ("amount", "between", [1, 99999]), stage="post"))  # fmt: skip
    after = by_description(assistant, customer)
    assert after["SEPA LASTSCHRIFT FITX DEUTSCHLAND"] == (
        "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
        "user_rule",
    )
    assert after["Lidl sagt danke 4211"] == ("FOOD_AND_DRINK_COFFEE", "user_rule")
    assert after["BAUHAUS FILIALE 889"] == ("HOME_IMPROVEMENT_HARDWARE", "user_rule")
    assert after["Lohn Januar ACME GmbH"] == ("INCOME_WAGES", "categorizer")  # not rescued
    # stored, listed in run order, updated, deleted
    listed = assistant.rules(customer)
    assert [r["stage"] for r in listed] == ["pre", "pre", "pre", "post", "post"]
    assert listed[0]["id"] == gym["id"] and listed[2]["position"] == 5
    changed = assistant.save_rule(customer, rule(
        "PERSONAL_CARE_OTHER_PERSONAL_CARE", ("description", "contains", "fitx"), name="Gym"),
        gym["id"])  # fmt: skip
    assert changed["id"] == gym["id"] and changed["category"] == "PERSONAL_CARE_OTHER_PERSONAL_CARE"
    assert by_description(assistant, customer)["SEPA LASTSCHRIFT FITX DEUTSCHLAND"][0] == (
        "PERSONAL_CARE_OTHER_PERSONAL_CARE"
    )
    assistant.delete_rule(customer, gym["id"])
    with pytest.raises(AssistantNotFound):
        assistant.delete_rule(customer, gym["id"])
    with pytest.raises(AssistantNotFound):
        assistant.rule(customer, gym["id"])
    # the stand-in abstains on it again, so the catch-all "post" rule takes it
    assert by_description(assistant, customer)["SEPA LASTSCHRIFT FITX DEUTSCHLAND"] == (
        "ENTERTAINMENT_OTHER_ENTERTAINMENT",
        "user_rule",
    )


def test_rule_operators_and_any_match(assistant: Assistant, customer: str) -> None:
    assistant.save_rule(customer, rule(
        "TRANSFER_OUT_ACCOUNT_TRANSFER", ("counterparty", "is", "max mustermann"),
        ("merchant", "one_of", ["Nobody"]), match="any"))  # fmt: skip
    assistant.save_rule(customer, rule(
        "FOOD_AND_DRINK_COFFEE", ("description", "not_contains", "kiosk"),
        ("description", "ends_with", "kartenzahlung"), ("amount", "less_than", 1000),
        ("direction", "is", "debit"), ("currency", "one_of", ["EUR", "CHF"])))  # fmt: skip
    after = by_description(assistant, customer)
    assert after["UEBERWEISUNG MAX MUSTERMANN"][0] == "TRANSFER_OUT_ACCOUNT_TRANSFER"
    assert after["CAFE KOLONIE 44 KARTENZAHLUNG"][0] == "FOOD_AND_DRINK_COFFEE"
    assert after["KIOSK ZUM GLUECK 12 HAMBURG"][0] is None


def test_testing_a_rule_changes_nothing(assistant: Assistant, customer: str) -> None:
    result = assistant.test_rule(
        customer, rule("TRANSFER_OUT_ACCOUNT_TRANSFER", ("description", "contains", "ueberweisung"))
    )
    assert result["matched"] == 3 and result["would_change"] == 3
    assert [r["amount"] for r in result["data"]] == [-6000, -8000, -12000]
    assert assistant.rules(customer) == []


@pytest.mark.parametrize(
    "bad",
    [
        rule("NOT_A_CATEGORY", ("description", "contains", "x")),
        rule("FOOD_AND_DRINK_COFFEE"),
        rule("FOOD_AND_DRINK_COFFEE", ("colour", "is", "red")),
        rule("FOOD_AND_DRINK_COFFEE", ("description", "resembles", "x")),
        rule("FOOD_AND_DRINK_COFFEE", ("description", "matches", "(unclosed")),
        rule("FOOD_AND_DRINK_COFFEE", ("description", "greater_than", 3)),
        rule("FOOD_AND_DRINK_COFFEE", ("amount", "between", [1])),
        rule("FOOD_AND_DRINK_COFFEE", ("amount", "contains", "12")),
        rule("FOOD_AND_DRINK_COFFEE", ("description", "contains", "x"), stage="later"),
        rule("FOOD_AND_DRINK_COFFEE", ("description", "contains", "x"), match="most"),
    ],
)
def test_invalid_rules_are_refused_and_nothing_is_stored(
    assistant: Assistant, customer: str, bad: dict[str, object]
) -> None:
    with pytest.raises(ValidationError):
        assistant.save_rule(customer, bad)
    assert assistant.rules(customer) == []


def test_corrections_lock_teach_variants_and_learn_payee_rules(
    assistant: Assistant, customer: str
) -> None:
    txns = {t.description: t for t in assistant.data(customer).transactions}
    with pytest.raises(ValidationError):
        assistant.correct(customer, txns["BAUHAUS FILIALE 889"].id, "FOOD_AND_DRINK",
                          "HOME_IMPROVEMENT_HARDWARE")  # fmt: skip
    with pytest.raises(AssistantNotFound):
        assistant.correct(customer, "ext_unknown", "FOOD_AND_DRINK")
    # one correction: that line is locked, and a variant of its descriptor follows
    kiosk = txns["KIOSK ZUM GLUECK 12 HAMBURG"]
    assistant.correct(customer, kiosk.id, "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES")
    after = by_description(assistant, customer)
    assert after["KIOSK ZUM GLUECK 12 HAMBURG"] == ("FOOD_AND_DRINK_GROCERIES", "correction")
    assert after["KIOSK ZUM GLUECK 7 HAMBURG KARTE"] == (
        "FOOD_AND_DRINK_GROCERIES",
        "correction_model",
    )
    assert after["CAFE KOLONIE 44 KARTENZAHLUNG"][0] is None  # unrelated lines are left alone
    # two consistent corrections of a payee: a payee rule for its other transactions
    transfers = sorted(
        (t for t in assistant.data(customer).transactions if t.counterparty == "Max Mustermann"),
        key=lambda t: t.date,
    )
    for t in transfers[:2]:
        assistant.correct(customer, t.id, "TRANSFER_OUT", "TRANSFER_OUT_ACCOUNT_TRANSFER")
    third = next(t for t in assistant.data(customer).transactions if t.id == transfers[2].id)
    assert third.detailed == "TRANSFER_OUT_ACCOUNT_TRANSFER"
    assert third.category_source in ("payee_rule", "correction_model")
    assert [c["transaction_id"] for c in assistant.corrections(customer)] == sorted(
        [kiosk.id, transfers[0].id, transfers[1].id]
    )
    assistant.delete_correction(customer, kiosk.id)
    assert by_description(assistant, customer)["KIOSK ZUM GLUECK 7 HAMBURG KARTE"][0] is None
    with pytest.raises(AssistantNotFound):
        assistant.delete_correction(customer, kiosk.id)


def test_a_correction_beats_a_rule_and_answers_follow(assistant: Assistant, customer: str) -> None:
    assistant.save_rule(customer, rule("FOOD_AND_DRINK_RESTAURANT",
                                       ("description", "contains", "kiosk")))  # fmt: skip
    kiosk = next(t for t in assistant.data(customer).transactions
                 if t.description.startswith("KIOSK ZUM GLUECK 7"))  # fmt: skip
    assistant.correct(customer, kiosk.id, "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES")
    answer = assistant.ask(customer, "how much did I spend on groceries in february 2026?")
    assert answer["value"] == 320
    answer = assistant.ask(customer, "how much did I spend on restaurants in january 2026?")
    assert answer["value"] == 450


def test_correction_model_generalizes_to_variants_only() -> None:
    def line(text: str, direction: str = "debit") -> StatementLine:
        return StatementLine(id=text, description=text, amount=100, direction=direction)

    model = CorrectionModel([(line("KIOSK ZUM GLUECK 12 HAMBURG"), "FOOD_AND_DRINK_GROCERIES"),
                             (line("ZAHNARZT DR WEISS"), "MEDICAL_DENTAL_CARE")])  # fmt: skip
    near = model.nearest(line("KIOSK ZUM GLUECK FIL 9 HAMBURG"))
    assert near is not None and near.detailed == "FOOD_AND_DRINK_GROCERIES"
    assert model.nearest(line("ZAHNARZT DR WEISS RECHNUNG 2026")) is not None
    assert model.nearest(line("BAUHAUS FILIALE 889")) is None
    assert model.nearest(line("KIOSK ZUM GLUECK 12 HAMBURG", "credit")) is None
    assert CorrectionModel([]).nearest(line("anything")) is None
