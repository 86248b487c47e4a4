"""Misspelt words of a question corrected to the words the parser knows (its cue words,
category words, period words): "balace" -> "balance", "aoford" -> "afford",
"monehs" -> "months". Only words of five letters or more that the parser does not know are
corrected, to a known word within one edit (two from eight letters on, three from nine
when the typo only drops and moves letters of it) with the same
first letter, and for five-letter words the same last letter or the same letters; a
four-letter word when two neighbouring letters after the first are swapped ("fule") or one
letter inside a five-letter word is dropped ("marh", "msic");
other short typos come from a list. Merchant names and the words of the question the parser knows stay as they are."""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet

from coffer.assistant.ask.fuzzy import distance

SHORT_TYPOS = {
    "hw": "how", "hwo": "how", "spnd": "spend", "sped": "spend", "spen": "spend",
    "mch": "much", "muhc": "much", "waht": "what", "wat": "what", "lst": "last",
    "lsat": "last", "thsi": "this", "tihs": "this", "yr": "year", "yrs": "years",
    "mnth": "month", "mth": "month", "mths": "months", "wk": "week", "wks": "weeks",
    "cofe": "coffee", "ur": "your", "u": "you", "weks": "weeks", "wek": "week",
    "ofen": "often", "oftn": "often", "yeer": "year", "yaer": "year", "mont": "month",
    "tota": "total", "muc": "much", "mney": "money", "mony": "money", "bugt": "budget",
    "rnt": "rent", "sine": "since", "mo": "month", "mos": "months", "yday": "yesterday",
    "yest": "yesterday", "subs": "subscriptions", "txns": "transactions", "txn": "transaction",
    "avg": "average", "tot": "total", "pls": "please", "plz": "please", "snce": "since", "monh": "month", "mnoth": "month",
    "tody": "today", "tday": "today", "tdy": "today", "2day": "today", "spnt": "spent",
    "spet": "spent", "sice": "since", "thee": "three", "shre": "share", "acct": "account", "acc": "account", "accnt": "account", "acnt": "account", "amt": "amount",
}  # fmt: skip
# English words of four letters that are one letter short of a known word ("send", "spend")
WORDS_OF_FOUR = frozenset(
    ["cold", "seen", "sell", "send", "sent", "sort", "spot", "tree", "were", "wage", "want", "went"]
)
# words the cues need whole, beyond those their patterns spell out
_KEY = """spend spent spending spends expenses expense outgoings subscriptions subscription
afford balance account salary income earned earnings average monthly weekly daily largest
biggest expensive purchase purchases payment payments merchants merchant shops stores often
compare compared budget savings months weeks years days month week year first second third
fourth before yesterday quarter bills debits direct recurring explain total typical usually
typically transactions transaction money received receive paycheck wages forecast predict
projected progress goal goals emergency holiday vacation remaining left overspent overspending
categories category altogether overall combined excluding except between since during
weekend fortnight subscribed start beginning smallest cheapest lowest upcoming coming
weekends costliest priciest expenditure hundred thousand percentage affordable regular towards
aside bring million billion"""
KEY_WORDS = _KEY.split()
_KEY_SET = frozenset(KEY_WORDS)
_WORD = re.compile(r"[a-z]+")


def lexicon(patterns: Iterable[str], phrases: Iterable[str], extra: Iterable[str]) -> set[str]:
    """Known words: the whole alphabetic runs of the cue patterns (five letters or more), the
    words of the vocabulary's phrases, and ``extra``."""
    words = set(KEY_WORDS) | set(extra)
    for pattern in patterns:
        pattern = re.sub(r"\\[a-zA-Z]", " ", pattern)  # escapes such as \b are no letters
        words.update(re.findall(r"(?<![a-z\[(|?])[a-z]{5,}(?![a-z\])?])", pattern))
    for phrase in phrases:
        words.update(_WORD.findall(phrase.lower()))
    return words


def correct(text: str, known: AbstractSet[str], keep: AbstractSet[str]) -> str:
    """``text`` (lower-cased) with misspelt words corrected (see the module docstring);
    words in ``keep`` (merchant names) are left alone."""
    by_length: dict[int, list[str]] = {}
    for word in known:
        by_length.setdefault(len(word), []).append(word)

    def fix(match: re.Match[str]) -> str:
        word = match.group()
        if word in SHORT_TYPOS:
            return SHORT_TYPOS[word]
        if word in known or word in keep or f"{word}s" in known:
            return word  # a singular of a known plural ("transfer") is no typo
        if len(word) == 4:  # two neighbouring letters swapped: "fule" is "fuel"; else one
            swaps = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, 3)}
            dropped_from = sorted(  # letter dropped inside a five-letter word: "marh", "msic"
                (0 if w in _KEY_SET else 1, w)
                for w in by_length.get(5, ())
                if w[0] == word[0]
                and w[-1] == word[-1]
                and _within(word, w)
                and word not in WORDS_OF_FOUR
            )
            fixed = next((w for w in sorted(swaps) if w in known), None)
            return fixed or (dropped_from[0][1] if dropped_from else word)
        if len(word) < 5:
            return word
        bound = 2 if len(word) >= 8 else 1
        if len(word) >= 9:  # long words: a third edit when the typo only drops and moves
            bound = 3  # letters ("restraunt" is "restaurant")
        best: tuple[int, int, int, int, int, str] | None = None
        for size in range(len(word) - bound, len(word) + bound + 1):
            for candidate in by_length.get(size, ()):
                if candidate[0] != word[0] or (
                    len(word) == 5
                    and candidate[-1] != word[-1]
                    and sorted(candidate) != sorted(word)  # "sinec" is "since"
                ):
                    continue
                errors = distance(word, candidate, bound)
                if errors == 3 and (
                    len(candidate) - len(word) not in (0, 1) or not _letters_of(word, candidate)
                ):
                    continue
                # fewest edits, then a word the typo drops letters of ("dning" is
                # "dining", not "doing"), then the closest length
                dropped = 0 if _within(word, candidate) else 1
                swapped = 0 if sorted(word) == sorted(candidate) else 1  # "interent"
                key = 0 if candidate in _KEY_SET else 1  # "budget", not the cue's "budegt"
                rank = (errors, dropped, swapped, key, abs(len(candidate) - len(word)), candidate)
                if errors <= bound and (best is None or rank < best):
                    best = rank
        return best[5] if best else word

    return _WORD.sub(fix, text)


def _letters_of(word: str, candidate: str) -> bool:
    """Whether every letter of ``word`` is one of ``candidate`` (as many times)."""
    return all(word.count(ch) <= candidate.count(ch) for ch in set(word))


def _within(short: str, long: str) -> bool:
    """Whether the letters of ``short`` appear in ``long`` in order."""
    letters = iter(long)
    return all(ch in letters for ch in short)


# Chinese typed by pinyin with the wrong character of the same sound -> the word meant
ZH_HOMOPHONES = (
    ("上各月", "上个月"), ("这各月", "这个月"), ("下各月", "下个月"), ("于额", "余额"),
    ("鱼额", "余额"), ("与额", "余额"), ("余鹅", "余额"), ("与算", "预算"), ("于算", "预算"),
    ("预祘", "预算"), ("订月", "订阅"), ("定阅", "订阅"), ("收如", "收入"), ("手入", "收入"),
    ("话了多少", "花了多少"), ("化了多少", "花了多少"), ("多少前", "多少钱"), ("多杀", "多少"),
    ("开消", "开销"), ("工姿", "工资"), ("公资", "工资"), ("近度", "进度"), ("预侧", "预测"),
    ("帐单", "账单"), ("帐户", "账户"), ("参饮", "餐饮"), ("房组", "房租"), ("木标", "目标"),
    ("知出", "支出"), ("消废", "消费"), ("消肺", "消费"),
)  # fmt: skip


def zh_homophones(text: str) -> str:
    """``text`` with Chinese words typed with a same-sounding wrong character corrected
    (上各月 -> 上个月, 于额 -> 余额)."""
    for wrong, right in ZH_HOMOPHONES:
        if wrong in text:
            text = text.replace(wrong, right)
    return text
