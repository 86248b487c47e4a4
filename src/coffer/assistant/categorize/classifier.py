"""The statistical classifier: character and word n-grams of the descriptor plus direction,
amount and currency, into a linear model over the detailed categories.

It is trained on the synthetic training set (``synthetic.generate("train")``), optionally
with a customer's corrections, deterministically, in a few seconds; the fitted model is cached
as a file keyed by the scikit-learn version and a hash of the data it was built from, so later
runs load it in well under a second. Features have one definition (``features``) for training
and serving.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coffer.assistant.categorize.normalize import clean_descriptor, fold
from coffer.assistant.categorize.pipeline import Predictor
from coffer.assistant.categorize.schemas import StatementLine
from coffer.assistant.taxonomy import primary_of

FEATURE_VERSION = "4"
DEFAULT_TEMPERATURE = 4.0
TRAINING_PER_CATEGORY = 90
TRAINING_SEED = 7
_ZERO_DECIMAL = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "HUF", "TWD", "IDR", "UGX", "XOF", "XAF"})


def _amount_bucket(line: StatementLine) -> str:
    scale = 0 if line.currency in _ZERO_DECIMAL else 2
    major = line.amount / (10**scale) if line.amount else 0.0
    if line.currency in ("JPY", "KRW", "IDR", "VND", "HUF"):
        major /= 100
    elif line.currency in ("CNY", "PLN", "SEK", "NOK", "DKK", "CZK", "HKD"):
        major /= 5
    bucket = 0 if major <= 1 else min(6, int(math.log10(major) * 2))
    return f"amt{bucket}"


def features(line: StatementLine) -> tuple[str, str]:
    """(the cleaned descriptor for character n-grams, words and meta tokens)."""
    cleaned = fold(clean_descriptor(line.description))
    meta = f"dir{line.direction} {_amount_bucket(line)} cur{line.currency.lower() or 'none'}"
    if line.mcc:
        meta += f" mcc{line.mcc} mccg{line.mcc[:2]}"
    return cleaned or "empty", f"{fold(line.description)} {meta}"


class TextClassifier(Predictor):
    """A fitted model: two TF-IDF vectorizers (character n-grams of the cleaned descriptor;
    words and meta tokens of the whole line) and a complement naive Bayes over the detailed
    categories, whose scores become probabilities through a softmax at ``temperature``."""

    def __init__(self, chars: Any, words: Any, model: Any, temperature: float) -> None:
        self.chars = chars
        self.words = words
        self.model = model
        self.temperature = temperature
        self.classes = [str(c) for c in model.classes_]
        primaries = sorted({primary_of(c) for c in self.classes})
        self._primaries = primaries
        index = {p: i for i, p in enumerate(primaries)}
        self._class_primary = [index[primary_of(c)] for c in self.classes]

    def _matrix(self, lines: Sequence[StatementLine]) -> Any:
        from scipy.sparse import hstack

        pairs = [features(line) for line in lines]
        return hstack(
            [
                self.chars.transform([p[0] for p in pairs]),
                self.words.transform([p[1] for p in pairs]),
            ]
        ).tocsr()

    def probabilities(self, lines: Sequence[StatementLine]) -> Any:
        """Rows of probabilities over ``classes``."""
        import numpy as np

        scores = self.model.predict_joint_log_proba(self._matrix(lines)) * self.temperature
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, lines: Sequence[StatementLine]) -> list[tuple[str, float]]:
        if not lines:
            return []
        import numpy as np

        probabilities = self.probabilities(lines)
        mapping = np.zeros((len(self.classes), len(self._primaries)), dtype=probabilities.dtype)
        mapping[np.arange(len(self.classes)), self._class_primary] = 1.0
        by_primary = probabilities @ mapping
        best_primary = by_primary.argmax(axis=1)
        allowed = mapping[:, best_primary].T > 0
        best_detailed = np.where(allowed, probabilities, -1.0).argmax(axis=1)
        return [
            (self.classes[int(d)], float(by_primary[row, int(p)]))
            for row, (d, p) in enumerate(zip(best_detailed, best_primary, strict=True))
        ]


def _vectorizers() -> tuple[Any, Any]:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    chars = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 4), min_df=2, sublinear_tf=True, dtype=np.float32
    )
    words = TfidfVectorizer(
        analyzer="word", token_pattern=r"(?u)\b\w+\b", sublinear_tf=True, dtype=np.float32
    )
    return chars, words


def train(
    examples: Sequence[tuple[StatementLine, str]] | None = None,
    *,
    temperature: float | None = None,
) -> TextClassifier:
    """Fit the classifier on ``examples`` (default: the shipped synthetic training set)."""
    from scipy.sparse import hstack
    from sklearn.naive_bayes import ComplementNB

    if examples is None:
        from coffer.assistant.categorize.synthetic import generate

        examples = list(generate("train", per_category=TRAINING_PER_CATEGORY, seed=TRAINING_SEED))
    pairs = [features(line) for line, _ in examples]
    labels = [label for _, label in examples]
    chars, words = _vectorizers()
    matrix = hstack(
        [chars.fit_transform([p[0] for p in pairs]), words.fit_transform([p[1] for p in pairs])]
    ).tocsr()
    model = ComplementNB(alpha=0.3)
    model.fit(matrix, labels)
    return TextClassifier(chars, words, model, temperature or DEFAULT_TEMPERATURE)


def _data_fingerprint() -> str:
    import sklearn

    digest = hashlib.sha256()
    digest.update(f"{FEATURE_VERSION}:{TRAINING_PER_CATEGORY}:{TRAINING_SEED}:{sklearn.__version__}".encode())
    here = Path(__file__).parent
    for name in sorted(os.listdir(here)):
        if name.endswith(".py"):
            digest.update(name.encode())
            digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


def load_or_train(cache_dir: str | None) -> TextClassifier:
    """The shipped classifier: from the cache when there, else trained now and cached."""
    if cache_dir is None:
        return train()
    folder = Path(cache_dir).expanduser()
    path = folder / f"categorizer-{_data_fingerprint()}.pickle"
    if path.exists():
        try:
            with path.open("rb") as handle:
                loaded = pickle.load(handle)
            if isinstance(loaded, TextClassifier):
                return loaded
        except Exception:  # a corrupt or foreign cache file: train again
            pass
    model = train()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".tmp") as handle:
            pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
    except OSError:
        pass  # a read-only cache folder: keep the model in memory only
    return model
