"""Streaming XML helpers shared by the loaders: namespaces ignored, elements cleared as
soon as they are read so memory stays flat on the largest lists."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import IO

from coffer.risk.sanctions.errors import InvalidListFile


def local(tag: str) -> str:
    """``{namespace}name`` -> ``name``."""
    return tag.rsplit("}", 1)[-1]


def text(element: ET.Element | None) -> str:
    if element is None or element.text is None:
        return ""
    return " ".join(element.text.split())


def child(element: ET.Element, name: str) -> ET.Element | None:
    for item in element:
        if local(item.tag) == name:
            return item
    return None


def children(element: ET.Element, name: str) -> Iterator[ET.Element]:
    for item in element:
        if local(item.tag) == name:
            yield item


def child_text(element: ET.Element, name: str) -> str:
    return text(child(element, name))


def descendants(element: ET.Element, name: str) -> Iterator[ET.Element]:
    for item in element.iter():
        if local(item.tag) == name:
            yield item


def stream(
    source: IO[bytes],
    records: frozenset[str],
    *,
    root_attributes: dict[str, str] | None = None,
) -> Iterator[ET.Element]:
    """Yield every element (any namespace) whose local name is in ``records`` once it is
    complete, then drop it from its parent so memory stays flat. The root's attributes
    are copied into ``root_attributes``."""
    stack: list[ET.Element] = []
    try:
        for event, element in ET.iterparse(source, events=("start", "end")):
            if event == "start":
                if not stack and root_attributes is not None:
                    root_attributes.update({local(k): v for k, v in element.attrib.items()})
                stack.append(element)
                continue
            stack.pop()
            if local(element.tag) in records:
                yield element
                element.clear()
                if stack:
                    stack[-1].remove(element)
    except ET.ParseError as exc:
        raise InvalidListFile(f"the list file is not well-formed XML: {exc}") from exc
