"""Short names of the assistant's detailed categories (Plaid's taxonomy, version 1) as the
wallet app shows them: in English the code's own words ("Groceries"), in Chinese a name
of the same length, kept beside the gettext catalogue (``locale/zh/categories.tsv``). The
primary categories are in the gettext catalogue."""

from __future__ import annotations

from pathlib import Path

from coffer.assistant import taxonomy

CHINESE_NAMES = Path(__file__).parent / "locale" / "zh" / "categories.tsv"


def _names(path: Path) -> dict[str, str]:
    """``CODE<tab>name`` lines (``#`` starts a comment line)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    pairs = (line.split("\t", 1) for line in lines if line and not line.startswith("#"))
    return {code: name for code, name in pairs}


CHINESE = _names(CHINESE_NAMES)


def detailed_name(code: str, language: str) -> str:
    """A detailed category's short name in ``language`` (``en`` or ``zh``)."""
    if language == "zh" and code in CHINESE:
        return CHINESE[code]
    category = taxonomy.CATEGORIES.get(code)
    if category is None:
        return code
    words = code[len(category.primary) + 1 :].replace("_", " ").lower()
    return words[:1].upper() + words[1:]
