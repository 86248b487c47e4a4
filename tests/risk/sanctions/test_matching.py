"""Name matching: transliteration, word order, missing parts, aliases, diacritics, scripts,
and ranking by birth date, country and kind."""

from __future__ import annotations

import pytest

from coffer.risk.sanctions import Index, ListEntry, Subject
from coffer.risk.sanctions.models import Alias, BirthDate
from coffer.risk.sanctions.normalize import phonetic, tokens


def entry(entry_id: str, name: str, *aliases: str, **fields: object) -> ListEntry:
    item = ListEntry("OFAC", entry_id, fields.get("kind", "natural"), name)  # type: ignore[arg-type]
    item.aliases = [Alias(a) for a in aliases]
    item.birth_dates = list(fields.get("birth_dates", []))  # type: ignore[call-overload]
    item.countries = list(fields.get("countries", []))  # type: ignore[call-overload]
    return item


@pytest.fixture(scope="module")
def index() -> Index:
    return Index(
        [
            entry("1", "Abd al-Rahman Muhammad Zafir AL-JUHANI", birth_dates=[BirthDate(1975)]),
            entry("2", "RI WON HO", birth_dates=[BirthDate(1964, 7, 17)], countries=["KP"]),
            entry("3", "Vladimir Vladimirovich PUTIN", birth_dates=[BirthDate(1952, 10, 7)]),
            entry("4", "Joaquin GUZMAN LOERA", "EL CHAPO", birth_dates=[BirthDate(1957, 4, 4)]),
            entry("5", "Usama Muhammad Awad BIN LADIN", "Osama bin Laden"),
            entry("6", "XI Jinping"),
            entry("7", "Hans MÜLLER-LÜDENSCHEIDT", countries=["DE"]),
            entry("8", "ALMAZ-ANTEY AIR AND SPACE DEFENCE CORPORATION JSC", kind="legal"),
            entry("9", "Muhammad ALI", birth_dates=[BirthDate(1942, 1, 17)], countries=["SY"]),
            entry("10", "Muhammad ALI", birth_dates=[BirthDate(1980, 3, 3)], countries=["PK"]),
        ]
    )


def top(index: Index, name: str, **fields: str) -> list[tuple[str, float]]:
    subject = Subject(name, fields.get("kind"), fields.get("birth_date"), fields.get("country"))
    return [(m.entry_id, m.score) for m in index.screen(subject, threshold=0.5)]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Won-ho Ri", "2"),  # hyphen, order
        ("RI WONHO", "2"),  # parts written together
        ("리원호", "2"),  # Korean script
        ("Putin Vladimir", "3"),  # reordered, patronymic missing
        ("Владимир Владимирович Путин", "3"),  # Cyrillic
        ("Joaquín Guzmán Loera", "4"),  # diacritics
        ("El Chapo", "4"),  # alias
        ("Osama bin Muhammad bin Awad bin Laden", "5"),  # spelling variants, extra particle
        ("Abdulrahman al-Juhani", "1"),  # missing middle names, "Abd al-" joined
        ("Abdel Rahman Mohammed Zafer al Johani", "1"),  # transliteration variants
        ("习近平", "6"),  # Chinese script, syllables apart
        ("Hans Mueller Luedenscheidt", "7"),  # umlaut spelt out... typo-tolerant
        ("Almaz Antey Air & Space Defense Corporation", "8"),
        ("Mohammad Zafir al-Juhani", "1"),
    ],
)
def test_variants_match(index: Index, name: str, expected: str) -> None:
    found = top(index, name)
    assert found, f"{name!r} matched nothing"
    assert found[0][0] == expected, found
    assert found[0][1] >= 0.8, found


@pytest.mark.parametrize(
    "name",
    ["John Smith", "Maria Garcia Lopez", "Kim Jong Su", "Ahmad Rahman Khan", "Zafir Industries"],
)
def test_innocent_names_do_not_match(index: Index, name: str) -> None:
    assert all(score < 0.85 for _, score in top(index, name)), top(index, name)


def test_birth_date_and_country_rank(index: Index) -> None:
    plain = dict(top(index, "Muhammad Ali"))
    assert plain["9"] == plain["10"]
    born_1942 = top(index, "Muhammad Ali", birth_date="1942-01-17")
    assert born_1942[0][0] == "9"
    assert born_1942[0][1] > born_1942[1][1]
    by_year = top(index, "Muhammad Ali", birth_date="1980")
    assert by_year[0][0] == "10"
    by_country = top(index, "Muhammad Ali", country="Pakistan")
    assert by_country[0][0] == "10"
    assert dict(by_country)["10"] >= plain["10"] > dict(by_country)["9"]
    typo = dict(top(index, "Muhammad Alli", country="PK"))
    assert typo["10"] > dict(top(index, "Muhammad Alli"))["10"]


def test_birth_date_scale(index: Index) -> None:
    def score(birth: str | None) -> float:
        return dict(top(index, "Won Ho Ri", **({"birth_date": birth} if birth else {})))["2"]

    exact, year, near, none, far = (
        score("1964-07-17"),
        score("1964"),
        score("1965-07-17"),
        score(None),
        score("1990-01-01"),
    )
    assert exact >= year >= none
    assert near >= far
    assert none > far


def test_kind_is_matched_when_given(index: Index) -> None:
    as_company = dict(top(index, "Almaz Antey Air and Space Defence Corporation", kind="legal"))
    as_person = dict(top(index, "Almaz Antey Air and Space Defence Corporation", kind="natural"))
    assert as_company["8"] > as_person.get("8", 0.0)


def test_scores_are_continuous_and_bounded(index: Index) -> None:
    scores = [s for n in ("Won Ho Ri", "Won Ri", "Wan Ho Ri", "Ri") for _, s in top(index, n)]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert len(set(scores)) > 2


def test_normalisation() -> None:
    assert tokens("Abd al-Rahman") == tokens("Abdulrahman") == ("abd", "rahman")
    assert tokens("Mohammed") == tokens("Muhammad") == tokens("MOHAMED")
    assert tokens("Won-ho") == ("won", "ho")
    assert phonetic("mohammed") == phonetic("mhmd")


def test_real_un_list_won_ho_ri(un_index: Index) -> None:
    subject = Subject("Won-ho Ri", "natural", "1964-07-17", "KP")
    matches = un_index.screen(subject, threshold=0.3)
    assert matches[0].entry_id == "6908555"
    assert matches[0].list_name == "UN"
    assert matches[0].name == "RI WON HO"
    assert matches[0].score >= 0.95
    assert len(matches) == 1 or matches[1].score < matches[0].score - 0.2


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ayman al-Zawahiri", "111923"),
        ("Aiman Al Zawahry", "111923"),
        ("AL-QAIDA", "113458"),
        ("Al Qaeda", "113458"),
        ("Hamza Usama Muhammad Bin Laden", "6908767"),
    ],
)
def test_real_un_list_known_names(un_index: Index, name: str, expected: str) -> None:
    matches = un_index.screen(Subject(name), threshold=0.5)
    assert expected in [m.entry_id for m in matches[:3]], matches[:3]
