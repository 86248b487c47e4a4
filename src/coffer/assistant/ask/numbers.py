"""Amounts in questions: ``"a 500 EUR laptop"``, ``"€1.5k"``, ``"2 million euros"``,
``"十万欧元"``, ``"3千块"`` -> minor units and currency."""

from __future__ import annotations

import re

CURRENCIES = {
    "eur": "EUR", "euro": "EUR", "euros": "EUR", "€": "EUR", "欧元": "EUR", "欧": "EUR",
    "usd": "USD", "dollar": "USD", "dollars": "USD", "$": "USD", "美元": "USD", "美金": "USD",
    "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "£": "GBP", "英镑": "GBP",
    "cny": "CNY", "rmb": "CNY", "yuan": "CNY", "元": "CNY", "块": "CNY", "块钱": "CNY",
    "人民币": "CNY", "¥": "CNY", "chf": "CHF", "jpy": "JPY", "yen": "JPY", "日元": "JPY",
}  # fmt: skip
SCALES = {"JPY": 0, "KRW": 0}
# a word several currencies share: the wallet's own when it is one of them
_SHARED = {
    "$": "D",
    "dollar": "D",
    "dollars": "D",
    "¥": "JPY",
    "yen": "JPY",
    "pound": "P",
    "pounds": "P",
}
MULTIPLIERS = {
    "k": 1_000, "thousand": 1_000, "grand": 1_000, "m": 1_000_000, "mn": 1_000_000,
    "million": 1_000_000, "millions": 1_000_000, "milion": 1_000_000, "milions": 1_000_000,
    "bn": 10**9, "billion": 10**9,
    "百": 100, "千": 1_000, "万": 10_000, "十万": 100_000, "百万": 1_000_000, "千万": 10**7,
    "亿": 10**8,
}  # fmt: skip
_CUR = r"(eur|euros?|€|usd|dollars?|\$|gbp|pounds?|£|cny|rmb|yuan|块钱|块|元|欧元|欧|美元|美金|英镑|人民币|¥|chf|jpy|yen|日元)"
_MULT = r"((?:thousand|grand|mill?ions?|billion|mn|bn|k|m)(?![a-z])|十万|百万|千万|百|千|万|亿)"
_NUMBER = r"(\d[\d,]*(?:\.\d{1,2})?)"
_AMOUNT = re.compile(
    rf"(?:{_CUR}\s*{_NUMBER}\s*{_MULT}?(?![a-z\d_]))|(?:{_NUMBER}\s*{_MULT}?\s*{_CUR}?)"
)
_ZH_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9}  # fmt: skip
_ZH_UNIT = {"十": 10, "百": 100, "千": 1000}
_ZH_RUN = re.compile(r"[零〇一二两三四五六七八九十百千万亿]+")


def zh_integer(text: str) -> int | None:
    """``"十万"`` -> 100000, ``"三千五百"`` -> 3500, ``"两百"`` -> 200; None if not a number."""
    total = section = digit = 0
    seen = False
    for ch in text:
        if ch in _ZH_DIGIT:
            digit = _ZH_DIGIT[ch]
            seen = True
        elif ch in _ZH_UNIT:
            section += (digit or 1) * _ZH_UNIT[ch]
            digit = 0
            seen = True
        elif ch in ("万", "亿"):
            if not seen:
                return None
            total += (section + digit) * (10_000 if ch == "万" else 10**8)
            section = digit = 0
        else:
            return None
    return total + section + digit if seen or total else None


def _zh_to_digits(text: str) -> str:
    """Chinese numerals written as digits, for runs that are numbers (not 一共, 一下)."""

    def swap(match: re.Match[str]) -> str:
        run = match.group()
        after_digit = match.start() > 0 and match.string[match.start() - 1].isdigit()
        if after_digit or (len(run) == 1 and run not in "十百千万亿"):
            return run  # "3千" (a multiplier after digits), "一" alone
        value = zh_integer(run)
        return run if value is None else str(value)

    return _ZH_RUN.sub(swap, text)


_EN_UNITS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_EN_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
}
_EN_WORD = (
    r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|hundred|thousand)"
)
_EN_RUN = re.compile(rf"\b{_EN_WORD}(?:[\s-]+(?:and\s+)?{_EN_WORD})*\b")


def en_integer(run: str) -> int | None:
    """An English number in words ("five hundred", "two thousand fifty"), else None."""
    total = current = 0
    for word in re.split(r"[\s-]+", run):
        if word in _EN_UNITS:
            current += _EN_UNITS[word]
        elif word in _EN_TENS:
            current += _EN_TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total, current = total + max(current, 1) * 1000, 0
    value = total + current
    return value if value > 0 else None


def _en_to_digits(text: str) -> str:
    """English numbers in words written as digits, for runs of two words or more and for a
    single word before a currency ("five hundred euros", "fifty EUR"); "one" alone stays."""

    def swap(match: re.Match[str]) -> str:
        run = match.group()
        value = en_integer(run)
        several = len(re.split(r"[\s-]+", run)) > 1
        before_currency = re.match(rf"\s*{_CUR}", match.string[match.end() :]) is not None
        return str(value) if value is not None and (several or before_currency) else run

    return _EN_RUN.sub(swap, text)


def amount(text: str, default_currency: str | None) -> tuple[int | None, str | None]:
    """The amount a question names, in minor units of its currency (else the default)."""
    text = _en_to_digits(_zh_to_digits(text))
    best: tuple[int, str | None] | None = None
    for match in _AMOUNT.finditer(text):
        cur = match.group(1) or match.group(6)
        digits = match.group(2) or match.group(4)
        multiplier = match.group(3) or match.group(5)
        if not digits:
            continue
        # a bare number next to a period word ("last 3 months", "2025") is not an amount
        if cur is None and multiplier is None:
            after = text[match.end() : match.end() + 8]
            if re.match(r"\s*(?:days?|weeks?|months?|years?|个|天|周|月|年|%)", after):
                continue
            if re.fullmatch(r"(?:19|20)\d\d", digits) or (
                len(digits) <= 1 and not default_currency
            ):
                continue
        value = float(digits.replace(",", ""))
        if multiplier:
            value *= MULTIPLIERS[multiplier]
        currency = _currency(cur, default_currency)
        scale = SCALES.get(currency or "", 2)
        minor = round(value * 10**scale)
        if best is None or cur is not None:
            best = (minor, currency)
            if cur is not None:
                break
    return best if best is not None else (None, None)


def _currency(word: str | None, default: str | None) -> str | None:
    """The currency ``word`` names: "$" and "dollars" are the wallet's dollar (CAD, AUD,
    HKD ...) when it holds dollars, else USD; "¥" is JPY for a yen wallet, else CNY."""
    if word is None:
        return default
    shared = _SHARED.get(word)
    if (
        default
        and shared
        and (default == shared or (len(shared) == 1 and default.endswith(shared)))
    ):
        return default
    return CURRENCIES.get(word, default)
