"""``coffer risk lists ...`` and ``coffer risk screen``: sanctions lists and screening.

coffer risk lists load FILE|URL [--format un-xml|ofac-xml|ofac-csv|eu-xml|eu-csv]
coffer risk lists list
coffer risk screen --input names.jsonl --output matches.jsonl [--threshold X]
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from coffer.cli.json_lines import JsonLines, open_input, open_output, warn
from coffer.cli.options import Database, usage_error

lists_app = typer.Typer(
    help="Sanctions lists (UN, OFAC, EU): load them, see what is loaded.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``coffer risk``."""
    app.add_typer(lists_app, name="lists")
    app.command("screen")(screen)


@lists_app.command("load")
def load(
    location: Annotated[str, typer.Argument(metavar="FILE", help="A list file or an http(s) URL.")],
    list_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="un-xml, ofac-xml, ofac-csv, eu-xml or eu-csv (detected when omitted).",
        ),
    ] = None,
    database: Database = None,
) -> None:
    """Load a sanctions list, replacing the stored version of the same list (atomically).

    For OFAC CSV give sdn.csv: alt.csv (aliases) and add.csv (addresses) are read from
    the same folder (or the same URL folder) when present."""
    import coffer
    from coffer.errors import CofferError
    from coffer.risk.sanctions import load_list, loaded_lists

    with coffer.open(database) as c:
        previous = {info.list_name: info for info in loaded_lists(c.engine)}
        try:
            fmt = list_format.strip().lower() if list_format else None
            info = load_list(c.engine, location, list_format=fmt)
        except CofferError as exc:
            raise usage_error(exc.message) from None
    replaced = previous.get(info.list_name)
    note = f" (replaced version {replaced.version})" if replaced else ""
    typer.echo(f"loaded {info.list_name} version {info.version}: {info.entry_count} entries{note}")


@lists_app.command("list")
def list_lists(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    database: Database = None,
) -> None:
    """What is loaded: each list, its version (publication date) and its number of entries."""
    import coffer
    from coffer.risk.sanctions import loaded_lists

    with coffer.open(database) as c:
        infos = loaded_lists(c.engine)
    if not infos and not as_json:
        typer.echo("no sanctions list is loaded (coffer risk lists load FILE)")
    for info in infos:
        loaded_at = datetime.fromtimestamp(info.loaded_at / 1e6, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if as_json:
            row = {
                "list": info.list_name,
                "version": info.version,
                "entries": info.entry_count,
                "format": info.format,
                "source": info.source,
                "loaded_at": loaded_at,
            }
            typer.echo(json.dumps(row))
        else:
            typer.echo(
                f"{info.list_name:<5} version {info.version}  {info.entry_count} entries"
                f"  ({info.format}, loaded {loaded_at} from {info.source})"
            )


def _optional_text(record: dict[str, Any], key: str, line: int) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and key == "birth_date":
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"line {line}: {key!r} must be a string or null")
    return value.strip() or None


def _subject(record: Any, line: int) -> tuple[Any, Any]:
    """(id, Subject) of one decoded line; ValueError names the line and what is wrong (the
    id is the error's second argument when the line has one)."""
    from coffer.risk.sanctions import Subject

    if isinstance(record, ValueError):
        raise record
    if not isinstance(record, dict):
        raise ValueError(f"line {line}: expected a JSON object")
    identifier = record.get("id")
    if identifier is None or isinstance(identifier, bool | dict | list) or identifier == "":
        raise ValueError(f"line {line}: 'id' is missing")
    name = record.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"line {line}: 'name' must be a non-empty string", identifier)
    try:
        kind = _optional_text(record, "kind", line)
        if kind is not None:
            kind = kind.lower()
            kind = {"person": "natural", "individual": "natural", "entity": "legal"}.get(kind, kind)
            if kind not in ("natural", "legal"):
                raise ValueError(f"line {line}: 'kind' must be natural, legal or null")
        subject = Subject(
            name=name,
            kind=kind,
            birth_date=_optional_text(record, "birth_date", line),
            country=_optional_text(record, "country", line),
        )
    except ValueError as error:
        raise ValueError(str(error), identifier) from None
    return identifier, subject


def read_subjects(source: IO[str]) -> list[tuple[Any, Any]]:
    """[(id, Subject or None)], one per non-blank line: a line that cannot be screened
    (not JSON, no id, no name, a bad field) is None, its id kept when it has one, and a
    warning naming the line goes to stderr."""
    out: list[tuple[Any, Any]] = []
    for line, record in JsonLines(source, lenient=True):
        try:
            out.append(_subject(record, line))
        except ValueError as error:
            warn(f"{error.args[0]}; written with no matches")
            out.append((error.args[1] if len(error.args) > 1 else None, None))
    return out


def screen(
    input_path: Annotated[
        Path, typer.Option("--input", help="JSON Lines: {id, name, kind, birth_date, country}.")
    ],
    output_path: Annotated[
        Path, typer.Option("--output", help="JSON Lines: {id, matches}, in input order.")
    ],
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", help="Lowest score reported, 0 to 1 (default 0.88)."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Most matches per name.")] = 10,
    database: Database = None,
) -> None:
    """Screen names against the loaded sanctions lists: one output line per non-blank
    input line, in input order ('-': stdin or stdout). A line that cannot be screened (not
    JSON, no id, no name) is written with no matches (its id, or null) and named on stderr."""
    import coffer
    from coffer.risk.sanctions import DEFAULT_THRESHOLD, Screener

    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise usage_error("--threshold must be between 0 and 1")
    try:
        with open_input(input_path) as source:
            subjects = read_subjects(source)
    except UnicodeDecodeError as exc:
        raise usage_error(f"{input_path} is not UTF-8 text ({exc.reason})") from None
    with coffer.open(database) as c:
        screener = Screener(c.engine)
        index = screener.index()
        coffer.tune_gc()  # this process's index is long-lived: spare it full collections
        if not screener.lists:
            raise usage_error(
                "no sanctions list is loaded: run coffer risk lists load FILE first", 1
            )
        cut = DEFAULT_THRESHOLD if threshold is None else threshold
        with open_output(output_path) as output:
            for identifier, subject in subjects:
                matches = (
                    [] if subject is None else index.screen(subject, threshold=cut, limit=limit)
                )
                row = {"id": identifier, "matches": [m.to_json() for m in matches]}
                output.write(json.dumps(row, ensure_ascii=False) + "\n")
