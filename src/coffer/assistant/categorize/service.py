"""Categorization as the rest of Coffer calls it: lines in, categories out (no SQL, no HTTP)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from coffer.assistant.categorize.classifier import TextClassifier, load_or_train
from coffer.assistant.categorize.pipeline import Predictor, categorize
from coffer.assistant.categorize.schemas import (
    Categorization,
    CategorizationContext,
    StatementLine,
)
from coffer.settings import Settings, get_settings


@lru_cache(maxsize=4)
def shipped_classifier(cache_dir: str) -> TextClassifier:
    """The classifier trained on the shipped synthetic data (cached on disk and per process)."""
    return load_or_train(cache_dir or None)


class _LazyClassifier(Predictor):
    """Loads (or trains) the shipped classifier only when a line reaches it."""

    def __init__(self, cache_dir: str) -> None:
        self.cache_dir = cache_dir

    def predict(self, lines: Sequence[StatementLine]) -> list[tuple[str, float]]:
        return shipped_classifier(self.cache_dir).predict(lines)

    def threshold(self) -> float | None:
        return shipped_classifier(self.cache_dir).threshold()


def categorize_lines(
    lines: Sequence[StatementLine],
    context: CategorizationContext | None = None,
    *,
    settings: Settings | None = None,
    use_classifier: bool = True,
) -> list[Categorization]:
    """Categorize statement lines, one result per line in order."""
    settings = settings or get_settings()
    predictor = _LazyClassifier(settings.assistant_model_cache_dir) if use_classifier else None
    return categorize(
        lines,
        context,
        predictor=predictor,
        min_confidence=settings.assistant_categorize_min_confidence,
    )


def categorize_mappings(lines: Sequence[Mapping[str, Any]]) -> list[Categorization]:
    """The pipeline with the shipped classifier, for lines given as mappings shaped like the
    ``coffer assistant categorize`` input (the assistant's ``Categorizer`` interface)."""
    return categorize_lines([StatementLine.from_json(line) for line in lines])
