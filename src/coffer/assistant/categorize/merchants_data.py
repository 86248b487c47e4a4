"""The curated merchant dictionary: well-known brands of many countries by category, read
once from the packaged data file ``coffer/assistant/data/merchants.txt``.

``MERCHANTS`` maps a detailed category to its block of entries: each entry is
``Display name|alias|alias``, entries separated by ``;``; aliases (and the display name) are
matched on the folded descriptor as whole words (CJK names anywhere).
"""

from __future__ import annotations

from importlib import resources


def _read() -> dict[str, str]:
    text = resources.files("coffer.assistant.data").joinpath("merchants.txt").read_text("utf-8")
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = blocks.setdefault(line[1:-1], [])
        elif current is not None:
            current.append(line)
    return {category: "\n".join(lines) for category, lines in blocks.items()}


MERCHANTS: dict[str, str] = _read()
