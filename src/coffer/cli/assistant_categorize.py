"""``coffer assistant categorize``: categorize statement lines (and measure it)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer

from coffer.assistant.taxonomy import is_detailed, is_primary, primary_of
from coffer.cli.json_lines import JsonLines, NotJsonLine, open_input, open_output, warn
from coffer.cli.options import usage_error


def _read_lines(
    path: str, *, labelled: bool = False
) -> tuple[list[Any], list[tuple[str, str | None]], list[Any]]:
    """The statement lines, their labels (when ``labelled``) and their ids as written (a
    number stays a number in the output).

    Unlabelled input is read leniently: a line that is not JSON or not a valid statement
    line is None in the lines (its id kept when it has one, else None) and a warning naming
    it goes to stderr. Labelled input (measuring) stops at such a line (exit 2)."""
    from coffer.assistant.categorize.schemas import InvalidStatementLine, StatementLine

    lines: list[StatementLine | None] = []
    labels: list[tuple[str, str | None]] = []
    ids: list[Any] = []
    with open_input(path) as handle:
        records = JsonLines(handle, lenient=not labelled)
        try:
            for number, data in records:
                try:
                    if isinstance(data, NotJsonLine):
                        raise data
                    line = StatementLine.from_json(data)
                    if labelled:
                        labels.append(_label(data))
                except (InvalidStatementLine, NotJsonLine) as error:
                    if labelled:
                        raise
                    text = error.message if isinstance(error, InvalidStatementLine) else ""
                    warn(f"{path} line {number}: {text or 'not valid JSON'}; written abstaining")
                    lines.append(None)
                    ids.append(_raw_id(data))
                    continue
                lines.append(line)
                ids.append(data["id"])
        except UnicodeDecodeError as error:
            raise usage_error(f"{path} line {records.number + 1}: not UTF-8 text") from error
        except InvalidStatementLine as error:
            raise usage_error(f"{path} line {records.number}: {error.message}") from error
        except NotJsonLine as error:
            raise usage_error(f"{path} {error}") from error
    return lines, labels, ids


def _raw_id(data: Any) -> Any:
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str | int) and not isinstance(value, bool) else None


def _label(data: dict[str, Any]) -> tuple[str, str | None]:
    from coffer.assistant.categorize.schemas import InvalidStatementLine

    nested = data.get("label")
    label: dict[str, Any] = nested if isinstance(nested, dict) else data
    detailed = label.get("detailed") or label.get("expected_detailed")
    primary = label.get("primary") or label.get("expected_primary")
    if isinstance(detailed, str) and is_detailed(detailed):
        return primary_of(detailed), detailed
    if isinstance(primary, str) and is_primary(primary):
        return primary, None
    raise InvalidStatementLine("a labelled line needs a valid 'primary' or 'detailed'")


_UNREADABLE = {"primary": None, "detailed": None, "confidence": 0.0, "merchant": None}


def categorize_command(
    input: str = typer.Option(
        ..., "--input", "-i", help="JSON lines of statement lines ('-': stdin)."
    ),
    output: str = typer.Option(
        "-", "--output", "-o", help="Where the JSON lines of categories go ('-': stdout)."
    ),
    no_classifier: bool = typer.Option(
        False, "--no-classifier", help="Rules, merchants and MCC only."
    ),
    show_source: bool = typer.Option(
        False, "--show-source", help="Add each category's source to the output."
    ),
    customer: str | None = typer.Option(
        None,
        "--customer",
        help="Apply this wallets customer's stored rules and corrections (read from the "
        "database), as the API does.",
    ),
    platform: str = typer.Option(
        "plat_default", "--platform", help="The platform id of --customer."
    ),
    database: str | None = typer.Option(
        None, "--database", help="Database URL for --customer (default: COFFER_DATABASE_URL)."
    ),
) -> None:
    """Categorize statement lines: one output line per input line, in input order.

    A line that cannot be read (not JSON, a bad field) is written abstaining (primary
    null, confidence 0) with its id when it has one, and warned about on stderr."""
    from coffer.assistant.categorize.service import categorize_lines

    read, _, ids = _read_lines(input)
    lines = [line for line in read if line is not None]
    if customer is None:
        results = iter(categorize_lines(lines, use_classifier=not no_classifier))
    else:
        results = iter(_customer_categories(lines, customer, platform, database, not no_classifier))
    with open_output(output) as handle:
        for line, line_id in zip(read, ids, strict=True):
            if line is None:
                row: dict[str, Any] = {"id": line_id, **_UNREADABLE}
                source = "abstain"
            else:
                result = next(results)
                row = {**result.to_json(), "id": line_id}
                source = result.source
            if show_source:
                row["source"] = source
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _customer_categories(
    lines: list[Any], customer: str, platform: str, database: str | None, classifier: bool
) -> list[Any]:
    import coffer
    from coffer.assistant.service import Assistant
    from coffer.errors import CofferError
    from coffer.wallets import WalletSettings, open_wallets

    with coffer.open(database) as c:
        wallets = open_wallets(c, WalletSettings(), platform_id=platform)
        assistant = Assistant(wallets.core.engine, wallets.wallets)
        try:
            return assistant.categorize_statement(customer, lines, use_classifier=classifier)
        except CofferError as error:
            raise usage_error(error.message) from error


def evaluate_command(
    input: str = typer.Option(
        ...,
        "--input",
        "-i",
        help="Labelled JSON lines (statement line plus 'primary' or 'detailed').",
    ),
    no_classifier: bool = typer.Option(
        False, "--no-classifier", help="Rules, merchants and MCC only."
    ),
) -> None:
    """Measure the categorizer on labelled lines: primary macro-F1, coverage, accuracy."""
    from coffer.assistant.categorize.evaluation import score
    from coffer.assistant.categorize.service import categorize_lines

    lines, labels, _ = _read_lines(input, labelled=True)
    started = time.perf_counter()
    results = categorize_lines(lines, use_classifier=not no_classifier)
    seconds = time.perf_counter() - started
    scores = score([p for p, _ in labels], [d for _, d in labels], results)
    typer.echo(f"lines: {scores.lines}")
    typer.echo(f"primary macro-F1: {scores.macro_f1:.3f}")
    typer.echo(f"coverage: {scores.coverage:.3f}")
    typer.echo(f"primary accuracy (abstentions are misses): {scores.accuracy:.3f}")
    typer.echo(f"detailed accuracy: {scores.detailed_accuracy:.3f}")
    typer.echo(f"seconds: {seconds:.2f} (with model loading)")
    typer.echo("per-class F1:")
    for label, value in sorted(scores.per_class_f1.items(), key=lambda item: item[1]):
        typer.echo(f"  {label:<28} {value:.3f}")
    typer.echo("sources: " + ", ".join(f"{k} {v}" for k, v in scores.sources.items()))


def generate_command(
    output: str = typer.Option("-", "--output", "-o", help="Where the labelled JSON lines go."),
    split: str = typer.Option(
        "heldout", "--split", help="heldout (merchants never seen in training) or train."
    ),
    per_category: int = typer.Option(
        30, "--per-category", min=1, max=10_000, help="Lines per detailed category."
    ),
    seed: int = typer.Option(11, "--seed", help="Random seed (the output is deterministic)."),
) -> None:
    """Write labelled synthetic statement lines (the held-out set by default)."""
    from coffer.assistant.categorize.synthetic import generate

    if split not in ("heldout", "train"):
        raise usage_error("--split must be heldout or train")
    with open_output(output) as handle:
        for line, detailed in generate(split, per_category=per_category, seed=seed):
            row = {
                "id": line.id,
                "date": "2026-03-04",
                "description": line.description,
                "amount": line.amount,
                "currency": line.currency,
                "direction": line.direction,
                "mcc": line.mcc,
                "primary": primary_of(detailed),
                "detailed": detailed,
            }
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def train_command() -> None:
    """Train the categorization model from the shipped data now and cache it."""
    from coffer.assistant.categorize.service import shipped_classifier
    from coffer.settings import get_settings

    started = time.perf_counter()
    folder = get_settings().assistant_model_cache_dir
    shipped_classifier(folder)
    where = str(Path(folder).expanduser()) if folder else "memory only"
    typer.echo(f"model ready in {time.perf_counter() - started:.1f} s ({where})")


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``coffer assistant``."""
    app.command("categorize")(categorize_command)
    app.command("categorize-eval")(evaluate_command)
    app.command("categorize-generate")(generate_command)
    app.command("categorize-train")(train_command)
