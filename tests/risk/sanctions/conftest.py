"""Shared fixtures of the sanctions tests: the sample files and the real UN list."""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent / "samples"
UN_FILE = "data/sanctions/un-consolidated-2020-11-24.xml"


def _shared_folders() -> list[Path]:
    root = Path(__file__).resolve().parents[3]  # the checkout: tests/risk/sanctions/...
    return [root.parent / "shared", root / ".." / "shared", Path("/work/shared")]


@pytest.fixture(scope="session")
def un_list_path() -> Path:
    """The real UN consolidated list of 2020-11-24 (shared/ beside the checkout)."""
    for folder in _shared_folders():
        path = folder / UN_FILE
        if path.exists():
            return path
    pytest.skip("the real UN list (shared/data/sanctions) is not beside this checkout")


@pytest.fixture(scope="session")
def un_index(un_list_path: Path) -> object:
    from coffer.risk.sanctions import Index, parse_file

    return Index(parse_file(un_list_path).entries)
