"""The EU consolidated list of financial sanctions (Financial Sanctions Files, FSF):
https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content and
.../csvFullSanctionsList_1_1/content (a token may be required by the publisher).

XML: ``export`` (namespace http://eu.europa.eu/fpi/fsd/export, ignored) with
``sanctionEntity`` records (``logicalId``), each with ``subjectType code="person" |
"enterprise"``, ``nameAlias`` (``wholeName``, ``firstName``, ``middleName``, ``lastName``,
``strong``), ``birthdate`` (``birthdate``, ``year``, ``monthOfYear``, ``dayOfMonth``,
``countryIso2Code``), ``citizenship`` and ``address`` (``countryIso2Code``).

CSV: semicolon-separated with a header row, one row per entity and sub-record, grouped by
``Entity_LogicalId``; the columns read are Entity_SubjectType(_ClassificationCode),
NameAlias_WholeName/FirstName/MiddleName/LastName, BirthDate_BirthDate/_Year/_Month/_Day,
BirthDate_CountryIso2Code, Citizenship_CountryIso2Code, Address_CountryIso2Code and
Entity_Regulation_Programme.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from typing import IO

from coffer.risk.sanctions.countries import country_code
from coffer.risk.sanctions.dates import parse_list_date
from coffer.risk.sanctions.errors import InvalidListFile
from coffer.risk.sanctions.models import BirthDate, EntryKind, ListEntry, ParsedList
from coffer.risk.sanctions.xmlutil import children, local, stream


def _kind(value: str) -> EntryKind:
    value = value.strip().lower()
    if value in ("person", "p"):
        return "natural"
    if value in ("enterprise", "e", "entity", "organisation", "organization"):
        return "legal"
    return "other"


def _whole(whole: str, first: str, middle: str, last: str) -> str:
    whole = " ".join(whole.split())
    if whole:
        return whole
    return " ".join(p for p in (first, middle, last) if p.strip())


def _date(full: str, year: str, month: str, day: str) -> BirthDate | None:
    if full:
        return parse_list_date(full)
    if not year.strip().isdigit():
        return None
    parts = [year.strip()]
    if month.strip().isdigit():
        parts.append(month.strip().zfill(2))
        if day.strip().isdigit():
            parts.append(day.strip().zfill(2))
    if len(parts) == 3:
        return parse_list_date("-".join(parts))
    parsed = parse_list_date(parts[0])
    if parsed is not None and len(parts) == 2:
        return BirthDate(parsed.year, int(parts[1]))
    return parsed


# -- XML ----------------------------------------------------------------------------------


def parse_eu_xml(source: IO[bytes]) -> ParsedList:
    root: dict[str, str] = {}
    entries: list[ListEntry] = []
    for record in stream(source, frozenset({"sanctionEntity"}), root_attributes=root):
        entry = _xml_entry(record)
        if entry is not None:
            entries.append(entry)
    version = root.get("generationDate", "")
    return ParsedList("EU", version, "eu-xml", entries)


def _xml_entry(record: ET.Element) -> ListEntry | None:
    logical_id = record.get("logicalId", "").strip()
    subject = next(children(record, "subjectType"), None)
    kind = _kind(subject.get("code", "") if subject is not None else "")
    names: list[tuple[str, bool]] = []
    for alias in children(record, "nameAlias"):
        name = _whole(
            alias.get("wholeName", ""),
            alias.get("firstName", ""),
            alias.get("middleName", ""),
            alias.get("lastName", ""),
        )
        if name:
            names.append((name, alias.get("strong", "true").lower() != "false"))
    if not logical_id or not names:
        return None
    entry = ListEntry("EU", logical_id, kind, names[0][0])
    for name, strong in names[1:]:
        entry.add_alias(name, strong=strong)
    for regulation in children(record, "regulation"):
        programme = regulation.get("programme", "").strip()
        if programme and programme not in entry.programs:
            entry.programs.append(programme)
    for element in record:
        tag = local(element.tag)
        if tag in ("citizenship", "address", "birthdate"):
            entry.add_country(
                country_code(element.get("countryIso2Code", "").strip())
                or country_code(element.get("countryDescription", "").strip())
            )
        if tag == "birthdate":
            entry.add_birth_date(
                _date(
                    element.get("birthdate", "").strip(),
                    element.get("year", ""),
                    element.get("monthOfYear", ""),
                    element.get("dayOfMonth", ""),
                )
            )
    return entry


# -- CSV ----------------------------------------------------------------------------------


def parse_eu_csv(source: IO[bytes]) -> ParsedList:
    text = io.TextIOWrapper(source, encoding="utf-8-sig", errors="replace", newline="")
    reader = csv.reader(text, delimiter=";")
    header = next(reader, None)
    if not header:
        raise InvalidListFile("the EU CSV file is empty")
    columns = {name.strip().lower(): index for index, name in enumerate(header)}
    if "entity_logicalid" not in columns or not (
        {"namealias_wholename", "namealias_lastname"} & columns.keys()
    ):
        raise InvalidListFile(
            "the EU CSV file has no Entity_LogicalId or NameAlias_WholeName column"
        )

    entries: dict[str, ListEntry] = {}
    version = ""
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str, row: list[str] = row) -> str:
            index = columns.get(name.lower())
            return row[index].strip() if index is not None and index < len(row) else ""

        logical_id = cell("Entity_LogicalId")
        if not logical_id:
            raise InvalidListFile(f"EU CSV line {line}: no Entity_LogicalId")
        version = version or cell("fileGenerationDate")
        name = _whole(
            cell("NameAlias_WholeName"),
            cell("NameAlias_FirstName"),
            cell("NameAlias_MiddleName"),
            cell("NameAlias_LastName"),
        )
        entry = entries.get(logical_id)
        if entry is None:
            kind = _kind(cell("Entity_SubjectType_ClassificationCode"))
            if kind == "other":
                kind = _kind(cell("Entity_SubjectType"))
            entry = ListEntry("EU", logical_id, kind, name)
            entries[logical_id] = entry
        elif name and not entry.name:
            entry.name = name
        elif name:
            entry.add_alias(name, strong=cell("NameAlias_Strong").lower() != "false")
        programme = cell("Entity_Regulation_Programme")
        if programme and programme not in entry.programs:
            entry.programs.append(programme)
        for column in (
            "Citizenship_CountryIso2Code",
            "Address_CountryIso2Code",
            "BirthDate_CountryIso2Code",
        ):
            entry.add_country(country_code(cell(column)))
        entry.add_birth_date(
            _date(
                cell("BirthDate_BirthDate"),
                cell("BirthDate_Year"),
                cell("BirthDate_Month"),
                cell("BirthDate_Day"),
            )
        )
    return ParsedList("EU", version, "eu-csv", [e for e in entries.values() if e.name])
