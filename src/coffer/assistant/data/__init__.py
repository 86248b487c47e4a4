"""Reference data shipped with the assistant (tab-separated files beside this module).

Each ``.tsv`` file has one record a line, fields separated by tabs; lines starting with ``#``
are comments (the first one names the columns). ``merchants.txt``, the merchant dictionary,
has its own block format (read by ``coffer.assistant.categorize.merchants_data``).
"""

from __future__ import annotations

from importlib import resources


def read_tsv(name: str) -> list[list[str]]:
    """The records of the packaged data file ``name``, each as its list of fields."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
