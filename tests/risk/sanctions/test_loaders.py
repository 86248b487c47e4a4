"""Each official format's loader on its sample, format detection, and the real UN list."""

from __future__ import annotations

from pathlib import Path

import pytest

from coffer.risk.sanctions import InvalidListFile, UnknownListFormat, detect_format, parse_file
from coffer.risk.sanctions.models import BirthDate, ListEntry

from .conftest import SAMPLES


def by_id(entries: list[ListEntry]) -> dict[str, ListEntry]:
    return {e.entry_id: e for e in entries}


def test_un_xml_sample() -> None:
    parsed = parse_file(SAMPLES / "un.xml")
    assert (parsed.list_name, parsed.format) == ("UN", "un-xml")
    assert parsed.version == "2020-11-24T20:23:07.617-05:00"
    entries = by_id(parsed.entries)
    ri = entries["6908555"]
    assert (ri.name, ri.kind, ri.countries) == ("RI WON HO", "natural", ["KP"])
    assert ri.birth_dates == [BirthDate(1964, 7, 17)]
    assert [a.name for a in entries["6908570"].aliases] == ["Jang Chang Ha"]
    assert entries["6908629"].kind == "legal"


@pytest.mark.parametrize("sample", ["ofac_sdn.xml", "ofac_csv/sdn.csv"])
def test_ofac_samples(sample: str) -> None:
    parsed = parse_file(SAMPLES / sample)
    assert parsed.list_name == "OFAC"
    entries = by_id(parsed.entries)
    assert set(entries) == {"306", "7157", "12345", "9647"}
    guzman = entries["7157"]
    assert guzman.name == "Joaquin GUZMAN LOERA"
    assert guzman.kind == "natural"
    assert {"Joaquin GUZMAN", "EL CHAPO"} <= {a.name for a in guzman.aliases}
    assert guzman.birth_dates == [BirthDate(1957, 4, 4), BirthDate(1954, 12, 25)]
    assert guzman.countries == ["MX"]
    bank = entries["306"]
    assert bank.kind == "legal"
    assert "NATIONAL BANK OF CUBA" in {a.name for a in bank.aliases}
    assert bank.countries == ["CH", "ES"]  # from the addresses (add.csv for CSV)
    assert entries["12345"].birth_dates == [BirthDate(1975)]  # "circa 1975"
    assert entries["12345"].countries == ["SA"]
    assert entries["9647"].kind == "other"  # a vessel


def test_ofac_xml_old_namespace(tmp_path: Path) -> None:
    text = (SAMPLES / "ofac_sdn.xml").read_text(encoding="utf-8")
    old = text.replace(
        "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML",
        "http://tempuri.org/sdnList.xsd",
    )
    path = tmp_path / "sdn.xml"
    path.write_text(old, encoding="utf-8")
    parsed = parse_file(path)
    assert parsed.version == "11/24/2020"
    assert len(parsed.entries) == 4
    weak = {a.name: a.strong for a in by_id(parsed.entries)["7157"].aliases}
    assert weak["EL CHAPO"] is False


def test_ofac_csv_without_alt_and_add(tmp_path: Path) -> None:
    path = tmp_path / "sdn.csv"
    path.write_bytes((SAMPLES / "ofac_csv" / "sdn.csv").read_bytes())
    entries = by_id(parse_file(path).entries)
    assert entries["7157"].aliases == []  # no alt.csv beside it
    assert entries["306"].countries == []  # no add.csv beside it
    assert [a.name for a in entries["12345"].aliases] == ["ABU SAYYAF AL-JUHANI"]  # Remarks


@pytest.mark.parametrize("sample", ["eu.xml", "eu.csv"])
def test_eu_samples(sample: str) -> None:
    parsed = parse_file(SAMPLES / sample)
    assert parsed.list_name == "EU"
    assert parsed.version
    entries = by_id(parsed.entries)
    saddam = entries["13"]
    assert saddam.name == "Saddam Hussein Al-Tikriti"
    assert saddam.kind == "natural"
    assert {"Abu Ali", "Саддам Хусейн"} == {a.name for a in saddam.aliases}
    assert saddam.birth_dates == [BirthDate(1937, 4, 28)]
    assert saddam.countries == ["IQ"]
    assert entries["114570"].countries == ["KP"]
    assert entries["6983"].kind == "legal"
    assert entries["6983"].countries == ["RU"]


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("un.xml", "un-xml"),
        ("ofac_sdn.xml", "ofac-xml"),
        ("ofac_csv/sdn.csv", "ofac-csv"),
        ("eu.xml", "eu-xml"),
        ("eu.csv", "eu-csv"),
    ],
)
def test_detect_format(sample: str, expected: str) -> None:
    assert detect_format((SAMPLES / sample).read_bytes()[:8192]) == expected


def test_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "list.xml"
    path.write_text("<people><person>Someone</person></people>", encoding="utf-8")
    with pytest.raises(UnknownListFormat, match="--format"):
        parse_file(path)
    with pytest.raises(UnknownListFormat, match="unknown list format 'pdf'"):
        parse_file(SAMPLES / "un.xml", "pdf")
    text = tmp_path / "names.txt"
    text.write_text("just some words\n", encoding="utf-8")
    with pytest.raises(UnknownListFormat):
        parse_file(text)


def test_broken_xml_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.xml"
    path.write_text("<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>", encoding="utf-8")
    with pytest.raises(InvalidListFile, match="not well-formed"):
        parse_file(path)


def test_real_un_list(un_list_path: Path) -> None:
    parsed = parse_file(un_list_path)
    kinds = [e.kind for e in parsed.entries]
    assert (kinds.count("natural"), kinds.count("legal")) == (713, 305)
    ri = by_id(parsed.entries)["6908555"]
    assert ri.name == "RI WON HO"
    assert ri.birth_dates == [BirthDate(1964, 7, 17)]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("KP", "KP"),
        ("prk", "KP"),
        ("Democratic People's Republic of Korea", "KP"),
        ("Korea, Democratic People's Republic of", "KP"),
        ("Iran (Islamic Republic of)", "IR"),
        ("Syrian Arab Republic", "SY"),
        ("Russian Federation", "RU"),
        ("RUSSIAN FEDERATION", "RU"),
        ("Côte d'Ivoire", "CI"),
        ("Atlantis", None),
    ],
)
def test_country_codes(value: str, code: str | None) -> None:
    from coffer.risk.sanctions.countries import country_code

    assert country_code(value) == code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 Jan 1960", BirthDate(1960, 1, 12)),
        ("Jan 1960", BirthDate(1960, 1)),
        ("circa 1960", BirthDate(1960)),
        ("1958 to 1960", BirthDate(1958, year_to=1960)),
        ("1964-07-17", BirthDate(1964, 7, 17)),
        ("17.07.1964", BirthDate(1964, 7, 17)),
        ("unknown", None),
    ],
)
def test_list_dates(text: str, expected: BirthDate | None) -> None:
    from coffer.risk.sanctions.dates import parse_list_date

    assert parse_list_date(text) == expected
