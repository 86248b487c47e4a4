"""Category words misheard by voice typing: "gross trees" (groceries), "eat in out" (eating
out), "rest or ants" (restaurants), "electric city" (electricity).

A last resort of the parser, for an English question that names no category or merchant: a
run of one to three words, one of them unknown to the parser and none a longer word it knows
outside the category phrases ("month", "average"), whose sound key (consonants
in order, a few spellings of one sound made one) is a category phrase's key, or one edit
from it when the run's key has five letters or more.
"""

from __future__ import annotations

import re
from functools import lru_cache

from coffer.assistant.ask.fuzzy import distance
from coffer.assistant.ask.vocabulary import TOPICS

# spellings of one sound, in the order they are applied
_SOUNDS = [
    (r"ph", "f"), (r"ck", "k"), (r"sch", "sk"), (r"[sc]h", "x"), (r"tion", "xn"),
    (r"c(?=[eiy])", "s"), (r"[cq]", "k"), (r"x", "ks"), (r"z", "s"), (r"dg", "j"),
    (r"gh", ""), (r"^wr", "r"), (r"^kn", "n"), (r"ng", "n"),
]  # fmt: skip
_SHORTEST = 4  # a key shorter than this says too little


def sound_key(text: str) -> str:
    """``"gross trees"`` -> ``"grstr"``: the consonants of ``text`` as they sound, doubled
    ones once, a leading vowel as ``a`` and a final ``s`` (plural, possessive) dropped."""
    key = re.sub(r"[^a-z]", "", text.lower())
    for spelling, sound in _SOUNDS:
        key = re.sub(spelling, sound, key)
    if not key:
        return ""
    head = "a" if key[0] in "aeiouy" else key[0]
    key = head + re.sub(r"[aeiouyhw]", "", key[1:])
    key = re.sub(r"(.)\1+", r"\1", key)
    return key[:-1] if len(key) > 1 and key.endswith("s") else key


@lru_cache(maxsize=1)
def _topic_keys() -> list[tuple[str, int]]:
    keys: dict[str, int] = {}
    for index, topic in enumerate(TOPICS):
        for phrase in topic.english:
            key = sound_key(phrase)
            if len(key) >= _SHORTEST:
                keys.setdefault(key, index)
    return list(keys.items())


@lru_cache(maxsize=1)
def _topic_words() -> frozenset[str]:
    return frozenset(w for topic in TOPICS for phrase in topic.english for w in phrase.split())


def heard_topic(text: str, known: set[str]) -> int | None:
    """The index in ``TOPICS`` of the category a run of words in ``text`` sounds like, or
    None; a run needs a word the parser does not know (``known``). The closest sound wins,
    then the longest run."""
    words = re.findall(r"[a-z']+", text.lower())
    best: tuple[int, int, int] | None = None
    for size in (3, 2, 1):
        for at in range(len(words) - size + 1):
            run = words[at : at + size]
            bare = [w.strip("'") for w in run]
            if all(w in known for w in bare) or any(
                len(w) >= 4 and w in known and w not in _topic_words() for w in bare
            ):
                continue  # no unknown word, or a known word that is no category's ("month")
            key = sound_key("".join(run))
            if len(key) < _SHORTEST:
                continue
            bound = 1 if len(key) >= 5 else 0  # one sound off in a longer run
            for phrase_key, index in _topic_keys():
                found = distance(key, phrase_key, bound)
                if found <= bound and (best is None or (found, -len(key)) < best[:2]):
                    best = (found, -len(key), index)
    return None if best is None else best[2]
