"""A customer's categorization context from storage: stored rules as pipeline rules, and
corrections as locked categories, learned payee rules and examples for the per-customer
correction model. Pure functions (the service reads the rows)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from coffer.assistant.categorize.adaptation import CorrectionModel
from coffer.assistant.categorize.pipeline import (
    context_stage,
    learn_payee_rules,
    post_rules,
)
from coffer.assistant.categorize.schemas import (
    Categorization,
    CategorizationContext,
    Condition,
    InvalidStatementLine,
    StatementLine,
    UserRule,
)
from coffer.assistant.models import Txn
from coffer.assistant.taxonomy import CATEGORIES, PRIMARY_CATEGORIES, primary_of
from coffer.errors import ValidationError

MAX_RULES = 500
MAX_CONDITIONS = 20


def check_category(primary: str, detailed: str | None) -> tuple[str, str | None]:
    """A correction's (primary, detailed), validated against the taxonomy."""
    primary = primary.strip().upper()
    if primary not in PRIMARY_CATEGORIES:
        raise ValidationError(
            f"unknown primary category {primary!r}; use one of {', '.join(PRIMARY_CATEGORIES)}"
        )
    if detailed is not None:
        detailed = detailed.strip().upper()
        if detailed not in CATEGORIES:
            raise ValidationError(
                f"unknown detailed category {detailed!r}; use a Plaid detailed category name "
                f"such as {primary}_OTHER (see docs/assistant.md, Taxonomy)"
            )
        if primary_of(detailed) != primary:
            raise ValidationError(
                f"{detailed!r} is a category of {primary_of(detailed)}, not of {primary}"
            )
    return primary, detailed


def user_rule(spec: Mapping[str, Any]) -> UserRule:
    """A stored or requested rule as the pipeline runs it (ValidationError when invalid)."""
    category = str(spec.get("actions", {}).get("category") or "").strip().upper()
    if category not in CATEGORIES:
        raise ValidationError(
            f"a rule sets a detailed category; {category!r} is not one (see docs/assistant.md)"
        )
    conditions = spec.get("conditions") or []
    if not isinstance(conditions, list) or not conditions:
        raise ValidationError("a rule needs at least one condition")
    if len(conditions) > MAX_CONDITIONS:
        raise ValidationError(f"a rule has at most {MAX_CONDITIONS} conditions")
    try:
        return UserRule(
            conditions=tuple(
                Condition(str(c.get("field")), str(c.get("operator")), c.get("value"))
                for c in conditions
            ),
            detailed=category,
            match_all=bool(spec.get("match_all", True)),
            stage=str(spec.get("stage", "pre")),
            name=str(spec.get("name") or ""),
        )
    except InvalidStatementLine as error:
        raise ValidationError(str(error)) from error


def txn_line(t: Txn) -> StatementLine:
    """A transaction as the categorization pipeline reads it."""
    return StatementLine(
        id=t.id,
        description=t.description,
        amount=abs(t.amount),
        currency=t.currency,
        direction="debit" if t.amount < 0 else "credit",
        mcc=t.mcc,
        date=t.date.isoformat(),
        counterparty=t.counterparty,
    )


def build_context(
    txns: Sequence[Txn],
    corrections: Mapping[str, tuple[str, str | None, str | None]],
    rules: Sequence[Mapping[str, Any]],
) -> CategorizationContext:
    """The pipeline context of a customer: corrected lines locked by id, the corrected lines
    as examples (those with a detailed category), payee rules learned from them (a payee
    corrected twice to one category) and the stored rules in order."""
    by_id = {t.id: t for t in txns}
    examples = []
    for transaction_id, (_, detailed, _) in corrections.items():
        t = by_id.get(transaction_id)
        if t is not None and detailed is not None and detailed in CATEGORIES:
            examples.append((txn_line(t), detailed))
    return CategorizationContext(
        corrections={},  # applied by the service with the merchant the customer gave
        payee_rules=learn_payee_rules(examples),
        rules=tuple(user_rule(r) for r in rules),
        examples=tuple(examples),
    )


def apply_context(txns: Sequence[Txn], context: CategorizationContext) -> list[Txn]:
    """``txns`` with the customer's stages applied on top of their categories: rules of
    stage pre and default, payee rules and the correction model decide before the built-in
    categorization; rules of stage post rescue the lines it abstained on."""
    if context.empty:
        return list(txns)
    model = CorrectionModel(context.examples) if context.examples else None
    out = []
    for t in txns:
        line = txn_line(t)
        decided: Categorization | None = context_stage(line, context, t.merchant, model)
        if decided is None and t.primary is None:
            empty = Categorization(t.id, None, None, 0.0, t.merchant, "abstain")
            decided = post_rules(line, empty, context)
        if decided is not None:
            t = replace(t, primary=decided.primary, detailed=decided.detailed,
                        confidence=decided.confidence, category_source=decided.source)  # fmt: skip
        out.append(t)
    return out


def categorize_with(
    lines: Sequence[StatementLine],
    txns: Sequence[Txn],
    corrections: Mapping[str, tuple[str, str | None, str | None]],
    rules: Sequence[Mapping[str, Any]],
    *,
    use_classifier: bool = True,
) -> list[Categorization]:
    """Statement lines through the customer's pipeline, as the API categorizes their
    transactions: the customer's rules, learned payee rules and correction model (from
    ``txns``, the customer's categorized transactions) around the built-in categorizer,
    then the customer's corrections (locked, by line id)."""
    from coffer.assistant.categorize.service import categorize_lines

    context = build_context(txns, corrections, rules)
    out = []
    for result in categorize_lines(lines, context, use_classifier=use_classifier):
        fixed = corrections.get(result.id)
        if fixed is not None:
            result = replace(result, primary=fixed[0], detailed=fixed[1],
                             merchant=fixed[2] or result.merchant, confidence=1.0,
                             source="correction")  # fmt: skip
        out.append(result)
    return out
