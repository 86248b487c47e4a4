"""Country names and codes as the lists and customers write them -> ISO 3166 alpha-2."""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry
from anyascii import anyascii

# Names the lists use that ISO 3166 does not spell that way.
_EXTRA = {
    "russia": "RU",
    "north korea": "KP",
    "korea north": "KP",
    "dprk": "KP",
    "democratic people s republic of korea": "KP",
    "korea democratic people s republic of": "KP",
    "south korea": "KR",
    "korea south": "KR",
    "republic of korea": "KR",
    "iran": "IR",
    "syria": "SY",
    "libya": "LY",
    "laos": "LA",
    "vietnam": "VN",
    "viet nam": "VN",
    "burma": "MM",
    "ivory coast": "CI",
    "cote d ivoire": "CI",
    "congo democratic republic of the": "CD",
    "democratic republic of the congo": "CD",
    "congo kinshasa": "CD",
    "republic of the congo": "CG",
    "congo brazzaville": "CG",
    "tanzania": "TZ",
    "bolivia": "BO",
    "venezuela": "VE",
    "moldova": "MD",
    "macedonia": "MK",
    "the former yugoslav republic of macedonia": "MK",
    "czech republic": "CZ",
    "turkey": "TR",
    "turkiye": "TR",
    "palestine": "PS",
    "west bank": "PS",
    "gaza": "PS",
    "gaza strip": "PS",
    "kosovo": "XK",
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "united states": "US",
    "usa": "US",
    "united states of america": "US",
    "brunei": "BN",
    "cape verde": "CV",
    "swaziland": "SZ",
    "east timor": "TL",
    "vatican": "VA",
    "holy see": "VA",
    "micronesia": "FM",
    "taiwan": "TW",
    "hong kong": "HK",
    "macau": "MO",
    "crimea": "UA",
    "region crimea": "UA",
    "yugoslavia": "RS",
    "serbia and montenegro": "RS",
    "sudan south": "SS",
    "uae": "AE",
    "emirates": "AE",
}
_PARENS = re.compile(r"\(([^)]*)\)")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def _key(text: str) -> str:
    return _NOT_WORD.sub(" ", anyascii(text).lower()).strip()


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        table[country.alpha_3.lower()] = code
        for attribute in ("name", "official_name", "common_name"):
            value = getattr(country, attribute, None)
            if value:
                table[_key(value)] = code
                # "Iran (Islamic Republic of)" -> "iran", "Bolivia, Plurinational State of" -> "bolivia"
                table.setdefault(_key(_PARENS.sub("", value).split(",")[0]), code)
    table.update(_EXTRA)
    return table


_ALPHA2 = frozenset(c.alpha_2 for c in pycountry.countries) | {"XK"}


@lru_cache(maxsize=4096)
def country_code(value: str | None) -> str | None:
    """The alpha-2 code of a country given as alpha-2, alpha-3 or an English name; None
    when it is not recognised."""
    if not value:
        return None
    text = value.strip()
    if len(text) == 2 and text.upper() in _ALPHA2:
        return text.upper()
    key = _key(text)
    if not key:
        return None
    table = _table()
    code = table.get(key)
    if code is None:
        code = table.get(_key(_PARENS.sub("", text).split(",")[0]))
    if code is None and "," in text:  # "Korea, Democratic People's Republic of"
        head, _, tail = text.partition(",")
        code = table.get(_key(tail + " " + head))
    return code
