"""The statistical classifier: TF-IDF of character n-grams (of the cleaned descriptor) and of
words and meta tokens (direction, amount bucket, currency, MCC) of the whole line, into a
complement naive Bayes over the detailed categories, written with numpy alone, times an
amount prior P(amount bucket | primary) for the primary's probability.

It is trained on the shipped synthetic training set (``synthetic.generate("train")``),
deterministically, with its confidence calibrated by cross-fitting (``calibration``: three
fits sharing the lines' features and a validation pass, some 6.5 s of CPU), or on given
examples (uncalibrated); the fitted weights are cached as an ``.npz`` file keyed by a hash of the code
and data they were built from, so later runs load them in a fraction of a second. Features
have one definition (``features``) for training and serving.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from contextlib import suppress
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from coffer.assistant.categorize.calibration import Calibration, Model
from coffer.assistant.categorize.normalize import CHANNELS, channel, clean_descriptor, fold
from coffer.assistant.categorize.schemas import StatementLine
from coffer.assistant.taxonomy import primary_of

FEATURE_VERSION = "8"
TRAINING_PER_CATEGORY = 240
TRAINING_SEED = 7
DEFAULT_TEMPERATURE = 4.0
ALPHA = 0.3
AMOUNT_BUCKETS = 24
_ZERO_DECIMAL = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "HUF", "TWD", "IDR", "UGX", "XOF"})
_SMALL_UNIT = frozenset({"JPY", "KRW", "IDR", "VND", "HUF"})
_MID_UNIT = frozenset({"CNY", "PLN", "SEK", "NOK", "DKK", "CZK", "HKD"})


def _major(line: StatementLine) -> float:
    """The amount in major units, scaled so that currencies of small units compare."""
    scale = 0 if line.currency in _ZERO_DECIMAL else 2
    major = line.amount / (10**scale) if line.amount else 0.0
    if line.currency in _SMALL_UNIT:
        major /= 100
    elif line.currency in _MID_UNIT:
        major /= 5
    return major


def _amount_bucket(line: StatementLine) -> str:
    major = _major(line)
    bucket = 0 if major <= 1 else min(6, int(math.log10(major) * 2))
    return f"amt{bucket}"


def amount_index(line: StatementLine) -> int:
    """The amount's bucket for the amount prior: a quarter of a decade of major units."""
    major = _major(line)
    return 0 if major <= 1 else min(AMOUNT_BUCKETS - 1, int(math.log10(major) * 4))


def evidence_index(line: StatementLine) -> int:
    """The row of the amount prior: the amount's bucket within the line's channel."""
    return amount_index(line) + AMOUNT_BUCKETS * CHANNELS.index(channel(line.description))


def features(line: StatementLine) -> tuple[list[str], list[str]]:
    """(character n-grams of the cleaned descriptor, words and meta tokens of the line)."""
    cleaned = fold(clean_descriptor(line.description))
    chars: list[str] = []
    for word in cleaned.split(" ") if cleaned else ():
        padded = f" {word} "
        for size in (2, 3, 4):
            if len(padded) < size:
                break
            chars.extend(padded[i : i + size] for i in range(len(padded) - size + 1))
    tokens = [w for w in (cleaned or fold(line.description)).split(" ") if w]
    tokens += [f"{a} {b}" for a, b in pairwise(tokens)]
    tokens.extend(
        (
            f"dir{line.direction}",
            _amount_bucket(line),
            f"cur{line.currency.lower() or 'none'}",
            f"ch{channel(line.description) or 'none'}",
        )
    )
    if line.mcc:
        tokens.extend((f"mcc{line.mcc}", f"mccg{line.mcc[:2]}"))
    return chars, tokens


class _Block:
    """One TF-IDF block: vocabulary, inverse document frequencies; sublinear tf, l2 rows."""

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray, offset: int) -> None:
        self.vocabulary = vocabulary
        self.idf = idf
        self.offset = offset


def _fit_block(documents: Sequence[list[str]], min_df: int, offset: int) -> _Block:
    df: Counter[str] = Counter()
    for items in documents:
        df.update(set(items))
    kept = sorted(t for t, n in df.items() if n >= min_df)
    vocabulary = {t: i for i, t in enumerate(kept)}
    total = len(documents)
    idf = np.array([math.log((1 + total) / (1 + df[t])) + 1.0 for t in kept], dtype=np.float64)
    return _Block(vocabulary, idf, offset)


def _block_entries(
    block: _Block, documents: Sequence[list[str]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row of each entry, feature id, tf-idf value, l2-normalized per row and block). A row's
    entries come in the order of their first occurrence, so that sums add up as in a loop."""
    vocabulary = block.vocabulary
    size = max(1, len(vocabulary))
    found = np.fromiter(
        (vocabulary.get(item, -1) for items in documents for item in items),
        dtype=np.int64,
        count=sum(len(items) for items in documents),
    )
    owners = np.repeat(np.arange(len(documents), dtype=np.int64), [len(d) for d in documents])
    known = found >= 0
    keys, first, counts = np.unique(
        owners[known] * size + found[known], return_index=True, return_counts=True
    )
    order = np.argsort(first)
    keys, counts = keys[order], counts[order]
    row_array, id_array = keys // size, keys % size
    values = (1.0 + np.log(counts.astype(np.float64))) * block.idf[id_array]
    norms = np.sqrt(np.bincount(row_array, weights=values * values, minlength=len(documents)))
    norms[norms == 0] = 1.0
    return row_array, id_array + block.offset, values / norms[row_array]


class TextClassifier(Model):
    """Fitted weights: two TF-IDF blocks and complement naive Bayes log-weights per class."""

    def __init__(
        self,
        chars: _Block,
        words: _Block,
        weights: np.ndarray,
        classes: list[str],
        temperature: float = DEFAULT_TEMPERATURE,
        calibration: Calibration | None = None,
        amount_prior: np.ndarray | None = None,
    ) -> None:
        self.calibration = calibration
        self.amount_prior = amount_prior  # log P(amount bucket | primary), (buckets, primaries)
        self.chars = chars
        self.words = words
        self.weights = weights  # (features, classes), float32
        self.classes = classes
        self.temperature = temperature
        primaries = sorted({primary_of(c) for c in classes})
        self._primaries = primaries
        index = {p: i for i, p in enumerate(primaries)}
        mapping = np.zeros((len(classes), len(primaries)), dtype=np.float64)
        mapping[np.arange(len(classes)), [index[primary_of(c)] for c in classes]] = 1.0
        self._mapping = mapping

    def scores(self, lines: Sequence[StatementLine]) -> np.ndarray:
        """Naive Bayes scores, one row per line, one column per class."""
        out = np.zeros((len(lines), len(self.classes)), dtype=np.float64)
        for start in range(0, len(lines), 512):  # bounded temporary arrays
            batch = lines[start : start + 512]
            pairs = [features(line) for line in batch]
            for block, documents in (
                (self.chars, [p[0] for p in pairs]),
                (self.words, [p[1] for p in pairs]),
            ):
                rows, ids, values = _block_entries(block, documents)
                if len(ids) == 0:
                    continue
                contribution = self.weights[ids] * values[:, None].astype(np.float32)
                boundaries = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
                sums = np.add.reduceat(contribution, boundaries, axis=0)
                out[start + rows[boundaries]] += sums
        return out

    def probabilities(self, lines: Sequence[StatementLine]) -> np.ndarray:
        """Rows of probabilities over ``classes``."""
        scores = self.scores(lines) * self.temperature
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        probabilities: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
        return probabilities

    def _direction_masks(self) -> tuple[np.ndarray, np.ndarray]:
        """Classes a debit may have (no money in) and a credit may have (no money out)."""
        debit = np.array([not c.startswith(("INCOME", "TRANSFER_IN")) for c in self.classes])
        credit = np.array([not c.startswith("TRANSFER_OUT") for c in self.classes])
        return debit, credit

    def predict(self, lines: Sequence[StatementLine]) -> list[tuple[str, float]]:
        if not lines:
            return []
        probabilities = self.probabilities(lines)
        debit, credit = self._direction_masks()
        masks = np.vstack([debit if line.direction == "debit" else credit for line in lines])
        probabilities = np.where(masks, probabilities, 0.0)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        by_primary = probabilities @ self._mapping
        if self.amount_prior is not None:
            # The amount's evidence, beside the text's: decisive when the name says nothing.
            by_primary = by_primary * np.exp(
                self.amount_prior[[evidence_index(line) for line in lines]]
            )
            by_primary /= by_primary.sum(axis=1, keepdims=True)
        best_primary = by_primary.argmax(axis=1)
        allowed = self._mapping[:, best_primary].T > 0
        best_detailed = np.where(allowed, probabilities, -1.0).argmax(axis=1)
        confidence = by_primary[np.arange(len(lines)), best_primary]
        if self.calibration is not None:
            confidence = self.calibration.apply(confidence, self.unknown_words(lines))
        return [
            (self.classes[int(d)], float(c)) for d, c in zip(best_detailed, confidence, strict=True)
        ]

    def unknown_words(self, lines: Sequence[StatementLine]) -> np.ndarray:
        """Whether each line has a word of its cleaned descriptor the model never saw (the
        calibration's strata: an unseen name is harder than a known template)."""
        vocabulary = self.words.vocabulary
        return np.array(
            [
                any(w not in vocabulary for w in fold(clean_descriptor(line.description)).split())
                for line in lines
            ],
            dtype=bool,
        )

    def threshold(self) -> float | None:
        return None if self.calibration is None else self.calibration.threshold

    def save(self, path: Path) -> None:
        """Write the weights to ``path`` (an .npz file), atomically."""
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {
            "char_terms": np.array(list(self.chars.vocabulary), dtype=str),
            "char_idf": self.chars.idf,
            "word_terms": np.array(list(self.words.vocabulary), dtype=str),
            "word_idf": self.words.idf,
            "weights": self.weights.astype(np.float16),  # exact: trained weights are rounded
            "classes": np.array(self.classes, dtype=str),
            "temperature": np.array([self.temperature]),
        }
        if self.amount_prior is not None:
            arrays["amount_prior"] = self.amount_prior
        if self.calibration is not None:
            arrays["knots"] = self.calibration.knots
            arrays["values"] = self.calibration.values
            arrays["threshold"] = np.array([self.calibration.threshold])
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".npz") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type]
        os.replace(handle.name, path)

    @classmethod
    def load(cls, path: Path) -> TextClassifier:
        with np.load(path, allow_pickle=False) as data:
            char_terms = [str(t) for t in data["char_terms"]]
            word_terms = [str(t) for t in data["word_terms"]]
            chars = _Block({t: i for i, t in enumerate(char_terms)}, data["char_idf"], 0)
            words = _Block(
                {t: i for i, t in enumerate(word_terms)}, data["word_idf"], len(char_terms)
            )
            calibration = (
                Calibration(data["knots"], data["values"], float(data["threshold"][0]))
                if "knots" in data.files
                else None
            )
            return cls(
                chars,
                words,
                np.ascontiguousarray(data["weights"], dtype=np.float32),
                [str(c) for c in data["classes"]],
                float(data["temperature"][0]),
                calibration,
                data["amount_prior"] if "amount_prior" in data.files else None,
            )


def train(
    examples: Sequence[tuple[StatementLine, str]] | None = None,
    *,
    temperature: float = DEFAULT_TEMPERATURE,
) -> TextClassifier:
    """Fit the classifier on ``examples``; by default on the shipped synthetic training set,
    with its confidence calibrated by cross-fitting (``calibration``)."""
    if examples is not None:
        return _fit(examples, temperature)
    from coffer.assistant.categorize import calibration
    from coffer.assistant.categorize.synthetic import generate_with_brands

    training = list(
        generate_with_brands("train", per_category=TRAINING_PER_CATEGORY, seed=TRAINING_SEED)
    )
    validation = list(
        generate_with_brands(
            "train",
            per_category=calibration.VALIDATION_PER_CATEGORY,
            seed=calibration.VALIDATION_SEED,
        )
    )
    # Each line's features once: the cross-fitting's models train on subsets of these lines.
    known = {id(line): features(line) for line, _, _ in training}
    model = _fit([(x, d) for x, d, _ in training], temperature, known)
    model.calibration = calibration.fit(
        training, validation, lambda subset: _fit(subset, temperature, known)
    )
    return model


def _fit(
    examples: Sequence[tuple[StatementLine, str]],
    temperature: float,
    known: dict[int, tuple[list[str], list[str]]] | None = None,
) -> TextClassifier:
    """Complement naive Bayes weights of ``examples``; ``known``: features by line id()."""
    known = known or {}
    pairs = [known.get(id(line)) or features(line) for line, _ in examples]
    chars = _fit_block([p[0] for p in pairs], min_df=2, offset=0)
    words = _fit_block([p[1] for p in pairs], min_df=1, offset=len(chars.vocabulary))
    classes = sorted({label for _, label in examples})
    class_index = {c: i for i, c in enumerate(classes)}
    labels = np.array([class_index[label] for _, label in examples], dtype=np.int64)
    size = len(chars.vocabulary) + len(words.vocabulary)
    counts = np.zeros((len(classes), size), dtype=np.float64)
    for block, documents in ((chars, [p[0] for p in pairs]), (words, [p[1] for p in pairs])):
        rows, ids, values = _block_entries(block, documents)
        np.add.at(counts, (labels[rows], ids), values)  # in line order, as a loop would add
    complement = counts.sum(axis=0, keepdims=True) - counts + ALPHA
    logged = np.log(complement / complement.sum(axis=1, keepdims=True))
    # Rounded to half precision, as they are stored: a cached model scores like a fresh one.
    weights = np.ascontiguousarray((-logged).T.astype(np.float16).astype(np.float32))
    model = TextClassifier(chars, words, weights, classes, temperature)
    model.amount_prior = _fit_amount_prior(examples, model._primaries)
    return model


def _fit_amount_prior(
    examples: Sequence[tuple[StatementLine, str]], primaries: list[str]
) -> np.ndarray:
    """log P(amount bucket, channel | primary), add-one smoothed, from the training examples:
    a card purchase is no bank fee, wage or transfer, whatever its amount."""
    index = {p: i for i, p in enumerate(primaries)}
    counts = np.ones((AMOUNT_BUCKETS * len(CHANNELS), len(primaries)), dtype=np.float64)
    for line, detailed in examples:
        counts[evidence_index(line), index[primary_of(detailed)]] += 1
    joint = counts / counts.sum(axis=0, keepdims=True)
    # No channel recognised is no evidence about the channel (a bank format the list does not
    # know): the amount's evidence alone, summed over the channels.
    joint[:AMOUNT_BUCKETS] = joint.reshape(len(CHANNELS), AMOUNT_BUCKETS, -1).sum(axis=0)
    prior: np.ndarray = np.log(joint)
    return prior


def _fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update(f"{FEATURE_VERSION}:{TRAINING_PER_CATEGORY}:{TRAINING_SEED}:{ALPHA}".encode())
    here = Path(__file__).parent
    for name in sorted(os.listdir(here)):
        if name.endswith(".py"):
            digest.update(name.encode())
            digest.update((here / name).read_bytes())
    # The packaged data the training set is built from (word lists, dictionary, MCCs).
    data = resources.files("coffer.assistant.data")
    for entry in sorted(data.iterdir(), key=lambda item: item.name):
        if entry.name.endswith((".txt", ".tsv")):
            digest.update(entry.name.encode())
            digest.update(entry.read_bytes())
    return digest.hexdigest()[:16]


def load_or_train(cache_dir: str | None) -> TextClassifier:
    """The shipped classifier: from the cache when there, else trained now and cached."""
    if not cache_dir:
        return train()
    path = Path(cache_dir).expanduser() / f"categorizer-{_fingerprint()}.npz"
    if path.exists():
        try:
            return TextClassifier.load(path)
        except (OSError, ValueError, KeyError):
            pass  # a corrupt or foreign cache file: train again
    model = train()
    with suppress(OSError):  # a read-only cache folder: keep the model in memory only
        model.save(path)
        for stale in path.parent.glob("categorizer-*.npz"):
            if stale != path:
                stale.unlink(missing_ok=True)
    return model


def model_info(model: Any) -> dict[str, Any]:
    """Sizes of a fitted model (for docs and the train command)."""
    return {
        "classes": len(model.classes),
        "features": int(model.weights.shape[0]),
        "temperature": model.temperature,
        "threshold": None if model.calibration is None else model.calibration.threshold,
    }
