"""``coffer risk simulate|train|backtest|evaluate``: the fraud model and AML detectors offline."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from coffer.cli.options import usage_error

ModelDir = Annotated[
    Path | None,
    typer.Option("--model-dir", help="Model folder (default: COFFER_RISK_MODEL_DIR)"),
]
T = TypeVar("T")
_WARNINGS = 20  # unreadable lines named one by one; beyond that, a count


def _model_dir(value: Path | None) -> Path:
    if value is not None:
        return value
    from coffer.settings import get_settings

    return Path(get_settings().risk_model_dir)


def _attempt(call: Callable[[], T]) -> T:
    """``call()``; a CofferError or an OSError (a file that cannot be read or written) ends
    the command with its message (exit 2)."""
    from coffer.errors import CofferError

    try:
        return call()
    except (CofferError, OSError) as error:
        raise usage_error(str(error)) from None


def _variant(name: str) -> str:
    """The callback of ``--variant``: a known world's name, or exit 2."""
    from coffer.risk.simulate import VARIANTS

    if name not in VARIANTS:
        raise usage_error(f"unknown variant {name!r}; one of {', '.join(VARIANTS)}")
    return name


def simulate(
    output_dir: Annotated[Path, typer.Option("--output-dir", help="Folder to write into")],
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files)")] = 7,
    customers: Annotated[int, typer.Option(min=20, help="Number of customers")] = 1500,
    days: Annotated[int, typer.Option(min=10, help="Days simulated")] = 120,
    train_fraction: Annotated[
        float, typer.Option(min=0.1, max=0.95, help="Share of the days in train.jsonl")
    ] = 0.7,
    fraud_rate: Annotated[
        float, typer.Option(min=0.0, help="Fraud incidents per customer and day")
    ] = 0.0015,
    patterns: Annotated[
        int | None, typer.Option(help="Laundering patterns per typology (default: by size)")
    ] = None,
    variant: Annotated[
        str,
        typer.Option(
            help="World: base, merchants, shifted or independent (see docs/risk.md, Measured)",
            callback=_variant,
        ),
    ] = "base",
) -> None:
    """Write train.jsonl (labelled), events.jsonl (its continuation) and truth.jsonl."""
    from coffer.risk.simulate import simulate as run

    summary = run(
        output_dir,
        seed=seed,
        customers=customers,
        days=days,
        train_fraction=train_fraction,
        fraud_rate=fraud_rate,
        patterns_per_typology=patterns,
        variant=variant,
    )
    typer.echo(
        f"train.jsonl: {summary.train_transactions} transactions ({summary.train_fraud} fraud); "
        f"events.jsonl: {summary.events_transactions} transactions ({summary.events_fraud} "
        f"fraud), {summary.patterns} laundering patterns in truth.jsonl"
    )


def train(
    input_path: Annotated[Path, typer.Option("--input", help="Labelled JSON Lines history")],
    model_dir: ModelDir = None,
) -> None:
    """Learn from a labelled history; leave the model and the state in the model folder.

    A line that cannot be read (or a transaction without a label) ends with exit 2 and a
    message naming the line; nothing is written to the model folder."""
    from coffer.risk.training import train as run

    folder = _model_dir(model_dir)
    report = _attempt(lambda: run(input_path, folder))
    typer.echo(json.dumps(report.metrics, indent=2))
    typer.echo(
        f"trained on {report.transactions} transactions ({report.frauds} fraud) in "
        f"{report.seconds:.1f}s; model in {folder}",
        err=True,
    )


def backtest(
    input_path: Annotated[Path, typer.Option("--input", help="JSON Lines events to replay")],
    output: Annotated[Path, typer.Option("--output", help="Decisions and alerts (JSON Lines)")],
    model_dir: ModelDir = None,
) -> None:
    """Replay events in order; one decision line per transaction, plus AML alert lines.

    A line that cannot be read is warned about on stderr (naming it) and not replayed; a
    transaction line with an id still gets a decision line (score 0, allow, reason
    unreadable_input). A missing or untrained --model-dir ends with exit 2."""
    from coffer.risk.backtest import backtest as run
    from coffer.risk.engine import Thresholds
    from coffer.settings import get_settings

    settings = get_settings()
    thresholds = Thresholds(settings.risk_review_threshold, settings.risk_block_threshold)
    report = _attempt(lambda: run(input_path, output, _model_dir(model_dir), thresholds))
    for line in report.unreadable[:_WARNINGS]:
        what = f"decided neutral ({line.id})" if line.id is not None else "skipped"
        typer.echo(f"warning: {line.message}; {what}", err=True)
    if len(report.unreadable) > _WARNINGS:
        more = len(report.unreadable) - _WARNINGS
        typer.echo(f"warning: {more} more unreadable lines", err=True)
    typer.echo(
        f"{report.transactions} decisions, {report.alerts} alerts; {report.events} events in "
        f"{report.seconds:.1f}s ({report.events_per_second:,.0f} events/s)",
        err=True,
    )


def evaluate(
    decisions: Annotated[Path, typer.Option("--decisions", help="Backtest output")],
    truth: Annotated[Path, typer.Option("--truth", help="truth.jsonl of the simulator")],
) -> None:
    """Recall at 1% false-positive rate, PR-AUC, per typology; AML recall and precision."""
    from coffer.risk.evaluate import evaluate as run

    report = _attempt(lambda: run(decisions, truth))
    typer.echo(json.dumps(report, indent=2))


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``coffer risk``."""
    app.command("simulate")(simulate)
    app.command("train")(train)
    app.command("backtest")(backtest)
    app.command("evaluate")(evaluate)
