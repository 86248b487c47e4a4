"""The customer's merchants named in a question: by their names (typo-tolerant, see
:mod:`coffer.assistant.ask.fuzzy`), their Chinese names, a name written in two words or as
one, with a possessive, or with its vowels wrong."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from functools import lru_cache
from itertools import pairwise

from coffer.assistant.ask.fuzzy import Hit, Vocabulary, sound
from coffer.assistant.ask.text import WORDS, normalize

# Chinese names of merchants, for merchants the customer has under their usual name
MERCHANT_ALIASES = {
    "starbucks": ("星巴克",), "mcdonald's": ("麦当劳",), "mcdonalds": ("麦当劳",), "kfc": ("肯德基",),
    "amazon": ("亚马逊",), "uber": ("优步",), "netflix": ("网飞", "奈飞"), "apple": ("苹果",),
    "ikea": ("宜家",), "walmart": ("沃尔玛",), "carrefour": ("家乐福",), "costco": ("开市客", "好市多"),
    "spotify": ("声田",), "lidl": ("历德",), "aldi": ("奥乐齐",), "zara": ("飒拉",),
    "burger king": ("汉堡王",), "subway": ("赛百味",), "didi": ("滴滴",), "taobao": ("淘宝",),
    "jd.com": ("京东",), "meituan": ("美团",), "alipay": ("支付宝",), "wechat pay": ("微信支付",),
    "shell": ("壳牌",), "vodafone": ("沃达丰",), "allianz": ("安联",), "lufthansa": ("汉莎", "汉莎航空"),
    "disney plus": ("迪士尼",), "booking.com": ("缤客",), "h&m": ("hm",), "paypal": ("贝宝",),
}  # fmt: skip


@lru_cache(maxsize=256)
def _merchant_vocabulary(merchants: tuple[str, ...]) -> Vocabulary:
    entries = []
    firsts: dict[str, list[int]] = {}
    for index, name in enumerate(merchants):
        lowered = normalize(name)
        entries.append((index, lowered))
        compact = lowered.replace(" ", "").replace("'", "")
        if compact != lowered and len(compact) > 3:
            entries.append((index, compact))
        entries.extend((index, alias) for alias in MERCHANT_ALIASES.get(lowered, ()))
        spaced = normalize(re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name))  # "MediaMarkt": "media markt"
        if spaced != lowered:
            entries.append((index, spaced))
        bare = re.sub(r"'s\b", "", lowered)  # "McDonald's" asked as "mcdonald" after "'s" is cut
        if bare != lowered and len(bare) > 3:
            entries.append((index, bare))
        words = lowered.split()
        if len(words) > 1 and len(words[0]) >= 4:
            firsts.setdefault(words[0], []).append(index)
    # "Lidl" names "Lidl Berlin Mitte" when no other merchant starts with that word
    entries.extend((indexes[0], word) for word, indexes in firsts.items() if len(indexes) == 1)
    return Vocabulary(entries)


@lru_cache(maxsize=256)
def merchant_words(merchants: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w for name in merchants for w in WORDS.findall(normalize(name)))


@lru_cache(maxsize=256)
def _compact_names(merchants: tuple[str, ...]) -> dict[str, int]:
    return {normalize(n).replace(" ", "").replace("'", ""): i for i, n in enumerate(merchants)}


def _skeleton(word: str) -> str:
    """A word's first letter and its consonants as said, once each ("amzn", "amaazn" and
    "amazon" are all "amzn"; "starbxu" and "starbucks" "strbx")."""
    said = sound(word)
    return said[0] + re.sub(r"(.)\1+", r"\1", re.sub(r"[aeiouy']", "", said[1:]))


@lru_cache(maxsize=256)
def _skeletons(merchants: tuple[str, ...]) -> dict[str, int]:
    """Merchants of five letters or more by skeleton, when no two share it."""
    found: dict[str, list[int]] = {}
    for name, index in _compact_names(merchants).items():
        if len(name) >= 5 and name.isalpha():
            found.setdefault(_skeleton(name), []).append(index)
    return {key: ids[0] for key, ids in found.items() if len(ids) == 1 and len(key) >= 4}


def merchant_hits(rest: str, merchants: tuple[str, ...], known: AbstractSet[str]) -> list[Hit]:
    """The customer's merchants named in ``rest``: as written, with a possessive "'s"
    ("Aldi's"), split in two words ("star bucks" for Starbucks), or, for a word that is
    none of ``known``, typed with its vowels wrong ("amzn")."""
    text = re.sub(r"(?<=[a-z])'s\b", "  ", rest)
    hits = _merchant_vocabulary(merchants).find(text)
    compact = _compact_names(merchants)
    words = list(re.finditer(r"[a-z]+", text))
    for first, second in pairwise(words):
        joined = first.group() + second.group()
        if (
            second.start() - first.end() == 1
            and len(joined) >= 6
            and joined in compact
            and not any(h.start < second.end() and first.start() < h.end for h in hits)
        ):
            hits.append(Hit(compact[joined], joined, first.start(), second.end(), 0))
    # a name typed with its vowels wrong or left out ("amzn", "amaazn", "starbxu")
    skeletons = _skeletons(merchants)
    for word in words:
        key = _skeleton(word.group()) if len(word.group()) >= 4 else ""
        if (
            key in skeletons
            and word.group() not in known
            and not any(h.start < word.end() and word.start() < h.end for h in hits)
        ):
            hits.append(Hit(skeletons[key], word.group(), word.start(), word.end(), 1))
    return hits
