"""``coffer assistant ask|ask-eval|import|...``: questions, imports, budgets, forecasts."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from coffer.cli.options import Database

Today = Annotated[str | None, typer.Option("--today", help="Answer as of this date (YYYY-MM-DD)")]


def _today(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def ask(
    question: Annotated[str, typer.Argument(help="The question, in English or Chinese.")],
    customer: Annotated[str, typer.Option("--customer", help="The wallets customer id.")],
    database: Database = None,
    today: Today = None,
) -> None:
    """Answer a question about a customer's money; prints the answer as JSON."""
    import coffer
    from coffer.assistant.service import Assistant
    from coffer.wallets import WalletSettings, open_wallets

    with coffer.open(database) as c:
        assistant = Assistant(c.engine, open_wallets(c, WalletSettings()).wallets)
        answer = assistant.ask(customer, question, today=_today(today))
    typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))


def ask_eval(
    every: Annotated[int, typer.Option(help="Run every n-th question only.")] = 1,
    verbose: Annotated[bool, typer.Option(help="Print every question and answer.")] = False,
) -> None:
    """Run the measured question set and every held-out batch against the synthetic
    customer (offline, no database); print the share answered right. Exit 1 below 95%."""
    from coffer.assistant.evaluation import BATCHES, cases, heldout_cases, run
    from coffer.assistant.service import ask_data
    from coffer.assistant.synthetic import build

    synthetic = build()
    sets = [("measured set", cases(synthetic))]
    sets += [(name, heldout_cases(synthetic, rows)) for name, rows in BATCHES]
    outcomes = []
    for name, items in sets:
        done = run(lambda q: ask_data(synthetic.data, q, synthetic.today), items[:: max(every, 1)])
        for o in done:
            if verbose or not o.ok:
                mark = "ok " if o.ok else "BAD"
                typer.echo(f"{mark} {o.case.question} -> {o.answer['intent']} {o.answer['value']}")
        typer.echo(f"{name}: {sum(o.ok for o in done)}/{len(done)} right")
        outcomes += done
    right = sum(o.ok for o in outcomes)
    typer.echo(f"{right}/{len(outcomes)} right ({right / len(outcomes):.1%})")
    raise typer.Exit(0 if right >= 0.95 * len(outcomes) else 1)


def import_statement(
    path: Annotated[Path, typer.Argument(help="The statement file.", exists=True, dir_okay=False)],
    customer: Annotated[str, typer.Option("--customer", help="The wallets customer id.")],
    format: Annotated[str, typer.Option("--format", help="csv, ofx, qfx or camt053")] = "",
    account: Annotated[str | None, typer.Option("--account", help="Account name")] = None,
    currency: Annotated[str | None, typer.Option(help="Currency of a CSV file")] = None,
    mapping: Annotated[
        str | None, typer.Option(help='CSV columns as JSON: {"date":"Date","amount":"Amount",...}')
    ] = None,
    date_format: Annotated[str | None, typer.Option(help="CSV date format (strptime)")] = None,
    decimal_comma: Annotated[bool, typer.Option(help="CSV amounts use a decimal comma")] = False,
    database: Database = None,
) -> None:
    """Import a bank statement into an external account (lines seen before are skipped)."""
    import coffer
    from coffer.assistant.service import Assistant
    from coffer.wallets import WalletSettings, open_wallets

    fmt = format or {".csv": "csv", ".ofx": "ofx", ".qfx": "ofx", ".xml": "camt053"}.get(
        path.suffix.lower(), "csv"
    )
    options: dict[str, object] = {}
    if fmt == "csv":
        options["decimal_comma"] = decimal_comma
        if mapping:
            options["mapping"] = json.loads(mapping)
        if date_format:
            options["date_format"] = date_format
    content = path.read_bytes().decode("utf-8", errors="replace")
    with coffer.open(database) as c:
        assistant = Assistant(c.engine, open_wallets(c, WalletSettings()).wallets)
        result = assistant.import_statement(
            customer, fmt, content, account_name=account, currency=currency, **options
        )
    typer.echo(json.dumps(result))


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``coffer assistant``."""
    app.command("ask")(ask)
    app.command("ask-eval")(ask_eval)
    app.command("import")(import_statement)
