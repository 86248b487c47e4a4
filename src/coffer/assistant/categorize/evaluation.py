"""Scores of a categorizer against labelled lines: primary macro-F1, coverage, accuracy."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from coffer.assistant.categorize.schemas import Categorization


@dataclass(frozen=True, slots=True)
class Scores:
    lines: int
    coverage: float  # share of lines with a category (not abstained)
    accuracy: float  # primary right, abstentions count as misses
    macro_f1: float  # primary, over the gold classes, abstentions count as misses
    detailed_accuracy: float
    per_class_f1: dict[str, float] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)


def score(
    gold_primary: Sequence[str],
    gold_detailed: Sequence[str | None],
    results: Sequence[Categorization],
) -> Scores:
    """Score ``results`` against the gold labels (same order and length)."""
    if not (len(gold_primary) == len(gold_detailed) == len(results)):
        raise ValueError("gold labels and results must have the same length")
    total = len(results)
    if total == 0:
        return Scores(0, 0.0, 0.0, 0.0, 0.0)
    predicted = [r.primary or "<abstain>" for r in results]
    true_positive: Counter[str] = Counter()
    predicted_count: Counter[str] = Counter(predicted)
    gold_count: Counter[str] = Counter(gold_primary)
    for gold, guess in zip(gold_primary, predicted, strict=True):
        if gold == guess:
            true_positive[gold] += 1
    per_class: dict[str, float] = {}
    for label in sorted(gold_count):
        precision = true_positive[label] / predicted_count[label] if predicted_count[label] else 0.0
        recall = true_positive[label] / gold_count[label]
        per_class[label] = (
            2 * precision * recall / (precision + recall) if precision + recall else 0.0
        )
    detailed_known = [(g, r) for g, r in zip(gold_detailed, results, strict=True) if g]
    detailed_accuracy = (
        sum(g == r.detailed for g, r in detailed_known) / len(detailed_known)
        if detailed_known
        else 0.0
    )
    return Scores(
        lines=total,
        coverage=sum(r.primary is not None for r in results) / total,
        accuracy=sum(true_positive.values()) / total,
        macro_f1=sum(per_class.values()) / len(per_class),
        detailed_accuracy=detailed_accuracy,
        per_class_f1=per_class,
        sources=dict(Counter(r.source.split(":")[0] for r in results).most_common()),
    )
