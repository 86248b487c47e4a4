"""The taxonomy, MCC tables, merchant dictionary and synthetic word lists are packaged data
files; they load to the same values."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

from coffer.assistant.categorize import mcc
from coffer.assistant.categorize.mcc import mcc_category
from coffer.assistant.categorize.merchants_data import MERCHANTS
from coffer.assistant.categorize.synthetic_words import CATEGORY_WORDS, HELDOUT_BRANDS, NAMES
from coffer.assistant.taxonomy import _TAXONOMY, CATEGORIES, primary_of


def _digest(value: object) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:16]


def test_taxonomy_values_are_unchanged() -> None:
    assert len(_TAXONOMY) == 104
    assert _TAXONOMY[0] == ("INCOME", "INCOME_DIVIDENDS", "Dividends from investment accounts")
    assert _digest(_TAXONOMY) == "fb8a521f067b2de3"


def test_mcc_tables_are_unchanged() -> None:
    assert len(mcc._EXPLICIT) == 305
    assert _digest(list(mcc._EXPLICIT.items())) == "9c52e9da17467c7a"
    assert _digest(mcc._RANGES) == "c1b760d79c174929"
    assert mcc_category("5411") == mcc._EXPLICIT["5411"]
    assert mcc_category("3100") == ("TRAVEL_FLIGHTS", 0.93)


def test_merchant_dictionary_is_unchanged() -> None:
    entries = [
        (category, [entry.strip() for entry in block.split(";") if entry.strip()])
        for category, block in MERCHANTS.items()
    ]
    assert len(entries) == 73 and sum(len(names) for _, names in entries) == 4056
    assert _digest(entries) == "247332dc86f06108"
    assert all(category in CATEGORIES for category in MERCHANTS)


def test_synthetic_word_lists_are_unchanged() -> None:
    assert len(CATEGORY_WORDS) == 74
    assert sum(len(block.split("|")) for block in CATEGORY_WORDS.values()) == 5387
    assert _digest(CATEGORY_WORDS) == "58ae9228f516fa8c"
    sizes = {
        split: {script: len(v) for script, v in parts.items()} for split, parts in NAMES.items()
    }
    assert sizes == {
        "train": {"latin": 207, "given": 64, "cjk": 57},
        "heldout": {"latin": 88, "given": 30, "cjk": 35},
    }
    assert _digest(NAMES) == "1245d67c8bcfcccd"
    assert len(HELDOUT_BRANDS) == 40
    assert sum(len(block.split("|")) for block in HELDOUT_BRANDS.values()) == 465
    assert _digest(HELDOUT_BRANDS) == "fe7ee6e77177f27f"
    assert all(c in CATEGORIES for c in [*CATEGORY_WORDS, *HELDOUT_BRANDS])
    assert not set(NAMES["train"]["latin"]) & set(NAMES["heldout"]["latin"])


def test_mcc_categories_are_known_detailed_categories() -> None:
    for detailed, _ in mcc._EXPLICIT.values():
        assert primary_of(detailed)
    for _, _, detailed, _ in mcc._RANGES:
        assert detailed in CATEGORIES


def test_the_data_files_are_packaged() -> None:
    root = Path(__file__).resolve().parents[3]
    config = tomllib.loads((root / "pyproject.toml").read_text())
    packaged = config["tool"]["setuptools"]["package-data"]["coffer"]
    assert "assistant/data/*.tsv" in packaged and "assistant/data/*.txt" in packaged
    for name in (
        "taxonomy.tsv",
        "mcc.tsv",
        "mcc_ranges.tsv",
        "merchants.txt",
        "synthetic_words.txt",
    ):
        assert (root / "src" / "coffer" / "assistant" / "data" / name).is_file()


# The lines of each hand-written held-out set (bench/data) that name a brand the merchant
# dictionary knows, as (count, digest of their ids): pinned when each set was written, so
# that no dictionary entry is ever added for a merchant of a held-out line.
_KNOWN_BRAND_LINES = {
    # one more since traditional characters fold to simplified: the generic alias 管理費
    # (a Japanese building fee) matches the line "账户管理费", whose purpose rule decides it
    "heldout": (67, "0febcdb5519c1279"),
    "fresh": (7, "e366b36e4c346f06"),
    "third": (8, "ee3338a5a616c1a0"),
    "fourth": (8, "b524d4b86c3262f2"),
    "fifth": (106, "595cb246f38f0a39"),
    "sixth": (46, "4862cb2c520c62df"),
    "seventh": (33, "9fbe06b61b662b19"),
}


def test_held_out_merchants_stay_out_of_the_dictionary() -> None:
    import json

    from coffer.assistant.categorize.merchants import find_merchant
    from coffer.assistant.categorize.normalize import fold

    folder = Path(__file__).resolve().parents[3] / "bench" / "data"
    for name, expected in _KNOWN_BRAND_LINES.items():
        rows = [
            json.loads(raw)
            for raw in (folder / f"statement_lines_{name}.jsonl").read_text("utf-8").splitlines()
        ]
        ids = [
            row["id"]
            for row in rows
            if (match := find_merchant(fold(row["description"]))) is not None
            and match.name is not None
        ]
        assert (len(ids), _digest(ids)) == expected, name
