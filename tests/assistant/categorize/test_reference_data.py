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
    assert len(entries) == 73 and sum(len(names) for _, names in entries) == 3463
    assert _digest(entries) == "87bfebd7b2780418"
    assert all(category in CATEGORIES for category in MERCHANTS)


def test_synthetic_word_lists_are_unchanged() -> None:
    assert len(CATEGORY_WORDS) == 74
    assert sum(len(block.split("|")) for block in CATEGORY_WORDS.values()) == 2657
    assert _digest(CATEGORY_WORDS) == "e43b6f9aa5010114"
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
