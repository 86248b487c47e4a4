from __future__ import annotations

from coffer.assistant.categorize import (
    CategorizationContext,
    Condition,
    StatementLine,
    UserRule,
    categorize,
    correction_key,
    learn_payee_rules,
)
from coffer.assistant.categorize.classifier import TextClassifier
from coffer.assistant.categorize.merchants import find_merchant
from coffer.assistant.categorize.normalize import fold
from coffer.assistant.categorize.synthetic import generate
from coffer.assistant.categorize.synthetic_words import HELDOUT_BRANDS, NAMES
from coffer.assistant.taxonomy import primary_of


def line(description: str, direction: str = "debit", amount: int = 1000) -> StatementLine:
    return StatementLine("c", description, amount, "EUR", direction)


def test_a_correction_is_locked() -> None:
    item = line("LIDL 1234 BERLIN")
    context = CategorizationContext(
        corrections={correction_key(item): "GENERAL_MERCHANDISE_SUPERSTORES"}
    )
    result = categorize([item], context)[0]
    assert (result.detailed, result.source, result.confidence) == (
        "GENERAL_MERCHANDISE_SUPERSTORES",
        "correction",
        1.0,
    )
    by_id = CategorizationContext(corrections={"c": "TRAVEL_FLIGHTS"})
    assert categorize([item], by_id)[0].detailed == "TRAVEL_FLIGHTS"


def test_user_rules_pre_and_post() -> None:
    rule = UserRule(
        (
            Condition("description", "contains", "schwimmverein"),
            Condition("amount", "less_than", 5000),
        ),
        "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
    )
    context = CategorizationContext(rules=(rule,))
    assert categorize([line("Schwimmverein Nord Beitrag")], context)[0].source == "user_rule"
    assert (
        categorize([line("Schwimmverein Nord Beitrag", amount=9000)], context)[0].source
        != "user_rule"
    )
    fallback = UserRule(
        (Condition("description", "matches", r"^QW"),),
        "GENERAL_SERVICES_OTHER_GENERAL_SERVICES",
        stage="post",
    )
    result = categorize([line("QWXZ 8842")], CategorizationContext(rules=(fallback,)))[0]
    assert result.detailed == "GENERAL_SERVICES_OTHER_GENERAL_SERVICES"
    assert (
        categorize([line("LIDL")], CategorizationContext(rules=(fallback,)))[0].source == "merchant"
    )


def test_payee_rules_are_learned_from_consistent_corrections() -> None:
    a, b = line("KLAUS SCHMIDT HAUSMEISTER"), line("KLAUS SCHMIDT HAUSMEISTER 2")
    learned = learn_payee_rules([(a, "HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE")] * 2)
    assert learned == {correction_key(a): "HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE"}
    assert learn_payee_rules([(a, "HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE")]) == {}
    conflicting = [
        (a, "HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE"),
        (a, "GENERAL_SERVICES_OTHER_GENERAL_SERVICES"),
    ]
    assert learn_payee_rules(conflicting * 2) == {}
    result = categorize([a], CategorizationContext(payee_rules=learned))[0]
    assert result.source == "payee_rule"
    assert b.description != a.description


def test_low_threshold_abstains_rarely_high_threshold_abstains(classifier: TextClassifier) -> None:
    item = line("ZORBLAT 17 GMBH")
    assert categorize([item], predictor=classifier, min_confidence=0.0)[0].primary is not None
    assert categorize([item], predictor=classifier, min_confidence=1.0)[0].primary is None


def test_classifier_generalizes_to_unseen_names(classifier: TextClassifier) -> None:
    cases = {
        "KARTENZAHLUNG Zahnarztpraxis Dr. Quenzel": "MEDICAL",
        "TST* Gregorio's Trattoria": "FOOD_AND_DRINK",
        "Sportwetten Kalinowski": "ENTERTAINMENT",
        "Fahrschule Obermaier": "GENERAL_SERVICES",
        "Hotel Zur Linde Rezeption": "TRAVEL",
    }
    lines = [line(d) for d in cases]
    for (description, primary), (detailed, confidence) in zip(
        cases.items(), classifier.predict(lines), strict=True
    ):
        assert primary_of(detailed) == primary, description
        assert 0.0 <= confidence <= 1.0


def test_classifier_roundtrip_and_determinism(classifier: TextClassifier, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "model.npz"
    classifier.save(path)
    loaded = TextClassifier.load(path)
    lines = [item for item, _ in generate("heldout", per_category=2, seed=3)]
    assert loaded.predict(lines) == classifier.predict(lines)


def test_heldout_merchants_are_unseen() -> None:
    assert not set(NAMES["train"]["latin"]) & set(NAMES["heldout"]["latin"])
    assert not set(NAMES["train"]["cjk"]) & set(NAMES["heldout"]["cjk"])
    train_text = (
        " "
        + " ".join(fold(item.description) for item, _ in generate("train", per_category=90, seed=7))
        + " "
    )
    for block in HELDOUT_BRANDS.values():
        for brand in block.split("|"):
            match = find_merchant(fold(brand))
            assert match is None or match.name is None, brand
            assert f" {fold(brand)} " not in train_text, brand


def test_generation_is_deterministic() -> None:
    first = list(generate("heldout", per_category=3, seed=5))
    assert first == list(generate("heldout", per_category=3, seed=5))
    assert len(first) == 3 * 104
