"""Where a short dictionary alias may name a merchant.

An alias of three characters or fewer ("BP", "EE", "O2", "3", "CZ") is also a piece of many
other words, domains and codes: "ROHLIK.CZ" is a Czech grocer's domain, not the insurer CZ;
"BLUMEN-EE" and "PIZZA-BP" are compounds. Such an alias names a merchant only as a whole token
of the description (not joined to another word by ``.``, ``-``, ``/``, ``@``, ``&`` or ``'``),
and one that is also a country code, a top-level domain or an everyday word ("his", "nos")
only at the head of the cleaned descriptor, where a merchant's name stands ("CZ ZORGVERZEKERAAR", not "PEKARNA PRAHA CZ").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from coffer.assistant.categorize.normalize import strip_accents

SHORT = 3

# ISO 3166-1 alpha-2 codes, which are also the country top-level domains (and "uk", "eu").
COUNTRY_CODES = frozenset(
    (  # noqa: SIM905 (one code per line would run to 250 lines)
        "ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn "
        "bo bq br bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz "
        "de dj dk dm do dz ec ee eg eh er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi "
        "gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je "
        "jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md "
        "me mf mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no "
        "np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc "
        "sd se sg sh si sj sk sl sm sn so sr ss st sv sx sy sz tc td tf tg th tj tk tl tm tn "
        "to tr tt tv tw tz ua ug uk um us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw"
    ).split()
)


# Short aliases that are also everyday words ("his" is the travel agent H.I.S., "nos" a
# Portuguese telecom, "but" a French furniture chain): like country codes, only at the head.
WORD_ALIASES = frozenset(
    "his her nos dir etc but ret voi voo paz ama thy one the and for per des les una con por "  # noqa: SIM905
    "sur par wom".split()
)


def is_short(alias: str) -> bool:
    """Whether a folded alias is a single short token (CJK aliases aside)."""
    return 0 < len(alias) <= SHORT and " " not in alias and alias.isascii()


@lru_cache(maxsize=65536)
def _plain(description: str) -> str:
    return strip_accents(unicodedata.normalize("NFKC", description).casefold())


def stands_alone(alias: str, description: str, cleaned: str) -> bool:
    """Whether the short folded ``alias`` may name the merchant of ``description`` (whose
    folded cleaned descriptor is ``cleaned``)."""
    if (alias in COUNTRY_CODES or alias in WORD_ALIASES) and cleaned.split(" ", 1)[0] != alias:
        return False
    plain = _plain(description)
    pattern = re.compile(r"(?<![\w.\-/@&'’])" + re.escape(alias) + r"(?![\w\-/@&'’]|\.\w)")
    if pattern.search(plain):
        return True
    # Not in the text as written (an alias of another spelling): only a glued one is refused.
    glued = re.compile(
        r"(?:[\w.\-/@&'’]" + re.escape(alias) + "|" + re.escape(alias) + r"[\w\-@&'’])"
    )
    return glued.search(plain) is None
