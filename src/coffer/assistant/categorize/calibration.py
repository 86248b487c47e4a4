"""Calibration of the classifier's confidence on brands it never saw, and the abstention
threshold chosen on a validation fold.

The classifier's raw probability says how well a line fits the training data, not how often
it is right: a brand name it never saw can share character n-grams with one category's
training names and come out at 0.99. So the confidence it reports is mapped through an
isotonic regression of "primary right" on the raw probability, fitted on data the model was
not trained on (cross-fitting):

1. the dictionary's brands of the training split are split into ``FOLDS`` folds (by a hash
   of the name);
2. for each fold, a model is trained on the training set without the lines of that fold's
   brands, and categorizes, through the whole pipeline, a validation set (the training
   generator with another seed) in which the dictionary ignores those brands: the lines
   that reach the classifier are what a real line of an unseen merchant looks like;
3. the raw probabilities and outcomes of all folds give the isotonic map (pool adjacent
   violators), stored with the model and applied to every prediction;
4. on the same validation lines, with calibrated confidences, the threshold that maximises
   primary macro-F1 at a coverage of at least ``MIN_COVERAGE``, over all lines and over the
   unseen-brand ones, is the abstention threshold. ``MIN_COVERAGE`` keeps a margin above the
   90% that matters: lines of a bank or a country the generator does not know reach the
   classifier more often than the validation lines do, and an abstention is a miss too.

Neither the held-out synthetic set (its brands, names and templates) nor the hand-written
sets of ``bench/data`` take part.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from coffer.assistant.categorize.pipeline import Predictor, categorize
from coffer.assistant.categorize.schemas import Categorization, StatementLine
from coffer.assistant.taxonomy import primary_of

FOLDS = 2
VALIDATION_PER_CATEGORY = 40
VALIDATION_SEED = 8
MIN_COVERAGE = 0.95
_GRID = [round(0.01 * i, 2) for i in range(0, 71)]

Labelled = tuple[StatementLine, str, str | None]  # line, detailed category, brand or None


@dataclass(frozen=True, slots=True)
class Calibration:
    """Monotone maps of raw probabilities to estimated accuracy, one for lines whose words
    the model all knows and one for lines with a word it never saw; and the threshold."""

    knots: np.ndarray  # (2, n) raw probabilities, increasing per row (padded by repeats)
    values: np.ndarray  # (2, n) estimated accuracy at each knot, non-decreasing
    threshold: float

    def apply(self, raw: np.ndarray, unknown: np.ndarray) -> np.ndarray:
        if self.knots.shape[1] == 0:
            return raw
        mapped = np.array(raw, dtype=np.float64)
        for row in (0, 1):
            chosen = unknown == bool(row)
            mapped[chosen] = np.interp(raw[chosen], self.knots[row], self.values[row])
        return mapped


def isotonic(x: Sequence[float], y: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Pool adjacent violators: the non-decreasing step fit of ``y`` on ``x``, as knots
    (mean ``x`` of each block) and values (mean ``y`` of each block)."""
    order = np.argsort(np.asarray(x, dtype=np.float64), kind="stable")
    xs = np.asarray(x, dtype=np.float64)[order]
    ys = np.asarray(y, dtype=np.float64)[order]
    sums_x: list[float] = []
    sums_y: list[float] = []
    counts: list[int] = []
    for xi, yi in zip(xs, ys, strict=True):
        sums_x.append(float(xi))
        sums_y.append(float(yi))
        counts.append(1)
        while len(counts) > 1 and sums_y[-2] / counts[-2] >= sums_y[-1] / counts[-1]:
            last_y, last_x, last_n = sums_y.pop(), sums_x.pop(), counts.pop()
            sums_y[-1] += last_y
            sums_x[-1] += last_x
            counts[-1] += last_n
    n = np.asarray(counts, dtype=np.float64)
    return np.asarray(sums_x) / n, np.asarray(sums_y) / n


def brand_fold(brand: str) -> int:
    return zlib.crc32(brand.encode()) % FOLDS


class Model(Predictor):
    """What calibration needs of a classifier besides its predictions."""

    def unknown_words(self, lines: Sequence[StatementLine]) -> np.ndarray:
        """Whether each line has a word the model never saw."""
        raise NotImplementedError


class _Recorder(Predictor):
    """A predictor that remembers its raw predictions and the lines' strata by line id."""

    def __init__(self, inner: Model) -> None:
        self.inner = inner
        self.raw: dict[str, tuple[float, bool]] = {}

    def predict(self, lines: Sequence[StatementLine]) -> list[tuple[str, float]]:
        predicted = self.inner.predict(lines)
        unknown = self.inner.unknown_words(lines)
        self.raw.update(
            (line.id, (p[1], bool(u))) for line, p, u in zip(lines, predicted, unknown, strict=True)
        )
        return predicted


def macro_f1(gold: Sequence[str], predicted: Sequence[str | None]) -> float:
    """Primary macro-F1 over the gold classes, an abstention (None) a miss."""
    hits: Counter[str] = Counter(g for g, p in zip(gold, predicted, strict=True) if g == p)
    guessed: Counter[str | None] = Counter(predicted)
    total = 0.0
    gold_count = Counter(gold)
    for label, count in gold_count.items():
        precision = hits[label] / guessed[label] if guessed[label] else 0.0
        recall = hits[label] / count
        total += 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return total / len(gold_count)


def choose_threshold(
    gold: Sequence[str],
    results: Sequence[Categorization],
    hard: Sequence[bool],
    min_coverage: float = MIN_COVERAGE,
) -> float:
    """The threshold of ``_GRID`` with the best macro-F1 at a coverage of at least
    ``min_coverage`` both over all lines and over the ``hard`` ones (unseen brands)."""
    best = (-1.0, 0.0)
    hard_total = sum(hard)
    for threshold in _GRID:
        predicted = [
            r.primary if r.primary is not None and r.confidence >= threshold else None
            for r in results
        ]
        covered = sum(p is not None for p in predicted)
        hard_covered = sum(p is not None for p, h in zip(predicted, hard, strict=True) if h)
        if covered < min_coverage * len(results) or hard_covered < min_coverage * hard_total:
            break
        f1 = macro_f1(gold, predicted)
        if f1 > best[0] + 1e-9:
            best = (f1, threshold)
    return best[1]


def fit(
    training: Sequence[Labelled],
    validation: Sequence[Labelled],
    train: Callable[[list[tuple[StatementLine, str]]], Model],
) -> Calibration:
    """Cross-fitted calibration and threshold (see the module docstring)."""
    raw: list[tuple[float, bool]] = []
    right: list[float] = []
    gold: list[str] = []
    hard: list[bool] = []
    stratum: dict[str, bool] = {}
    results: list[Categorization] = []
    for fold in range(FOLDS):
        model = _Recorder(
            train([(x, d) for x, d, b in training if b is None or brand_fold(b) != fold])
        )
        # This fold's unseen brands, and every other line once (spread over the folds).
        part = [
            (x, d, b)
            for i, (x, d, b) in enumerate(validation)
            if (brand_fold(b) if b is not None else i % FOLDS) == fold
        ]
        unknown = {x.id for x, _, b in part if b is not None}
        found = categorize(
            [x for x, _, _ in part], predictor=model, min_confidence=0.0, unknown_brands=unknown
        )
        for (line, detailed, _), result in zip(part, found, strict=True):
            gold.append(primary_of(detailed))
            hard.append(line.id in unknown)
            results.append(result)
            if result.source.endswith("classifier") and line.id in model.raw:
                raw.append(model.raw[line.id])
                stratum[line.id] = model.raw[line.id][1]
                right.append(float(result.primary == primary_of(detailed)))
    maps = [
        _fit_map([(r, y) for (r, u), y in zip(raw, right, strict=True) if u == row])
        for row in (False, True)
    ]
    width = max(len(k) for k, _ in maps)
    knots = np.vstack([np.pad(k, (0, width - len(k)), mode="edge") for k, _ in maps])
    values = np.vstack([np.pad(v, (0, width - len(v)), mode="edge") for _, v in maps])
    calibration = Calibration(knots, values, 0.0)
    adjusted = [
        _recalibrated(r, calibration, stratum[r.id]) if r.id in stratum else r for r in results
    ]
    return Calibration(knots, values, choose_threshold(gold, adjusted, hard))


def _fit_map(points: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    if not points:
        return np.array([0.0, 1.0]), np.array([0.0, 1.0])  # identity
    knots, values = isotonic([x for x, _ in points], [y for _, y in points])
    knots, first = np.unique(knots, return_index=True)  # np.interp wants increasing knots
    return knots, np.maximum.reduceat(values, first)


def _recalibrated(
    result: Categorization, calibration: Calibration, unknown: bool
) -> Categorization:
    confidence = calibration.apply(np.array([result.confidence]), np.array([unknown]))
    return Categorization(
        result.id,
        result.primary,
        result.detailed,
        float(confidence[0]),
        result.merchant,
        result.source,
    )
