"""Lists in the database (SQLite and PostgreSQL): load, replace, list, screen across
processes' worth of state."""

from __future__ import annotations

from pathlib import Path

import pytest

import coffer
from coffer.risk.sanctions import (
    InvalidListFile,
    Screener,
    Subject,
    load_list,
    loaded_lists,
    screen_name,
)

from .conftest import SAMPLES


def test_load_list_and_screen(database_url: str) -> None:
    with coffer.open(database_url) as c:
        assert loaded_lists(c.engine) == []
        info = load_list(c.engine, str(SAMPLES / "ofac_sdn.xml"))
        assert (info.list_name, info.version, info.entry_count) == ("OFAC", "11/24/2020", 4)
        load_list(c.engine, str(SAMPLES / "eu.xml"))
        assert [i.list_name for i in loaded_lists(c.engine)] == ["EU", "OFAC"]
        matches = screen_name(c.engine, "Joaquín Guzmán", birth_date="1957-04-04")
        assert [(m.list_name, m.entry_id, m.name) for m in matches] == [
            ("OFAC", "7157", "Joaquin GUZMAN LOERA")
        ]
    # Another process (here: another Coffer) sees the stored lists.
    with coffer.open(database_url) as c:
        matches = Screener(c.engine).screen(Subject("Ri Won Ho"))
        assert [(m.list_name, m.entry_id) for m in matches] == [("EU", "114570")]


def test_loading_a_new_version_replaces_the_list(database_url: str, tmp_path: Path) -> None:
    newer = (SAMPLES / "eu.xml").read_text(encoding="utf-8")
    start = newer.index(
        '    <sanctionEntity designationDetails="" unitedNationId="" euReferenceNumber="EU.4242.57"'
    )
    end = newer.index("</sanctionEntity>", start) + len("</sanctionEntity>")
    newer = newer[:start] + newer[end:]  # Ri Won Ho delisted
    newer = newer.replace("2020-11-24T17:41:50.514+01:00", "2020-12-01T09:00:00.000+01:00")
    path = tmp_path / "eu-newer.xml"
    path.write_text(newer, encoding="utf-8")
    with coffer.open(database_url) as c:
        load_list(c.engine, str(SAMPLES / "eu.xml"))
        screener = Screener(c.engine, refresh_seconds=0.0)
        assert screener.screen(Subject("Ri Won Ho"))
        info = load_list(c.engine, str(path))
        assert (info.version, info.entry_count) == ("2020-12-01T09:00:00.000+01:00", 2)
        [stored] = loaded_lists(c.engine)
        assert (stored.version, stored.entry_count) == (info.version, 2)
        assert screener.screen(Subject("Ri Won Ho")) == []  # reloaded: the new version
        assert screener.screen(Subject("Saddam Hussein"))


def test_a_failed_load_keeps_the_previous_version(database_url: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text((SAMPLES / "un.xml").read_text(encoding="utf-8")[:3000], encoding="utf-8")
    with coffer.open(database_url) as c:
        load_list(c.engine, str(SAMPLES / "un.xml"))
        with pytest.raises(InvalidListFile):
            load_list(c.engine, str(broken))
        [info] = loaded_lists(c.engine)
        assert info.entry_count == 5
