"""A customer's corrections as a classifier: the nearest corrected line decides.

The shipped classifier is trained once on synthetic data. What a customer corrects is
learned here, per customer: each corrected line becomes an example (character n-grams of
its cleaned descriptor, as the shipped classifier sees them), and a new line whose
descriptor is close enough to one example (cosine similarity at or above ``threshold``, same
direction) takes the example's category. So after one correction of "KIOSK ZUM GLUECK 12
HAMBURG" to groceries, "KIOSK ZUM GLUECK 7 HAMBURG KARTE" is groceries too, while unrelated
lines are left to the rest of the pipeline.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from coffer.assistant.categorize.normalize import clean_descriptor, fold
from coffer.assistant.categorize.schemas import StatementLine

DEFAULT_THRESHOLD = 0.6
"""Cosine similarity of character n-grams at or above which a corrected example decides."""


def _grams(line: StatementLine) -> Counter[str]:
    cleaned = fold(clean_descriptor(line.description)) or fold(line.description)
    grams: Counter[str] = Counter()
    for word in cleaned.split(" ") if cleaned else ():
        padded = f" {word} "
        for size in (3, 4):
            grams.update(padded[i : i + size] for i in range(len(padded) - size + 1))
    return grams


@dataclass(frozen=True, slots=True)
class Neighbour:
    """The category of the closest corrected example and how similar it is (0..1)."""

    detailed: str
    similarity: float


class CorrectionModel:
    """Nearest-example classifier over a customer's corrected lines (an inverted index of
    n-grams, so a line costs only the examples sharing one of its n-grams)."""

    def __init__(
        self,
        examples: Sequence[tuple[StatementLine, str]],
        *,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        self.threshold = threshold
        self._categories: list[str] = []
        self._directions: list[str] = []
        self._norms: list[float] = []
        self._postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for line, detailed in examples:
            grams = _grams(line)
            if not grams:
                continue
            index = len(self._categories)
            self._categories.append(detailed)
            self._directions.append(line.direction)
            self._norms.append(math.sqrt(sum(n * n for n in grams.values())))
            for gram, count in grams.items():
                self._postings[gram].append((index, count))

    def __len__(self) -> int:
        return len(self._categories)

    def nearest(self, line: StatementLine) -> Neighbour | None:
        """The closest example of the same direction at or above the threshold, or None.
        Ties go to the latest correction."""
        if not self._categories:
            return None
        grams = _grams(line)
        if not grams:
            return None
        dots: dict[int, float] = defaultdict(float)
        for gram, count in grams.items():
            for index, other in self._postings.get(gram, ()):
                dots[index] += count * other
        norm = math.sqrt(sum(n * n for n in grams.values()))
        best: tuple[float, int] | None = None
        for index, dot in dots.items():
            if self._directions[index] != line.direction:
                continue
            similarity = dot / (norm * self._norms[index])
            if best is None or (similarity, index) >= best:
                best = (similarity, index)
        if best is None or best[0] < self.threshold:
            return None
        return Neighbour(self._categories[best[1]], min(1.0, best[0]))
