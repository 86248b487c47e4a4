"""Typo-tolerant phrase matching over a small vocabulary, without dependencies.

A phrase of the vocabulary matches a run of words of the question when their
Damerau-Levenshtein distance is small for their length (0 up to 3 letters, 1 up to 6,
2 beyond). Chinese phrases match as substrings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORD = re.compile(r"[a-z0-9][a-z0-9'&]*")
CJK = re.compile(r"[\u4e00-\u9fff]")
# words of money questions that are no typo of a category or merchant ("looking" is not
# "lodging", "interest" not "internet")
_COMMON = """looking look looks interest spending spend spent expensive money month months monthly
    week weeks weekly year years yearly daily total much many what where when which while
    there their these those going doing being having getting paying paid cost costs costing
    left last this that with from into over under since between about after before during
    always usually average compared compare more less most least biggest largest higher lower
    increase decrease budget budgets goal goals saving savings saved save income earned earn
    balance account accounts wallet subscriptions subscription recurring afford enough still
    again every each other others things thing stuff buying bought purchases purchase
    transactions transaction payments payment charges charged tell show give list please
    thanks could would should might right really lately recently currently overall altogether
    together including without happened happen explain expect forecast predict likely typical
    typically expenses expense outgoings status track progress category categories merchant
    merchants store stores shop shops spends spending's total's amount amounts match
    matches watch mayor junior julia april's"""
COMMON_WORDS = frozenset(_COMMON.split())
SPLIT_INFIX = "[了过完几次个一两三四五六七八九十多少回趟顿的些点]{1,4}"


def distance(a: str, b: str, bound: int) -> int:
    """Optimal-string-alignment distance of ``a`` and ``b``, or ``bound + 1`` beyond."""
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        low = current[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            low = min(low, value)
        if low > bound:
            return bound + 1
        previous2, previous = previous, current
    return previous[-1]


def allowed_errors(phrase: str) -> int:
    length = len(phrase.replace(" ", ""))
    if length <= 4:
        return 0
    if length <= 6:
        return 1
    return 2


def sound(word: str) -> str:
    """A spelling-free key of a word, for names typed as they sound ("starbux" for
    Starbucks, "lidle" for Lidl): x for cks/ks, k for ck, f for ph, no doubled letters,
    no final e."""
    for written, said in (("cks", "x"), ("ks", "x"), ("ck", "k"), ("ph", "f")):
        word = word.replace(written, said)
    word = re.sub(r"(.)\1+", r"\1", word)
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


@dataclass(frozen=True, slots=True)
class Hit:
    key: int  # index of the entry in the vocabulary
    phrase: str
    start: int  # character offsets in the text
    end: int
    errors: int

    @property
    def score(self) -> float:
        """Longer and exacter is better."""
        return len(self.phrase) - 3.0 * self.errors


class Vocabulary:
    """Phrases (each with a key) to look up in texts."""

    def __init__(self, entries: list[tuple[int, str]]) -> None:
        self.latin: dict[int, list[tuple[int, str]]] = {}
        self.cjk: list[tuple[int, str]] = []
        for key, phrase in entries:
            phrase = phrase.lower().strip()
            if CJK.search(phrase):
                self.cjk.append((key, phrase))
            else:
                words = len(phrase.split())
                self.latin.setdefault(words, []).append((key, phrase))
        # two-character Chinese verb-object words are split by aspect, counts and measure
        # words: 打车 in 打了几次车, 吃饭 in 吃了顿饭, 加油 in 加了两次油
        self.split = [
            (key, phrase, re.compile(f"{phrase[0]}{SPLIT_INFIX}{phrase[1]}"))
            for key, phrase in self.cjk
            if len(phrase) == 2
        ]
        self.exact: dict[str, list[tuple[int, str]]] = {}
        # one-word phrases of four letters or more by how they sound, for typed-as-said names
        self.sounds: dict[str, list[tuple[int, str]]] = {}
        for key, phrase in self.latin.get(1, ()):
            if len(phrase) >= 4:
                self.sounds.setdefault(sound(phrase), []).append((key, phrase))
        # per word count and first letter: (key, phrase, errors allowed), for fuzzy lookups
        self.by_letter: dict[tuple[int, str], list[tuple[int, str, int]]] = {}
        for size, group in self.latin.items():
            for key, phrase in group:
                self.exact.setdefault(phrase, []).append((key, phrase))
                bound = allowed_errors(phrase)
                if bound:
                    self.by_letter.setdefault((size, phrase[0]), []).append((key, phrase, bound))

    def find(self, text: str, *, fuzzy: bool = True) -> list[Hit]:
        """Every phrase found in ``text`` (lower-cased), best first, not overlapping."""
        hits: list[Hit] = []
        for key, phrase in self.cjk:
            at = text.find(phrase)
            if at >= 0:
                hits.append(Hit(key, phrase, at, at + len(phrase), 0))
        if self.split and CJK.search(text):
            for key, phrase, pattern in self.split:
                found = pattern.search(text)
                if found:
                    hits.append(Hit(key, phrase, found.start(), found.end(), 0))
        words = [(m.group(), m.start(), m.end()) for m in WORD.finditer(text)]
        for size in self.latin:
            for i in range(len(words) - size + 1):
                run = words[i : i + size]
                candidate = " ".join(w for w, _, _ in run)
                start, end = run[0][1], run[-1][2]
                exact = self.exact.get(candidate)
                if not exact and candidate.endswith("s") and len(candidate) > 3:
                    exact = self.exact.get(candidate[:-1])  # a plural: "ubers", "taxis"
                if exact:
                    hits.extend(Hit(k, p, start, end, 0) for k, p in exact)
                    continue
                if not fuzzy:
                    continue
                if any(w in COMMON_WORDS for w, _, _ in run):
                    continue
                if size == 1 and len(candidate) >= 4:
                    alike = self.sounds.get(sound(candidate), ())
                    hits.extend(Hit(k, p, start, end, 1) for k, p in alike if p != candidate)
                limit = allowed_errors(candidate)
                if limit == 0:
                    continue
                for key, phrase, phrase_bound in self.by_letter.get((size, candidate[0]), ()):
                    bound = min(phrase_bound, limit)
                    if abs(len(phrase) - len(candidate)) > bound:
                        continue
                    errors = distance(candidate, phrase, bound)
                    if errors <= bound:
                        hits.append(Hit(key, phrase, start, end, errors))
        hits.sort(key=lambda h: (-h.score, h.start))
        chosen: list[Hit] = []
        for hit in hits:
            if all(hit.end <= c.start or hit.start >= c.end for c in chosen):
                chosen.append(hit)
        return chosen
