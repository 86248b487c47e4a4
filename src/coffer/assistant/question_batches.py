"""The held-out question batches of the assistant's measured question set, as data files
(``coffer/assistant/data/questions/NN_name.tsv``), each written apart from the parser's
vocabulary and measured as written when it joined the set (``bench/assistant_ask.py``
reports each on its own line). Expected answers are computed by
:func:`coffer.assistant.evaluation.heldout_cases` from the synthetic ground truth.

A file: ``#`` comment lines first (``# name: ...`` gives the batch's name), then a header
``question, intent, target, period`` and one tab-separated row a question. Targets: empty
(none), category codes separated by commas, ``@Merchant``, ``#Goal``, ``!no`` (not
affordable), ``-`` before codes or a merchant for everything else ("apart from rent"), or for ``compare_items`` two sides separated by ``|`` (each a merchant or
codes). Period keys name dates relative to today (``coffer.assistant.evaluation``);
``avg:KEY`` asks for the monthly mean over the complete months of KEY; ``cmp:RECENT:EARLIER``
for the change from EARLIER to RECENT; ``wkd:KEY`` for the Saturdays and Sundays of KEY only;
``inc:KEY`` (with ``share``) for a share of income. A ``budget_status`` row's codes are the
budgets whose amounts left add up (none: groceries). Intent ``upcoming_bills`` expects the
bills due after today until the end of the month.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

__all__ = ["Row", "batches", "parse_batch"]

Row = tuple[str, str, str | tuple[str, ...] | None, str | None]
HEADER = ["question", "intent", "target", "period"]


def _target(text: str) -> str | tuple[str, ...] | None:
    if not text:
        return None
    if text[0] in "@#!-" or "|" in text:
        return text
    return tuple(text.split(","))


def parse_batch(text: str, source: str = "<batch>") -> tuple[str, list[Row]]:
    """The name and rows of one batch file's text; a malformed line raises ValueError
    naming ``source`` and the line."""
    name = source
    rows: list[Row] = []
    header_seen = False
    for number, line in enumerate(text.splitlines(), 1):
        if not header_seen:
            if line.startswith("#"):
                if line.startswith("# name:"):
                    name = line.removeprefix("# name:").strip()
                continue
            if line.split("\t") != HEADER:
                raise ValueError(f"{source}:{number}: expected the header {HEADER}")
            header_seen = True
            continue
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 4 or not fields[0] or not fields[1]:
            raise ValueError(f"{source}:{number}: expected question, intent, target, period")
        question, intent, target, period = fields
        rows.append((question, intent, _target(target), period or None))
    if not header_seen:
        raise ValueError(f"{source}: no header line")
    return name, rows


@cache
def batches() -> tuple[tuple[str, list[Row]], ...]:
    """Every shipped batch, in file-name order, as (name, rows)."""
    folder = resources.files("coffer.assistant") / "data" / "questions"
    files = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".tsv")),
        key=lambda entry: entry.name,
    )
    return tuple(parse_batch(entry.read_text(encoding="utf-8"), entry.name) for entry in files)
