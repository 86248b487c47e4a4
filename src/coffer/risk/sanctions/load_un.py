"""The UN Security Council Consolidated List, in the UN's XML format
(https://scsanctions.un.org/resources/xml/en/consolidated.xml, schema sc-sanctions.xsd):
``CONSOLIDATED_LIST`` with ``INDIVIDUALS/INDIVIDUAL`` and ``ENTITIES/ENTITY`` records."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import IO

from coffer.risk.sanctions.countries import country_code
from coffer.risk.sanctions.dates import parse_list_date
from coffer.risk.sanctions.models import BirthDate, ListEntry, ParsedList
from coffer.risk.sanctions.xmlutil import child_text, children, local, stream, text

_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")


def parse_un_xml(source: IO[bytes]) -> ParsedList:
    root: dict[str, str] = {}
    entries = list(_entries(source, root))
    version = root.get("dateGenerated", "")
    return ParsedList("UN", version, "un-xml", entries)


def _entries(source: IO[bytes], root: dict[str, str]) -> Iterator[ListEntry]:
    for record in stream(source, frozenset({"INDIVIDUAL", "ENTITY"}), root_attributes=root):
        entry = _entry(record)
        if entry is not None:
            yield entry


def _entry(record: ET.Element) -> ListEntry | None:
    entry_id = child_text(record, "DATAID")
    parts = [child_text(record, part) for part in _NAME_PARTS]
    name = " ".join(p for p in parts if p)
    if not entry_id or not name:
        return None
    individual = local(record.tag) == "INDIVIDUAL"
    entry = ListEntry("UN", entry_id, "natural" if individual else "legal", name)
    programme = child_text(record, "UN_LIST_TYPE")
    if programme:
        entry.programs.append(programme)
    original = child_text(record, "NAME_ORIGINAL_SCRIPT")
    if original:
        entry.add_alias(original)
    alias_tag = "INDIVIDUAL_ALIAS" if individual else "ENTITY_ALIAS"
    for alias in children(record, alias_tag):
        quality = child_text(alias, "QUALITY").lower()
        entry.add_alias(child_text(alias, "ALIAS_NAME"), strong=quality != "low")
    for nationality in children(record, "NATIONALITY"):
        for value in children(nationality, "VALUE"):
            entry.add_country(country_code(text(value)))
    address_tag = "INDIVIDUAL_ADDRESS" if individual else "ENTITY_ADDRESS"
    for address in children(record, address_tag):
        entry.add_country(country_code(child_text(address, "COUNTRY")))
    for place in children(record, "INDIVIDUAL_PLACE_OF_BIRTH"):
        entry.add_country(country_code(child_text(place, "COUNTRY")))
    for birth in children(record, "INDIVIDUAL_DATE_OF_BIRTH"):
        entry.add_birth_date(_birth_date(birth))
    return entry


def _birth_date(element: ET.Element) -> BirthDate | None:
    date = child_text(element, "DATE")
    if date:
        return parse_list_date(date)
    year = child_text(element, "YEAR")
    if year:
        return parse_list_date(year)
    low, high = child_text(element, "FROM_YEAR"), child_text(element, "TO_YEAR")
    if low and high:
        return parse_list_date(f"{low} to {high}")
    return parse_list_date(low or high)
