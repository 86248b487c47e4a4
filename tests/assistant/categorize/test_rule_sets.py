"""The rule sets' word prefilter gives the same first match as trying every rule in order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coffer.assistant.categorize.normalize import fold
from coffer.assistant.categorize.rules import STRONG, TRANSFER, Rule, RuleSet, _starts
from coffer.assistant.categorize.synthetic import generate

_DATA = Path(__file__).parents[3] / "bench" / "data"


def _every_rule(rules: RuleSet, text: str, direction: str) -> Rule | None:
    for rule in rules:
        target = rule.debit if direction == "debit" else rule.credit
        if target is not None and rule.pattern.search(text):
            return rule
    return None


def test_literal_starts() -> None:
    assert _starts(r"atm fee|non [a-z]+ atm fee|intl? fee|fremd\w*") == {
        "atm",
        "non",
        "int",
        "fremd",
    }
    assert _starts(r"tax(?!\s(?:prep|advisor))|frais (?:de )?retrait") == {"tax", "frais"}
    assert _starts(r"savings?|(?:to|from) sav") is None


@pytest.mark.parametrize("rules", [STRONG, TRANSFER], ids=["strong", "transfer"])
def test_prefilter_matches_every_rule_in_order(rules: RuleSet) -> None:
    texts = [fold(line.description) for line, _ in generate("heldout", per_category=4, seed=3)]
    for name in ("fifth", "sixth", "seventh"):
        lines = (_DATA / f"statement_lines_{name}.jsonl").read_text("utf-8").splitlines()
        texts += [fold(json.loads(raw)["description"]) for raw in lines]
    texts += ["atm fee", "monthly service fee", "工资 代发", "salary acme", "tax prep", "geld"]
    for text in texts:
        for direction in ("debit", "credit"):
            assert rules.first(text, direction) == _every_rule(rules, text, direction), text
