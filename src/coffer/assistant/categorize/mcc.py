"""Merchant category codes (ISO 18245) to detailed categories.

Every code of the ``iso18245`` package maps to a detailed category: the codes listed in
``coffer/assistant/data/mcc.tsv`` by hand, the 3000-3999 block by its ranges (airlines
3000-3350, car rental 3351-3500, hotels 3501-3999), any other code by the range it falls in
(``mcc_ranges.tsv``). The confidence says how much a code tells
(a grocery store code tells a lot; "miscellaneous specialty retail" little).
"""

from __future__ import annotations

from functools import lru_cache

from coffer.assistant.data import read_tsv

# code: (detailed, confidence), from ``data/mcc.tsv``
_EXPLICIT: dict[str, tuple[str, float]] = {
    code: (detailed, float(confidence)) for code, detailed, confidence in read_tsv("mcc.tsv")
}

# Ranges for codes not listed (start, end, detailed, confidence), from ``data/mcc_ranges.tsv``.
_RANGES: tuple[tuple[int, int, str, float], ...] = tuple(
    (int(start), int(end), detailed, float(confidence))
    for start, end, detailed, confidence in read_tsv("mcc_ranges.tsv")
)


@lru_cache(maxsize=4096)
def mcc_category(mcc: str | None) -> tuple[str, float] | None:
    """The detailed category an MCC points to and how much it tells, None when unusable."""
    if mcc is None:
        return None
    code = mcc.strip()
    if not code.isdigit() or len(code) > 4:
        return None
    code = code.zfill(4)
    if code in _EXPLICIT:
        return _EXPLICIT[code]
    number = int(code)
    for start, end, detailed, confidence in _RANGES:
        if start <= number <= end:
            return detailed, confidence
    return None


def known_codes() -> list[str]:
    """Every MCC the ``iso18245`` package knows (for tests and docs)."""
    import iso18245

    return [m.mcc for m in iso18245.get_all_mccs()]
