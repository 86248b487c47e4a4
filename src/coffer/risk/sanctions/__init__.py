"""Sanctions screening: the UN, OFAC and EU lists, loaded from their official formats, and
fuzzy name matching that ranks with birth date and country.

    from coffer.risk.sanctions import load_list, screen_name
    load_list(c.engine, "consolidated.xml")
    screen_name(c.engine, "Won-ho Ri", birth_date="1964-07-17")
"""

from coffer.risk.sanctions.errors import InvalidListFile, InvalidScreeningInput, UnknownListFormat
from coffer.risk.sanctions.loaders import FORMATS, detect_format, parse_file
from coffer.risk.sanctions.matcher import DEFAULT_THRESHOLD, Index
from coffer.risk.sanctions.models import ListEntry, ListInfo, Match, ParsedList, Subject
from coffer.risk.sanctions.service import (
    Screener,
    load_list,
    loaded_lists,
    screen_name,
    screener_for,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "FORMATS",
    "Index",
    "InvalidListFile",
    "InvalidScreeningInput",
    "ListEntry",
    "ListInfo",
    "Match",
    "ParsedList",
    "Screener",
    "Subject",
    "UnknownListFormat",
    "detect_format",
    "load_list",
    "loaded_lists",
    "parse_file",
    "screen_name",
    "screener_for",
]
