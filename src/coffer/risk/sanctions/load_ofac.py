"""The OFAC SDN list (https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/
exports/SDN.XML, or the legacy https://www.treasury.gov/ofac/downloads/sdn.xml and sdn.csv).

XML: ``sdnList`` with ``publshInformation/Publish_Date`` and ``sdnEntry`` records (``uid``,
``firstName``, ``lastName``, ``sdnType``, ``programList``, ``akaList``, ``addressList``,
``dateOfBirthList``, ``placeOfBirthList``, ``nationalityList``, ``citizenshipList``), in the
namespace of either publication (namespaces are ignored).

CSV: ``sdn.csv`` has no header; its columns are ent_num, SDN_Name ("LAST, First"),
SDN_Type ("individual", "vessel", "aircraft" or "-0-" for an entity), Program, Title,
Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks ("DOB 12 Jan 1960; POB
...; nationality Iran; a.k.a. ..."). Nulls are "-0-". Aliases come from ``alt.csv``
(ent_num, alt_num, alt_type, alt_name, alt_remarks) and addresses from ``add.csv``
(ent_num, add_num, address, city/state/postal code, country, add_remarks) when those files
sit beside ``sdn.csv``; "a.k.a." names in Remarks are read too.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from typing import IO

from coffer.risk.sanctions.countries import country_code
from coffer.risk.sanctions.dates import parse_list_date
from coffer.risk.sanctions.errors import InvalidListFile
from coffer.risk.sanctions.models import EntryKind, ListEntry, ParsedList
from coffer.risk.sanctions.xmlutil import child, child_text, children, descendants, local, stream

_KINDS: dict[str, EntryKind] = {"individual": "natural", "entity": "legal", "": "legal"}
NULL = "-0-"


def _kind(value: str) -> EntryKind:
    return _KINDS.get(value.strip().lower(), "other")


def _full_name(first: str, last: str) -> str:
    return " ".join(p for p in (first, last) if p)


# -- XML ----------------------------------------------------------------------------------


def parse_ofac_xml(source: IO[bytes]) -> ParsedList:
    entries: list[ListEntry] = []
    version = ""
    for record in stream(source, frozenset({"sdnEntry", "publshInformation"})):
        if local(record.tag) == "publshInformation":
            version = child_text(record, "Publish_Date")
            continue
        entry = _xml_entry(record)
        if entry is not None:
            entries.append(entry)
    return ParsedList("OFAC", version, "ofac-xml", entries)


def _xml_entry(record: ET.Element) -> ListEntry | None:
    uid = child_text(record, "uid")
    name = _full_name(child_text(record, "firstName"), child_text(record, "lastName"))
    if not uid or not name:
        return None
    entry = ListEntry("OFAC", uid, _kind(child_text(record, "sdnType")), name)
    programs = child(record, "programList")
    if programs is not None:
        entry.programs.extend(child_text(p, "program") or (p.text or "").strip() for p in programs)
    akas = child(record, "akaList")
    for aka in children(akas, "aka") if akas is not None else ():
        alias = _full_name(child_text(aka, "firstName"), child_text(aka, "lastName"))
        entry.add_alias(alias, strong=child_text(aka, "category").lower() != "weak")
    for tag in ("nationality", "citizenship", "address", "placeOfBirthItem"):
        for item in descendants(record, tag):
            entry.add_country(country_code(child_text(item, "country")))
    for place in descendants(record, "placeOfBirthItem"):
        tail = child_text(place, "placeOfBirth").rsplit(",", 1)[-1]
        entry.add_country(country_code(tail))
    for item in descendants(record, "dateOfBirthItem"):
        entry.add_birth_date(parse_list_date(child_text(item, "dateOfBirth")))
    return entry


# -- CSV ----------------------------------------------------------------------------------

_REMARK_DOB = re.compile(r"\bDOB\s+([^;]+)", re.IGNORECASE)
_REMARK_COUNTRY = re.compile(r"\b(?:nationality|citizen)\s+([^;.]+)", re.IGNORECASE)
_REMARK_POB = re.compile(r"\bPOB\s+([^;]+)", re.IGNORECASE)
_REMARK_AKA = re.compile(r"\b([fn]\.?k\.?a\.?|a\.k\.a\.)\s+'([^']+)'", re.IGNORECASE)


def _cell(value: str | None) -> str:
    value = (value or "").strip()
    return "" if value == NULL else " ".join(value.split())


def _csv_name(value: str, kind: EntryKind) -> str:
    """ "RI, Won Ho" -> "Won Ho RI" for people; organisations keep their written order."""
    if kind == "natural" and value.count(",") == 1:
        last, first = (part.strip() for part in value.split(","))
        return _full_name(first, last)
    return value


def parse_ofac_csv(
    source: IO[bytes],
    *,
    aliases: IO[bytes] | None = None,
    addresses: IO[bytes] | None = None,
    version: str = "",
) -> ParsedList:
    entries: dict[str, ListEntry] = {}
    for line, row in enumerate(_rows(source), start=1):
        if len(row) < 4:
            if any(cell.strip() for cell in row) and row[0].strip() != "\x1a":
                raise InvalidListFile(f"sdn.csv line {line}: expected at least 4 columns")
            continue
        ent_num, name = _cell(row[0]), _cell(row[1])
        if not ent_num.isdigit() or not name:
            if line == 1:
                continue  # a header written by hand
            raise InvalidListFile(f"sdn.csv line {line}: no ent_num or name")
        kind = _kind(_cell(row[2]))
        entry = ListEntry("OFAC", ent_num, kind, _csv_name(name, kind))
        entry.programs.extend(p.strip("[] ") for p in _cell(row[3]).split("] [") if p.strip())
        remarks = _cell(row[11]) if len(row) > 11 else ""
        _read_remarks(entry, remarks)
        entries[ent_num] = entry
    if aliases is not None:
        for row in _rows(aliases):
            if len(row) >= 4 and _cell(row[0]) in entries:
                entry = entries[_cell(row[0])]
                weak = _cell(row[2]).lower() in ("weak", "weak aka")
                entry.add_alias(_csv_name(_cell(row[3]), entry.kind), strong=not weak)
    if addresses is not None:
        for row in _rows(addresses):
            if len(row) >= 5 and _cell(row[0]) in entries:
                entries[_cell(row[0])].add_country(country_code(_cell(row[4])))
    return ParsedList("OFAC", version, "ofac-csv", list(entries.values()))


def _rows(source: IO[bytes]) -> Iterable[list[str]]:
    text = io.TextIOWrapper(source, encoding="utf-8-sig", errors="replace", newline="")
    reader: Iterator[list[str]] = csv.reader(text)
    return reader


def _read_remarks(entry: ListEntry, remarks: str) -> None:
    if not remarks:
        return
    for match in _REMARK_DOB.finditer(remarks):
        entry.add_birth_date(parse_list_date(match[1]))
    for match in _REMARK_COUNTRY.finditer(remarks):
        entry.add_country(country_code(match[1]))
    for match in _REMARK_POB.finditer(remarks):
        entry.add_country(country_code(match[1].rsplit(",", 1)[-1]))
    for match in _REMARK_AKA.finditer(remarks):
        entry.add_alias(_csv_name(match[2], entry.kind))
