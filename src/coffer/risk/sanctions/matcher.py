"""Screening names against list entries: candidate blocking on an inverted index of name
tokens (their one-letter deletions for typos, their sound keys for transliterations, pairs
of tokens for names made only of common tokens), then scoring of each candidate name by
aligning its tokens with the query's, weighted by how rare each token is; birth date,
country and kind then move the score up or down.

The score is in [0, 1]: 1.0 is the same name (and, when given, the same birth date).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Indel

from coffer.risk.sanctions.countries import country_code
from coffer.risk.sanctions.models import BirthDate, ListEntry, Match, Subject
from coffer.risk.sanctions.normalize import LEGAL_FORMS, PARTICLES, phonetic, tokens

DEFAULT_THRESHOLD = 0.88
MAX_CANDIDATES = 30  # names scored in full per query, the best by blocking weight
CANDIDATE_FLOOR = 0.5  # and only those with half the best blocking weight or more
MAX_REFINED = 200  # candidates ranked by the finer blocking weight
MAX_TOKEN_POSTINGS = 600  # a list token in more names than this is not a blocking key
MAX_PAIR_TOKENS = 6  # pair keys are made from a name's first tokens only
MAX_EXPANSIONS = 5  # of which so many make pair keys
MAX_GAIN_SPELLINGS = 6  # list tokens a query token may be, to find names by
MIN_TOKEN_SIMILARITY = 0.3  # below this two tokens are not aligned at all
UNMATCHED_LIST_TOKEN = 0.5  # share of a list token's weight lost when the query omits it
UNMATCHED_LIST_TOKEN_MANY = 0.3  # the same when the query agrees on 3 tokens or more
UNMATCHED_QUERY_TOKEN = 0.8  # share lost when the query has a token the name lacks
MIDDLE_FACTOR = 0.6  # a middle name (or a father's name) left out costs less
PATRONYMIC_FACTOR = 0.4  # a patronymic left out ("Vladimir Putin") costs less
_PATRONYMIC = ("ovich", "evich", "ovna", "evna", "ovych", "ievich", "yevich")
WEAK_ALIAS_FACTOR = 0.92  # "low quality" aliases count a little less
COMMON_WEIGHT_CAP = 0.45  # weight cap of names common the world over (COMMON_TOKENS)
COMMON_NAME_FACTOR = 0.84  # a name of common names alone needs an agreeing birth date
ONSET_FACTOR = 0.85  # similarity kept when two tokens begin with different sounds
PHONETIC_GATE = 0.65  # spellings that sound alike count as one name from this similarity


def _words(text: str) -> list[str]:
    return text.split()


# Given names and surnames shared by millions: weak evidence even when rare on a list.
COMMON_TOKENS = frozenset(
    _words("""muhammad ahmad ali hasan hussein abd abdullah umar usama yusuf ibrahim khalid mustafa
    abu said rashid salih sulaiman mahmud hamid nasir jamal rahman rahim aziz karim khan shah
    kim ri pak choe jong o han kang jo jang yun sin ryu so song chol il su ho nam kwang ryong
    myong sok hyon won jin hui yong chun gil
    wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin luo
    ivanov petrov sidorov smirnov kuznetsov popov volodymyr aleksandr sergei andrei
    dmitri yuri mikhail nikolai viktor igor oleg yevgeni aleksei ivan pavel
    john james robert michael david william jose juan carlos luis maria garcia rodriguez
    martinez hernandez lopez gonzalez perez sanchez nguyen tran le pham singh kumar""")
)


@dataclass(frozen=True, slots=True)
class _Name:
    entry: int  # index into Index.entries
    text: str
    tokens: tuple[str, ...]
    sounds: tuple[str, ...]
    weights: tuple[float, ...]
    informative: int  # tokens that are not particles or legal forms
    strong: bool
    common: bool  # made of one or two names common the world over ("Ali Mohammed")
    token_set: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Query:
    tokens: tuple[str, ...]
    sounds: tuple[str, ...]
    weights: tuple[float, ...]
    informative: int


def _token_keys(token: str) -> list[str]:
    """Blocking keys of one token: itself, its one-letter deletions, its sound key."""
    keys = ["d" + token]
    if len(token) >= 4:
        keys.extend("d" + token[:i] + token[i + 1 :] for i in range(len(token)))
    sound = phonetic(token)
    if len(sound) >= 2:
        keys.append("p" + sound)
    return keys


_NO_PAIR = frozenset({"al", "bin", "de", "la", "le", "van", "von", "y", "e", "the", "of", "and"})


def _pair_keys(name_tokens: Sequence[str]) -> Iterable[str]:
    informative = sorted(
        {t for t in name_tokens[:MAX_PAIR_TOKENS] if t not in _NO_PAIR and len(t) > 1}
    )
    for first, second in itertools.combinations(informative, 2):
        yield first + " " + second
    for first, second in itertools.pairwise(name_tokens):
        yield first + second  # written together: "jinping", "wonho"


# Endings that many names share: "Rahmatullah" and "Amanullah" are compared as "rahmat"
# and "aman", "Ruslanovich" and "Svetlanovich" as "ruslan" and "svetlan".
_SHARED_ENDINGS = ("ovich", "evich", "ovna", "evna", "ullah", "uddin", "allah", "ollah")


@lru_cache(maxsize=65536)
def _onset(token: str) -> str:
    """The first sound of a token: spellings of one sound agree ("Kh"/"H", "Q"/"K"/"G",
    "Ch"/"J"), any vowel is "a"."""
    head = token[:3]
    for old, new in (
        ("tsch", "j"),
        ("tch", "j"),
        ("dzh", "j"),
        ("kh", "h"),
        ("ch", "j"),
        ("zh", "j"),
        ("dj", "j"),
        ("sh", "s"),
        ("ts", "s"),
    ):
        if head.startswith(old):
            head = new
            break
    first = head[0].translate(_ONSET_CLASSES)
    return "a" if first in "aeiouy" else first


_ONSET_CLASSES = str.maketrans("pbtdkgqcszvfw", "bbddggggssffv")


def _joined(split: Sequence[str], whole: Sequence[str]) -> Iterator[tuple[float, int, int]]:
    """Two neighbouring tokens of ``split`` written as one token of ``whole`` ("Jin Ping" ~
    "Jinping"): (similarity, index of the first of the two in ``split``, index in ``whole``)."""
    for k in range(len(split) - 1):
        joined = split[k] + split[k + 1]
        for w, token in enumerate(whole):
            if abs(len(token) - len(joined)) <= 2 and token[0] == joined[0]:
                similarity = Indel.normalized_similarity(joined, token)
                if similarity >= 0.8:
                    yield similarity, k, w


def _token_similarity(a: str, b: str, sound_a: str, sound_b: str) -> float:
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:  # an initial
        return 0.7 if a[0] == b[0] else 0.0
    for ending in _SHARED_ENDINGS:
        if a.endswith(ending) and b.endswith(ending):
            stem_a, stem_b = a[: -len(ending)], b[: -len(ending)]
            if len(stem_a) >= 2 and len(stem_b) >= 2:
                a, b = stem_a, stem_b
            break
    similarity = Indel.normalized_similarity(a, b)
    if _onset(a) != _onset(b):  # names that begin with another sound differ more
        similarity *= ONSET_FACTOR
    if sound_a == sound_b and len(sound_a) >= 2 and similarity >= PHONETIC_GATE:
        similarity = max(similarity, 0.85)
    if similarity < 0.8:  # two different names rather than one name misspelt
        similarity = max(0.0, 0.8 - (0.8 - similarity) * 2.5)
    return similarity


class Index:
    """An in-memory index of list entries, built once per list version."""

    def __init__(self, entries: Sequence[ListEntry]) -> None:
        self.entries = list(entries)
        raw: list[tuple[int, str, tuple[str, ...], bool]] = []
        frequency: dict[str, int] = {}
        for position, entry in enumerate(self.entries):
            seen: set[str] = set()
            names = [(entry.name, True)] + [(a.name, a.strong) for a in entry.aliases]
            for text, strong in names:
                name_tokens = tokens(text)
                if not name_tokens:
                    continue
                raw.append((position, text, name_tokens, strong))
                seen.update(name_tokens)
            for token in seen:
                frequency[token] = frequency.get(token, 0) + 1
        self._frequency = frequency
        self._log_total = math.log(len(self.entries) + 2)
        self.names: list[_Name] = []
        self._names_of_token: dict[str, list[int]] = {}
        self._names_of_pair: dict[str, list[int]] = {}
        self._weights: dict[str, float] = {}
        for position, text, name_tokens, strong in raw:
            sounds = tuple(phonetic(t) for t in name_tokens)
            name_weights = tuple(self._weight_of(t) for t in name_tokens)
            informative = sum(1 for t in name_tokens if t not in PARTICLES and t not in LEGAL_FORMS)
            common = (
                self.entries[position].kind == "natural"
                and informative <= 2
                and all(
                    w <= COMMON_WEIGHT_CAP
                    for t, w in zip(name_tokens, name_weights, strict=True)
                    if t not in PARTICLES
                )
            )
            name_id = len(self.names)
            self.names.append(
                _Name(
                    position,
                    text,
                    name_tokens,
                    sounds,
                    name_weights,
                    informative,
                    strong,
                    common,
                    frozenset(name_tokens),
                )
            )
            for token in set(name_tokens):
                self._names_of_token.setdefault(token, []).append(name_id)
            for key in set(_pair_keys(name_tokens)):
                self._names_of_pair.setdefault(key, []).append(name_id)
        self._tokens_of_key: dict[str, list[str]] = {}
        for token in self._names_of_token:
            for key in _token_keys(token):
                self._tokens_of_key.setdefault(key, []).append(token)

    def _weight_of(self, token: str) -> float:
        weight = self._weights.get(token)
        if weight is None:
            weight = self.weight(token)
            self._weights[token] = weight
        return weight

    def weight(self, token: str) -> float:
        """How much a token says about identity: rare tokens near 1, common ones less."""
        count = self._frequency.get(token, 0)
        rarity = math.log((len(self.entries) + 2) / (count + 1)) / self._log_total
        weight = 0.25 + 0.75 * min(1.0, rarity * 1.6)
        if token in PARTICLES:
            return weight * 0.25
        if token in LEGAL_FORMS:
            return weight * 0.2
        if token in COMMON_TOKENS:
            weight = min(weight, COMMON_WEIGHT_CAP)
        if len(token) == 1:
            weight *= 0.5
        return weight

    def _query(self, name: str) -> _Query | None:
        query_tokens = tokens(name)
        if not query_tokens:
            return None
        sounds = tuple(phonetic(t) for t in query_tokens)
        weights = tuple(self._weights.get(t) or self.weight(t) for t in query_tokens)
        informative = sum(1 for t in query_tokens if t not in PARTICLES and t not in LEGAL_FORMS)
        return _Query(query_tokens, sounds, weights, informative)

    def _candidates(self, query: _Query) -> list[int]:
        totals: dict[int, float] = {}
        expansions: list[list[str]] = []
        similar_of: list[dict[str, float]] = []
        for token in dict.fromkeys(query.tokens):
            similar: dict[str, float] = {}
            for key in _token_keys(token):
                for listed in self._tokens_of_key.get(key, ()):
                    if listed not in similar:
                        similar[listed] = (
                            1.0 if listed == token else Indel.normalized_similarity(token, listed)
                        )
            sound = phonetic(token)
            ordered = sorted(  # closest first; among equals, those that sound the same
                similar,
                key=lambda t: similar[t] + (0.1 if phonetic(t) == sound else 0.0),
                reverse=True,
            )
            closest = [t for t in ordered[:MAX_GAIN_SPELLINGS] if similar[t] >= 0.5]
            expansions.append(closest[:MAX_EXPANSIONS] or [token])
            similar_of.append(similar)
            if token in PARTICLES:
                continue
            gains: dict[int, float] = {}
            for listed in closest:
                names = self._names_of_token[listed]
                if len(names) > MAX_TOKEN_POSTINGS:
                    continue  # too common to block on: the pair keys find its names
                gain = self._weights[listed] * similar[listed]
                for name_id in names:
                    if gains.get(name_id, 0.0) < gain:
                        gains[name_id] = gain
            for name_id, gain in gains.items():
                totals[name_id] = totals.get(name_id, 0.0) + gain
        # Pairs of (spelling-corrected) tokens, and a query token a name writes as two.
        keys: dict[str, float] = {}
        for first, second in itertools.combinations(expansions[:MAX_PAIR_TOKENS], 2):
            for a in first:
                for b in second:
                    if a != b and a not in _NO_PAIR and b not in _NO_PAIR:
                        key = f"{a} {b}" if a < b else f"{b} {a}"
                        keys[key] = self._weights.get(a, 1.0) + self._weights.get(b, 1.0)
        exact = set(query.tokens)
        for key, gain in keys.items():
            postings = self._names_of_pair.get(key, ())
            if len(postings) > MAX_TOKEN_POSTINGS and not exact.issuperset(key.split(" ")):
                continue  # a common pair of other spellings: the query's own pairs will do
            for name_id in postings:
                totals[name_id] = totals.get(name_id, 0.0) + gain
        weight_of = dict(zip(query.tokens, query.weights, strict=True))
        for left, right in itertools.pairwise(query.tokens):  # "Muhammad bin", as written
            for name_id in self._names_of_pair.get(left + right, ()):
                totals[name_id] = totals.get(name_id, 0.0) + weight_of[left] + weight_of[right]
        joined: dict[int, float] = {}  # names that write one query token as two
        for token in query.tokens:
            for name_id in self._names_of_pair.get(token, ()):
                joined[name_id] = joined.get(name_id, 0.0) + weight_of[token]
                totals[name_id] = totals.get(name_id, 0.0) + 2 * weight_of[token]
        if not totals:
            return []
        if len(totals) > MAX_REFINED:
            ranked = sorted(totals, key=totals.__getitem__, reverse=True)[:MAX_REFINED]
        else:
            ranked = list(totals)
        # Refine: each query token counts once, by its weight, when the name holds it or
        # one of its spellings; names of the query's length first among equals.
        size = len(query.tokens)
        checks = [
            (weight_of[token], token, similar)
            for token, similar in zip(dict.fromkeys(query.tokens), similar_of, strict=True)
        ]
        weights = self._weights
        refined: dict[int, float] = {}
        for name_id in ranked:
            name = self.names[name_id]
            held = name.token_set
            score = joined.get(name_id, 0.0) - 0.02 * abs(len(name.tokens) - size)
            for weight, token, similar in checks:
                if token in held:
                    score += weight
                    continue
                best = 0.0
                for listed in held.intersection(similar):
                    best = max(best, similar[listed] * min(weight, weights[listed]))
                score += best
            refined[name_id] = score
        floor = max(refined.values()) * CANDIDATE_FLOOR
        kept = [name_id for name_id in ranked if refined[name_id] >= floor]
        kept.sort(key=refined.__getitem__, reverse=True)
        return kept[:MAX_CANDIDATES]

    def screen(
        self, subject: Subject, *, threshold: float = DEFAULT_THRESHOLD, limit: int = 10
    ) -> list[Match]:
        """The entries whose score passes ``threshold``, best first (at most ``limit``)."""
        query = self._query(subject.name)
        if query is None:
            return []
        birth = parse_birth_date(subject.birth_date)
        country = country_code(subject.country) if subject.country else None
        best: dict[int, float] = {}
        cache: dict[tuple[int, str], float] = {}
        for name_id in self._candidates(query):
            name = self.names[name_id]
            score = name_score(query, name, cache)
            if score < threshold - 0.35:
                continue
            if not name.strong:
                score *= WEAK_ALIAS_FACTOR
            if name.common:
                score *= COMMON_NAME_FACTOR
            if score > best.get(name.entry, -1.0):
                best[name.entry] = score
        matches: list[Match] = []
        for position, score in best.items():
            entry = self.entries[position]
            final = adjust(score, entry, subject.kind, birth, country)
            if final >= threshold:
                matches.append(Match(entry.list_name, entry.entry_id, entry.name, round(final, 4)))
        matches.sort(key=lambda m: (-m.score, m.list_name, m.entry_id))
        return matches[:limit]


def name_score(
    query: _Query, name: _Name, cache: dict[tuple[int, str], float] | None = None
) -> float:
    """How alike two names are, from their aligned tokens, in [0, 1]. ``cache`` keeps
    token similarities across the names screened for one query."""
    q_tokens, c_tokens = query.tokens, name.tokens
    if cache is None:
        cache = {}
    pairs: list[tuple[float, tuple[int, ...], tuple[int, ...]]] = []
    for i, (a, sa) in enumerate(zip(q_tokens, query.sounds, strict=True)):
        for j, (b, sb) in enumerate(zip(c_tokens, name.sounds, strict=True)):
            similarity = cache.get((i, b))
            if similarity is None:
                similarity = cache[(i, b)] = _token_similarity(a, b, sa, sb)
            if similarity >= MIN_TOKEN_SIMILARITY:
                pairs.append((similarity, (i,), (j,)))
    # Names written together or apart: "Jinping" ~ "Jin Ping", "Wonho" ~ "Won Ho".
    pairs.extend((similarity, (i, i + 1), (j,)) for similarity, i, j in _joined(q_tokens, c_tokens))
    pairs.extend((similarity, (i,), (j, j + 1)) for similarity, j, i in _joined(c_tokens, q_tokens))
    pairs.sort(key=lambda p: (-p[0], -len(p[1]) - len(p[2])))
    used_q: set[int] = set()
    used_c: set[int] = set()
    numerator = 0.0
    denominator = 0.0
    evidence = 0
    for similarity, q_side, c_side in pairs:
        if used_q.intersection(q_side) or used_c.intersection(c_side):
            continue
        used_q.update(q_side)
        used_c.update(c_side)
        weight = (
            sum(query.weights[i] for i in q_side) / len(q_side)
            + sum(name.weights[j] for j in c_side) / len(c_side)
        ) / 2
        weight *= max(len(q_side), len(c_side)) ** 0.5
        numerator += weight * similarity
        denominator += weight
        if similarity >= 0.75:
            evidence += sum(
                1 for i in q_side if q_tokens[i] not in PARTICLES and q_tokens[i] not in LEGAL_FORMS
            )
    first_used, last_used = (min(used_c), max(used_c)) if used_c else (0, -1)
    missing_list = sum(
        name.weights[j]
        * (PATRONYMIC_FACTOR if c_tokens[j].endswith(_PATRONYMIC) else 1.0)
        * (MIDDLE_FACTOR if first_used < j < last_used else 1.0)
        for j in range(len(c_tokens))
        if j not in used_c
    )
    unmatched_list = UNMATCHED_LIST_TOKEN if evidence <= 2 else UNMATCHED_LIST_TOKEN_MANY
    extra_query = sum(query.weights[i] for i in range(len(q_tokens)) if i not in used_q)
    denominator += unmatched_list * missing_list + UNMATCHED_QUERY_TOKEN * extra_query
    if denominator <= 0:
        return 0.0
    score = numerator / denominator
    # One shared token is not a name match when both names have more to say.
    if evidence < 2 and min(name.informative, query.informative) >= 2:
        score *= 0.7
    return score


def parse_birth_date(value: str | None) -> BirthDate | None:
    """ "1964-07-17", "1964-07" or "1964" -> BirthDate; None when absent or unreadable."""
    if not value:
        return None
    parts = str(value).strip()[:10].split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 and parts[1] else None
        day = int(parts[2]) if len(parts) > 2 and parts[2] else None
    except ValueError:
        return None
    if not 1800 <= year <= 2200:
        return None
    return BirthDate(year, month, day)


def _date_agreement(query: BirthDate, dates: list[BirthDate]) -> float:
    """+1 same day, +0.5 same year, 0 a year apart, -1 clearly different (the best of the
    entry's dates)."""
    best = -2.0
    for date in dates:
        low, high = date.year, date.year_to or date.year
        if low <= query.year <= high:
            if (
                date.year_to is None
                and date.month is not None
                and query.month is not None
                and date.day is not None
                and query.day is not None
            ):
                same_day = date.month == query.month and date.day == query.day
                agreement = 1.0 if same_day else 0.1  # two full dates that differ
            elif date.month is not None and query.month is not None and date.year_to is None:
                agreement = 0.7 if date.month == query.month else 0.3
            else:
                agreement = 0.5
        else:
            gap = min(abs(query.year - low), abs(query.year - high))
            agreement = 0.0 if gap == 1 else (-0.5 if gap <= 3 else -1.0)
        best = max(best, agreement)
    return best


def adjust(
    score: float,
    entry: ListEntry,
    kind: str | None,
    birth: BirthDate | None,
    country: str | None,
) -> float:
    """Move a name score with what else is known: birth date, country, kind."""
    if kind in ("natural", "legal") and (kind == "natural") != (entry.kind == "natural"):
        score -= 0.25
    if birth is not None and entry.birth_dates and entry.kind == "natural":
        agreement = _date_agreement(birth, entry.birth_dates)
        if agreement > 0:
            score += (1.0 - score) * 0.5 * agreement
        else:
            score += 0.2 * agreement
    if country is not None and entry.countries:
        if country in entry.countries:
            score += (1.0 - score) * 0.15
        else:
            score -= 0.04
    return min(1.0, max(0.0, score))
