"""Fixtures of the assistant tests: a Coffer database on SQLite and PostgreSQL, a wallets
platform, an assistant with a stand-in categorizer, and the synthetic customer."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

import pytest

import coffer
from coffer.assistant.service import Assistant
from coffer.assistant.synthetic import Synthetic, build
from coffer.settings import Settings
from coffer.wallets import WalletPlatform, WalletSettings, open_wallets

PII_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
TODAY = date(2026, 3, 18)

WORDS = {
    "lidl": ("FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES", "Lidl"),
    "whole foods": ("FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES", "Whole Foods"),
    "netflix": ("ENTERTAINMENT", "ENTERTAINMENT_TV_AND_MOVIES", "Netflix"),
    "vattenfall": ("RENT_AND_UTILITIES", "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY", "Vattenfall"),
    "miete": ("RENT_AND_UTILITIES", "RENT_AND_UTILITIES_RENT", None),
    "lohn": ("INCOME", "INCOME_WAGES", None),
}


def stand_in(lines: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A trivial categorizer: a few words, otherwise abstain."""
    out = []
    for line in lines:
        text = str(line["description"]).lower()
        found = next((v for k, v in WORDS.items() if k in text), None)
        primary, detailed, merchant = found or (None, None, None)
        out.append({"primary": primary, "detailed": detailed, "merchant": merchant,
                    "confidence": 0.9 if found else 0.0})  # fmt: skip
    return out


@pytest.fixture
def coffer_db(database_url: str, tmp_path: os.PathLike[str]) -> Iterator[coffer.Coffer]:
    settings = Settings(signing_key_file=os.path.join(tmp_path, "signing.key"))
    c = coffer.open(database_url, settings=settings)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def platform(coffer_db: coffer.Coffer) -> WalletPlatform:
    return open_wallets(coffer_db, WalletSettings(pii_key=PII_KEY, pii_key_id="test1"))


@pytest.fixture
def assistant(coffer_db: coffer.Coffer, platform: WalletPlatform) -> Assistant:
    return Assistant(coffer_db.engine, platform.wallets, categorizer=stand_in, today=lambda: TODAY)


@pytest.fixture(scope="session")
def synthetic() -> Synthetic:
    return build(TODAY)
