"""The generator of labelled synthetic statement lines (training data and held-out set).

Lines are built from bank templates of ten locales (US, UK, Germany, France, Spain, Italy,
the Netherlands, Poland, China, Japan): card payments with a merchant (a known brand or a
made-up name of name parts and a shop-type word), direct debits, transfers, wages, fees and
so on, with amounts in the locale's currency and, for about half the card lines, an MCC.

The ``train`` split uses the dictionary's brands, the train name parts and the even-numbered
non-merchant templates; the ``heldout`` split uses brands that are neither in the dictionary
nor in the training data, disjoint name parts and the odd-numbered templates (card templates:
a third of them appear in the held-out set only). Lines whose merchant is a brand have ids
``<split>-brand-<n>``. Both splits are deterministic for a seed.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator

from coffer.assistant.categorize import mcc as mcc_module
from coffer.assistant.categorize.merchants_data import MERCHANTS
from coffer.assistant.categorize.normalize import has_cjk
from coffer.assistant.categorize.schemas import StatementLine
from coffer.assistant.categorize.synthetic_templates import CARD_TEMPLATES, OTHER_TEMPLATES
from coffer.assistant.categorize.synthetic_words import CATEGORY_WORDS, HELDOUT_BRANDS, NAMES
from coffer.assistant.taxonomy import CATEGORIES, primary_of

LOCALES: dict[str, tuple[str, int]] = {
    "us": ("USD", 2),
    "gb": ("GBP", 2),
    "de": ("EUR", 2),
    "fr": ("EUR", 2),
    "es": ("EUR", 2),
    "it": ("EUR", 2),
    "nl": ("EUR", 2),
    "pl": ("PLN", 2),
    "zh": ("CNY", 2),
    "ja": ("JPY", 0),
}
_CJK_LOCALES = ("zh", "ja")
_CITIES = {
    "us": "NEW YORK|CHICAGO|AUSTIN|SEATTLE|DENVER|BOSTON|MIAMI|PORTLAND|DALLAS|ATLANTA",
    "gb": "LONDON|MANCHESTER|LEEDS|BRISTOL|GLASGOW|CARDIFF|YORK|BRIGHTON|OXFORD|BATH",
    "de": "BERLIN|HAMBURG|MUENCHEN|KOELN|FRANKFURT|STUTTGART|LEIPZIG|DRESDEN|BREMEN|ESSEN",
    "fr": "PARIS|LYON|MARSEILLE|TOULOUSE|NICE|NANTES|BORDEAUX|LILLE|RENNES|DIJON",
    "es": "MADRID|BARCELONA|VALENCIA|SEVILLA|BILBAO|MALAGA|ZARAGOZA|MURCIA|PALMA|GIJON",
    "it": "ROMA|MILANO|NAPOLI|TORINO|FIRENZE|BOLOGNA|GENOVA|VERONA|PADOVA|BARI",
    "nl": "AMSTERDAM|ROTTERDAM|UTRECHT|EINDHOVEN|GRONINGEN|LEIDEN|DELFT|HAARLEM|ARNHEM|ZWOLLE",
    "pl": "WARSZAWA|KRAKOW|WROCLAW|GDANSK|POZNAN|LODZ|LUBLIN|KATOWICE|SZCZECIN|TORUN",
    "zh": "北京|上海|广州|深圳|杭州|成都|南京|武汉|西安|重庆",
    "ja": "東京|大阪|名古屋|札幌|福岡|横浜|京都|神戸|仙台|広島",
}
_STATES = ["CA", "NY", "TX", "WA", "IL", "MA", "FL", "OR", "CO", "GA"]
_COUNTRY = {
    "us": "US",
    "gb": "GB",
    "de": "DE",
    "fr": "FR",
    "es": "ES",
    "it": "IT",
    "nl": "NL",
    "pl": "PL",
    "zh": "CN",
    "ja": "JP",
}

# Typical amounts in major units (low, high) per primary category.
_AMOUNTS: dict[str, tuple[float, float]] = {
    "INCOME": (300, 6000),
    "TRANSFER_IN": (10, 3000),
    "TRANSFER_OUT": (10, 2000),
    "LOAN_PAYMENTS": (50, 2500),
    "BANK_FEES": (1, 40),
    "ENTERTAINMENT": (5, 150),
    "FOOD_AND_DRINK": (2, 120),
    "GENERAL_MERCHANDISE": (3, 400),
    "HOME_IMPROVEMENT": (10, 900),
    "MEDICAL": (5, 400),
    "PERSONAL_CARE": (8, 120),
    "GENERAL_SERVICES": (5, 600),
    "GOVERNMENT_AND_NON_PROFIT": (5, 1500),
    "TRANSPORTATION": (2, 120),
    "TRAVEL": (30, 1500),
    "RENT_AND_UTILITIES": (20, 1600),
}
_CURRENCY_FACTOR = {"JPY": 150.0, "CNY": 7.0, "PLN": 4.0}


def _brands(split: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    if split == "train":
        for detailed, block in MERCHANTS.items():
            for entry in block.split(";"):
                names = [n.strip() for n in entry.split("|") if n.strip()]
                out[detailed].extend(names[:3])
    else:
        for detailed, block in HELDOUT_BRANDS.items():
            out[detailed].extend(n.strip() for n in block.split("|") if n.strip())
    return out


def _mcc_codes() -> dict[str, list[str]]:
    codes: dict[str, list[str]] = defaultdict(list)
    for code, (detailed, _confidence) in mcc_module._EXPLICIT.items():
        codes[detailed].append(code)
    return codes


class _Builder:
    def __init__(self, split: str, seed: int) -> None:
        self.split = split
        self.rng = random.Random(f"{split}:{seed}")
        self.brands = _brands(split)
        self.turn: dict[str, int] = {}
        self.brand_names = {b for names in self.brands.values() for b in names}
        self.names = NAMES[split]
        self.mccs = _mcc_codes()
        words: dict[str, tuple[list[str], list[str]]] = {}
        for detailed, block in CATEGORY_WORDS.items():
            all_words = [w.strip() for w in block.split("|") if w.strip()]
            words[detailed] = (
                [w for w in all_words if not has_cjk(w)],
                [w for w in all_words if has_cjk(w)],
            )
        self.words = words

    def _name_part(self, cjk: bool) -> str:
        if cjk:
            return self.rng.choice(self.names["cjk"])
        if self.rng.random() < 0.25:
            return self.rng.choice(self.names["given"]) + "'s"
        return self.rng.choice(self.names["latin"])

    def merchant(self, detailed: str, locale: str) -> str:
        cjk = locale in _CJK_LOCALES
        latin_words, cjk_words = self.words.get(detailed, ([], []))
        brands = self.brands.get(detailed, [])
        if brands and self.rng.random() < 0.35:
            candidates = [b for b in brands if has_cjk(b) == cjk] or brands
            return self.rng.choice(candidates)
        pool = cjk_words if cjk and cjk_words else latin_words or cjk_words
        if not pool:
            return self._name_part(cjk)
        # Training cycles through every shop-type word (of each script's list in turn); the
        # held-out set draws at random.
        key = f"{detailed}:{pool is cjk_words}"
        self.turn[key] = self.turn.get(key, -1) + 1
        word = pool[self.turn[key] % len(pool)] if self.split == "train" else self.rng.choice(pool)
        name = self._name_part(cjk and bool(cjk_words))
        if has_cjk(word):
            return name + word
        shape = self.rng.random()
        if shape < 0.4:
            return f"{name} {word}"
        if shape < 0.75:
            return f"{word} {name}"
        if shape < 0.9:
            return f"{word} {name} {self.rng.choice(self.names['latin'])}"
        return word

    def amount(self, detailed: str, currency: str, scale: int) -> int:
        low, high = _AMOUNTS[primary_of(detailed)]
        factor = _CURRENCY_FACTOR.get(currency, 1.0)
        value = self.rng.uniform(low, high) * factor
        return max(1, int(value * (10**scale) + 0.5))

    def fill(self, template: str, locale: str, merchant: str = "") -> str:
        rng = self.rng
        cities = _CITIES[locale].split("|")
        values = {
            "M": merchant if locale in _CJK_LOCALES or rng.random() < 0.6 else merchant.upper(),
            "CITY": rng.choice(cities),
            "ST": rng.choice(_STATES),
            "CC": _COUNTRY[locale],
            "DD": f"{rng.randint(1, 28):02d}",
            "MM": f"{rng.randint(1, 12):02d}",
            "YY": f"{rng.randint(24, 26)}",
            "YYYY": f"20{rng.randint(24, 26)}",
            "CARD": f"{rng.randint(1000, 9999)}",
            "STORE": f"{rng.randint(1, 9999)}",
            "REF": "".join(
                rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(rng.randint(6, 14))
            ),
            "NUM": f"{rng.randint(100000, 99999999)}",
            "PERSON": f"{rng.choice(self.names['given'])} {rng.choice(self.names['latin'])}",
            "CPERSON": rng.choice(["张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴"])
            + rng.choice(["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇"]),
            "JPERSON": rng.choice(["ヤマダ", "サトウ", "スズキ", "タナカ", "イトウ"])
            + " "
            + rng.choice(["タロウ", "ハナコ", "ケンジ", "ユミ"]),
            "EMP": f"{rng.choice(self.names['latin'])} {rng.choice(['GmbH', 'Ltd', 'Inc', 'SA', 'SARL', 'SRL', 'BV', 'AG', 'LLC', 'S.L.', 'Sp. z o.o.', 'Corp'])}",
            "CEMP": rng.choice(self.names["cjk"])
            + rng.choice(["科技有限公司", "贸易有限公司", "集团", "股份有限公司"]),
            "BANK": rng.choice(
                [
                    "Sparkasse",
                    "Volksbank",
                    "Commerzbank",
                    "BNP Paribas",
                    "Crédit Agricole",
                    "Santander",
                    "BBVA",
                    "Intesa Sanpaolo",
                    "UniCredit",
                    "ING",
                    "Rabobank",
                    "PKO BP",
                    "Barclays",
                    "HSBC",
                    "Lloyds",
                    "Chase",
                    "Wells Fargo",
                    "Bank of America",
                ]
            ),
            "IBAN": f"{_COUNTRY[locale]}{rng.randint(10, 99)}{rng.randint(10**15, 10**16 - 1)}",
            "MON": rng.choice(
                ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
            ),
            "MONTH": rng.choice(
                [
                    "01/2026",
                    "02/2026",
                    "03/2026",
                    "2026-03",
                    "MARCH 2026",
                    "März 2026",
                    "mars 2026",
                    "marzo 2026",
                    "2026年3月",
                ]
            ),
        }
        out = template
        for key, value in values.items():
            out = out.replace("{" + key + "}", value)
        return out


def generate(
    split: str = "train", *, per_category: int = 60, seed: int = 7
) -> Iterator[tuple[StatementLine, str]]:
    """Labelled lines of ``split`` ("train" or "heldout"): (line, detailed category)."""
    for line, detailed, _brand in generate_with_brands(split, per_category=per_category, seed=seed):
        yield line, detailed


def generate_with_brands(
    split: str = "train", *, per_category: int = 60, seed: int = 7
) -> Iterator[tuple[StatementLine, str, str | None]]:
    """As ``generate``, with the brand a line names (None for a made-up name or no merchant)."""
    if split not in ("train", "heldout"):
        raise ValueError("split must be 'train' or 'heldout'")
    builder = _Builder(split, seed)
    rng = builder.rng
    parity = 0 if split == "train" else 1
    number = 0
    locales = list(LOCALES)
    for detailed in CATEGORIES:
        others = OTHER_TEMPLATES.get(detailed)
        for _ in range(per_category):
            locale = rng.choice(locales)
            currency, scale = LOCALES[locale]
            number += 1
            line_id = f"{split}-{number}"
            amount = builder.amount(detailed, currency, scale)
            if others is not None and (detailed not in CATEGORY_WORDS or rng.random() < 0.5):
                pool = others.get(locale) or others.get("any") or next(iter(others.values()))
                usable = [t for i, t in enumerate(pool) if i % 2 == parity] or pool
                template, direction = rng.choice(usable)
                text = builder.fill(template, locale)
                yield StatementLine(line_id, text, amount, currency, direction), detailed, None
                continue
            merchant = builder.merchant(detailed, locale)
            brand = merchant if merchant in builder.brand_names else None
            if brand is not None:
                line_id = f"{split}-brand-{number}"
            templates = CARD_TEMPLATES[locale]
            chosen = [t for i, t in enumerate(templates) if i % 3 != 2 or parity == 1]
            text = builder.fill(rng.choice(chosen), locale, merchant)
            direction = "debit"
            if rng.random() < 0.05:
                direction = "credit"
                text = (
                    rng.choice(
                        [
                            "REFUND ",
                            "Erstattung ",
                            "REMBOURSEMENT ",
                            "退款-",
                            "DEVOLUCION ",
                            "RIMBORSO ",
                            "ZWROT ",
                        ]
                    )
                    + text
                )
            codes = builder.mccs.get(detailed)
            mcc = rng.choice(codes) if codes and rng.random() < 0.5 else None
            yield StatementLine(line_id, text, amount, currency, direction, mcc), detailed, brand
