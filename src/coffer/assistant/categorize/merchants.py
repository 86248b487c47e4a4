"""Look-up of well-known merchants (and generic shop words) in a folded descriptor.

Aliases of several words match as consecutive words, CJK aliases match anywhere. The longest
match wins; a brand wins over a generic word of the same length ("Hotel Chocolat" is not a
hotel).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from coffer.assistant.categorize.merchants_data import MERCHANTS
from coffer.assistant.categorize.normalize import fold, has_cjk
from coffer.assistant.categorize.synthetic_words import CATEGORY_WORDS

# One-word aliases too ambiguous to match alone (person names, common words); their brands
# still match through their longer aliases.
_AMBIGUOUS = frozenset(
    [
        "three",
        "next",
        "only",
        "selected",
        "expert",
        "power",
        "normal",
        "action",
        "real",
        "total",
        "star",
        "jet",
        "delta",
        "united",
        "swiss",
        "spark",
        "bell",
        "base",
        "ben",
        "play",
        "plus",
        "salt",
        "magenta",
        "sky",
        "bolt",
        "lime",
        "bird",
        "tier",
        "check",
        "spin",
        "via",
        "curb",
        "alto",
        "ring",
        "blink",
        "canary",
        "handy",
        "hassle",
        "calm",
        "manual",
        "keeps",
        "ro",
        "hers",
        "ginger",
        "kiwi",
        "giant",
        "medium",
        "mind",
        "shelter",
        "emergency",
        "inter",
        "king",
        "game",
        "dice",
        "mint",
        "sage",
        "wave",
        "empower",
        "wish",
        "temple",
        "court",
        "council",
        "budget",
        "enterprise",
        "national",
        "dollar",
        "fox",
        "europa",
        "presto",
        "opal",
        "metro",
        "casino",
        "pandora",
        "mercury",
        "contact",
        "origin",
        "care",
        "life",
        "fi",
        "dia",
        "otto",
        "paul",
        "leon",
        "ada",
        "coin",
        "quick",
        "max",
        "tim",
        "ip",
        "76",
        "pilot",
        "loves",
        "marathon",
        "tango",
        "holiday",
        "sunrise",
        "global",
        "tiger",
        "gail",
        "prime",
        "bulb",
        "sse",
        "rei",
        "spirit",
        "frontier",
        "alaska",
        "southwest",
        "american",
        "discover",
        "go",
        "liberty",
        "farmers",
        "travelers",
        "root",
        "nationwide",
        "signal",
        "vitality",
        "bupa",
        "octopus",
        "stage",
        "hyatt",
        "brico",
        "dirk",
        "pam",
        "plan",
        "drk",
        "ace",
        "kent",
        "rona",
        "aldi",
        "bk",
        "ea",
        "au",
        "ns",
        "sl",
        "cp",
        "lot",
        "ana",
        "sas",
        "tap",
        "dm",
        "gap",
        "ola",
        "didi",
        "grab",
        "via",
        "dash",
        "trip",
        "booking",
        "hem",
        "apple",
        "google",
        "microsoft",
        "amazon",
        "wow",
        "info",
        "eat",
        "crunch",
        "life",
        "time",
        "equinox",
        "saturn",
        "conrad",
        "power",
        "elisa",
        "vy",
        "sbb",
        "obb",
        "mvg",
        "hvv",
        "oyster",
        "arriva",
        "giant",
        "oasen",
        "dunea",
        "evides",
        "saur",
        "pge",
        "enea",
        "energa",
        "enbw",
        "rwe",
        "ewe",
        "tibber",
        "eon",
        "ovo",
        "yello",
        "swm",
        "bart",
        "brisa",
        "indigo",
        "manor",
        "hema",
        "passport",
        "coop",
        "speedy",
        "expert",
        "april",
        "a1",
        "pret",
    ]
)
_AMBIGUOUS_KEEP = frozenset({"apple", "google", "microsoft", "amazon", "aldi", "booking"})

# Display names that are generic shop words, not brands: they give a category, not a name.
GENERIC = frozenset(
    """Hotel Bar Nightclub Museum Zoo Aquarium Stadium Arena Golf Bowling Kino Taxi Parking
University College School Schule Ecole Colegio Scuola Hogeschool Szkola Water Electricity
Internet Trash Sewer Heating Airline Airport Ferry Lounge Apotheke Pharmacie Farmacia Farmacie
Apotek Tierklinik Veterinaire Veterinario Dierenarts Weterynarz Kita Crèche Guarderia
Kinderopvang Kinderdagverblijf Zlobek Notary Notar Notaire Notaria Notaio Notaris Notariusz
Rechtsanwalt Avocat Abogado Avvocato Advocaat Adwokat Solicitor Attorney Steuerberater
Asesoria Commercialista Boekhouder Locksmith Funeral Church Mosque Synagogue Temple Court
Council Lotto Casino Karaoke Kart Parkhaus Tabac Tabaccheria Estanco Tabakwaren Pressing
Waschsalon Wasserette Lavanderia Pralnia Lavomatic Autohaus Concessionnaire Concesionario
Concessionaria Smoke\u00a0Shop Tobacconist Trampoline\u00a0Park Laser\u00a0Tag Escape\u00a0Room
Escape\u00a0Rooms Cleaning\u00a0Service Rent\u00a0A\u00a0Car Vape\u00a0Shop Expert\u00a0Comptable
Biuro\u00a0rachunkowe Asilo\u00a0nido City\u00a0of Duty\u00a0Free Shoe\u00a0Repair Cobbler
Paintball""".replace("\u00a0", "_").split()
)


# Shop-type words too ambiguous to decide a category alone (the classifier weighs them).
_STOP_WORDS = frozenset(
    [
        "service",
        "services",
        "air",
        "post",
        "sport",
        "sports",
        "club",
        "market",
        "mart",
        "power",
        "premium",
        "charges",
        "fine",
        "don",
        "dons",
        "lot",
        "bet",
        "bets",
        "tipp",
        "jeux",
        "mobile",
        "handy",
        "music",
        "musik",
        "musique",
        "musica",
        "muziek",
        "muzyka",
        "tickets",
        "ticket",
        "events",
        "games",
        "cloud",
        "software",
        "domain",
        "photo",
        "books",
        "travel",
        "tours",
        "ferry",
        "ferries",
        "rent",
        "rental",
        "apartments",
        "gov",
        "government",
        "department",
        "of",
        "ministry",
        "subs",
        "camping",
        "nursery",
        "monitoring",
        "recharge",
        "records",
        "metro",
        "subway",
        "moving",
        "charges",
        "utilities",
        "utility",
        "bus",
        "mode",
        "premium",
        "gift",
        "lager",
        "opslag",
        "magazyn",
        "storage",
        "reisen",
        "viajes",
        "viaggi",
        "reizen",
        "voyages",
        "jeux",
        "apuestas",
        "bilet",
        "bilety",
        "billete",
        "biglietto",
        "tram",
        "rail",
        "entradas",
        "ticketing",
        "eintritt",
        "fahrkarte",
        "taxe",
        "taxes",
        "tax",
    ]
)


@dataclass(frozen=True, slots=True)
class MerchantMatch:
    name: str | None  # None for a generic word
    detailed: str
    words: int  # length of the matched alias in words (CJK: characters / 2)
    alias: str = ""  # the folded alias that matched (Latin ones)


def _is_generic(display: str) -> bool:
    return display.replace(" ", "_") in GENERIC or (has_cjk(display) and display in _CJK_GENERIC)


_CJK_GENERIC = frozenset(
    [
        "宠物医院",
        "動物病院",
        "学费",
        "大学",
        "学院",
        "中学",
        "小学",
        "保育園",
        "托育",
        "病院",
        "家政",
        "保洁",
        "开锁",
        "搬家",
        "洗车",
        "汽车美容",
        "租车",
        "机票",
        "旅行社",
        "加油站",
        "停车场",
        "出租车",
        "彩票",
        "网吧",
        "桌游",
        "剧本杀",
        "密室逃脱",
        "宽带",
        "光纤",
        "有线网",
        "电费",
        "燃气",
        "自来水",
        "水费",
        "垃圾",
        "物业费",
        "暖气费",
        "话费",
        "寺",
        "寺院",
        "神社",
    ]
)


@lru_cache(maxsize=1)
def _index() -> tuple[
    dict[tuple[str, ...], MerchantMatch], re.Pattern[str] | None, dict[str, MerchantMatch], int
]:
    words_index: dict[tuple[str, ...], MerchantMatch] = {}
    cjk_index: dict[str, MerchantMatch] = {}
    longest = 1
    for detailed, block in MERCHANTS.items():
        for raw_entry in block.split(";"):
            entry = raw_entry.strip()
            if not entry:
                continue
            names = [n.strip() for n in entry.split("|") if n.strip()]
            display = names[0]
            generic = _is_generic(display) or any(_is_generic(n) for n in names[:1])
            for alias in names:
                folded = fold(alias)
                if not folded:
                    continue
                if has_cjk(folded) and " " not in folded:
                    match = MerchantMatch(
                        None if generic or alias in _CJK_GENERIC else display,
                        detailed,
                        max(1, len(folded) // 2),
                    )
                    cjk_index.setdefault(folded, match)
                    continue
                tokens = tuple(folded.split(" "))
                if (
                    len(tokens) == 1
                    and tokens[0] in _AMBIGUOUS
                    and tokens[0] not in _AMBIGUOUS_KEEP
                ):
                    continue
                longest = max(longest, len(tokens))
                match = MerchantMatch(None if generic else display, detailed, len(tokens), folded)
                words_index.setdefault(tokens, match)
    # Shop-type words ("Pizzeria", "Apotheke", "超市") that name one category only.
    owners: dict[str, set[str]] = defaultdict(set)
    for detailed, block in CATEGORY_WORDS.items():
        for word in block.split("|"):
            folded = fold(word)
            if folded and folded not in _STOP_WORDS:
                owners[folded].add(detailed)
    for folded, categories in owners.items():
        if len(categories) != 1:
            continue
        detailed = next(iter(categories))
        if has_cjk(folded) and " " not in folded:
            cjk_index.setdefault(folded, MerchantMatch(None, detailed, max(1, len(folded) // 2)))
            continue
        tokens = tuple(folded.split(" "))
        longest = max(longest, len(tokens))
        words_index.setdefault(tokens, MerchantMatch(None, detailed, len(tokens)))
    pattern = None
    if cjk_index:
        ordered = sorted(cjk_index, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(a) for a in ordered))
    return words_index, pattern, cjk_index, longest


_Categories = tuple[frozenset[str], frozenset[str]]  # (of generic words, of shop words)


@lru_cache(maxsize=1)
def _shop_index() -> tuple[
    dict[tuple[str, ...], _Categories], dict[str, int], dict[str, _Categories], int
]:
    """Every category each generic dictionary word and each shop word names, including the
    shop words that name several ("kiosk"): Latin ones by words (with the most words of one
    starting with a given word), CJK ones by text (with the longest's length)."""
    words_index, _, cjk_index, _ = _index()
    generic: dict[str, set[str]] = defaultdict(set)
    trade: dict[str, set[str]] = defaultdict(set)
    for tokens, match in words_index.items():
        if match.name is None:
            generic[" ".join(tokens)].add(match.detailed)
    for text, match in cjk_index.items():
        if match.name is None:
            generic[text].add(match.detailed)
    for detailed, block in CATEGORY_WORDS.items():
        for word in block.split("|"):
            folded = fold(word)
            if folded and folded not in _STOP_WORDS:
                trade[folded].add(detailed)
    latin: dict[tuple[str, ...], _Categories] = {}
    sizes: dict[str, int] = {}
    cjk: dict[str, _Categories] = {}
    for key in generic.keys() | trade.keys():
        value = (frozenset(generic.get(key, ())), frozenset(trade.get(key, ())))
        if has_cjk(key) and " " not in key:
            cjk[key] = value
        else:
            tokens = tuple(key.split(" "))
            latin[tokens] = value
            sizes[tokens[0]] = max(sizes.get(tokens[0], 0), len(tokens))
    return latin, sizes, cjk, max(len(k) for k in cjk)


@lru_cache(maxsize=65536)
def _shop_words(folded: str) -> _Categories:
    """The categories of the shop words of a folded descriptor; a word inside a longer one
    found there ("club" in "tennis club", "クラブ" in "スポーツクラブ") does not count."""
    latin, sizes, cjk, longest_cjk = _shop_index()
    tokens = folded.split(" ")
    spans: list[tuple[int, int, _Categories]] = []
    for start, token in enumerate(tokens):
        for size in range(1, min(sizes.get(token, 0), len(tokens) - start) + 1):
            hit = latin.get(tuple(tokens[start : start + size]))
            if hit is not None:
                spans.append((start, start + size, hit))
    if has_cjk(folded):  # every substring as long as a CJK word, by character offsets
        offset = len(tokens) + 1
        for start in range(len(folded)):
            for size in range(1, longest_cjk + 1):
                hit = cjk.get(folded[start : start + size])
                if hit is not None:
                    spans.append((offset + start, offset + start + size, hit))
    found = [
        hit
        for start, end, hit in spans
        if not any(s <= start and end <= e and e - s > end - start for s, e, _ in spans)
    ]
    return frozenset().union(*(h[0] for h in found)), frozenset().union(*(h[1] for h in found))


def shop_word_categories(folded: str, generic: bool = True) -> frozenset[str]:
    """The detailed categories of every shop word and (``generic``) generic dictionary word
    ("membership", "city of") in a folded descriptor: several when its words disagree
    ("Gasthaus", "Energie Fitness")."""
    generic_words, shop_words = _shop_words(folded)
    return generic_words | shop_words if generic else shop_words


@lru_cache(maxsize=65536)
def find_merchant(folded: str) -> MerchantMatch | None:
    """The best dictionary match in a folded descriptor, or None."""
    words_index, cjk_pattern, cjk_index, longest = _index()
    best: MerchantMatch | None = None
    tokens = folded.split(" ")
    count = len(tokens)
    for size in range(min(longest, count), 0, -1):
        for start in range(count - size + 1):
            match = words_index.get(tuple(tokens[start : start + size]))
            if match is not None and _better(match, best):
                best = match
        if best is not None and best.name is not None and best.name not in PLATFORMS:
            break
    if cjk_pattern is not None and has_cjk(folded):
        for found in cjk_pattern.finditer(folded):
            match = cjk_index[found.group(0)]
            if _better(match, best):
                best = match
    return best


# Platforms that prefix other merchants' names ("GOOGLE *YouTube", "APPLE.COM/BILL Netflix",
# "京东-五金工具旗舰店", "美团-丝域养发馆"): another brand or a shop word in the same
# descriptor wins over them.
PLATFORMS = frozenset(
    {
        "Google",
        "Apple",
        "Amazon",
        "Microsoft",
        "Klarna",
        "Afterpay",
        "Clearpay",
        "Affirm",
        "Scalapay",
        "美团",
        "淘宝",
        "天猫",
        "京东",
        "拼多多",
        "楽天市場",
    }
)


def _rank(match: MerchantMatch) -> tuple[int, float]:
    if match.name is None:
        return 1, match.words
    return (0, match.words) if match.name in PLATFORMS else (2, match.words)


def _better(candidate: MerchantMatch, current: MerchantMatch | None) -> bool:
    return current is None or _rank(candidate) > _rank(current)


def dictionary_size() -> int:
    """How many brand aliases the dictionary holds (for docs and tests)."""
    words_index, _, cjk_index, _ = _index()
    return len(words_index) + len(cjk_index)
