"""What a sanctions list holds, whatever its format: entries with names, birth dates and
countries. Loaders produce these; the matcher indexes them; the repository stores them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

EntryKind = Literal["natural", "legal", "other"]
LIST_NAMES = ("UN", "OFAC", "EU")


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A birth date as precise as the list gives it: a full date, a month, a year, or a
    range of years (``year_to`` > ``year``)."""

    year: int
    month: int | None = None
    day: int | None = None
    year_to: int | None = None

    def to_json(self) -> list[int | None]:
        return [self.year, self.month, self.day, self.year_to]

    @classmethod
    def from_json(cls, value: list[int | None]) -> BirthDate:
        year, month, day, year_to = value
        assert year is not None
        return cls(year, month, day, year_to)


@dataclass(slots=True)
class Alias:
    name: str
    strong: bool = True  # False for the lists' "low quality" / "weak" a.k.a.s


@dataclass(slots=True)
class ListEntry:
    """One designated person, organisation, vessel or aircraft of one list."""

    list_name: str  # "UN", "OFAC" or "EU"
    entry_id: str  # the list's own id: UN DATAID, OFAC uid / ent_num, EU logicalId
    kind: EntryKind
    name: str  # the primary name, as the list writes it
    aliases: list[Alias] = field(default_factory=list)
    birth_dates: list[BirthDate] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # ISO 3166 alpha-2, deduplicated
    programs: list[str] = field(default_factory=list)

    def add_country(self, code: str | None) -> None:
        if code and code not in self.countries:
            self.countries.append(code)

    def add_alias(self, name: str | None, *, strong: bool = True) -> None:
        name = " ".join((name or "").split())
        if not name or name.casefold() == self.name.casefold():
            return
        for alias in self.aliases:
            if alias.name.casefold() == name.casefold():
                alias.strong = alias.strong or strong
                return
        self.aliases.append(Alias(name, strong))

    def add_birth_date(self, date: BirthDate | None) -> None:
        if date is not None and date not in self.birth_dates:
            self.birth_dates.append(date)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "aliases": [[a.name, a.strong] for a in self.aliases],
            "birth_dates": [d.to_json() for d in self.birth_dates],
            "countries": self.countries,
            "programs": self.programs,
        }

    @classmethod
    def from_json(cls, list_name: str, entry_id: str, data: dict[str, Any]) -> ListEntry:
        return cls(
            list_name=list_name,
            entry_id=entry_id,
            kind=data["kind"],
            name=data["name"],
            aliases=[Alias(name, bool(strong)) for name, strong in data["aliases"]],
            birth_dates=[BirthDate.from_json(d) for d in data["birth_dates"]],
            countries=list(data["countries"]),
            programs=list(data.get("programs", [])),
        )


@dataclass(slots=True)
class ParsedList:
    """A whole list as read from one file: which list, which version, its entries."""

    list_name: str
    version: str  # the publication date/time the file states, or its checksum
    format: str
    entries: list[ListEntry]


@dataclass(frozen=True, slots=True)
class ListInfo:
    """What is loaded for one list."""

    list_name: str
    version: str
    format: str
    source: str
    entry_count: int
    loaded_at: int  # microseconds since the epoch (UTC)
    checksum: str


@dataclass(frozen=True, slots=True)
class Match:
    list_name: str
    entry_id: str
    name: str
    score: float

    def to_json(self) -> dict[str, Any]:
        return {
            "list": self.list_name,
            "entry_id": self.entry_id,
            "name": self.name,
            "score": self.score,
        }


@dataclass(frozen=True, slots=True)
class Subject:
    """Who is being screened."""

    name: str
    kind: str | None = None  # "natural" | "legal" | None
    birth_date: str | None = None  # "YYYY", "YYYY-MM" or "YYYY-MM-DD"
    country: str | None = None  # ISO alpha-2/alpha-3 or a country name
