"""``coffer assistant categorize`` on what real producers write: one output line per input
line, in input order, whatever the line looks like."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from coffer.assistant.categorize.pipeline import Predictor
from coffer.assistant.categorize.schemas import StatementLine
from coffer.cli.main import app

runner = CliRunner()
# the example line of the interface, as written in its specification
LIDL = json.loads(
    '{"id":"x1","date":"2026-03-04","description":"CARD PAYMENT LIDL 4211 BERLIN DE",'
    '"amount":2350,"currency":"EUR","direction":"debit","mcc":"5411"}'
)


def categorize(source: Path, output: str = "-", stdin: str | None = None) -> Any:
    args = ["assistant", "categorize", "-i", str(source), "-o", output, "--no-classifier"]
    return runner.invoke(app, args, input=stdin)


def rows(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_producer_variants_categorize_like_the_canonical_line(tmp_path: Path) -> None:
    variants: list[dict[str, Any]] = [
        LIDL,
        {**LIDL, "id": 2, "amount": 2350.0, "mcc": 5411, "currency": "eur", "extra": [1]},
        {**LIDL, "id": "x3", "mcc": 5411.0, "direction": "DEBIT", "amount": "2350"},
        {**LIDL, "id": "x4", "date": "2026-03-04T10:00:00+01:00", "mcc": None},
        {k: v for k, v in LIDL.items() if k not in ("mcc", "date", "currency")} | {"id": "x5"},
        {**LIDL, "id": "x6", "currency": "JPY", "amount": 0},
        {**LIDL, "id": "x7", "currency": "KWD", "amount": 10**15},
        {**LIDL, "id": "x8", "description": LIDL["description"] + " 🙂 支付宝 " * 3000},
        dict(reversed(list({**LIDL, "id": "x9"}.items()))),
    ]
    text = "\ufeff" + "".join(json.dumps(v, ensure_ascii=False) + " \r\n\r\n" for v in variants)
    source = tmp_path / "tx.jsonl"
    source.write_bytes(text.encode("utf-8"))
    result = categorize(source, str(tmp_path / "a" / "b" / "categories.jsonl"))
    assert result.exit_code == 0, result.output
    out = rows((tmp_path / "a" / "b" / "categories.jsonl").read_text(encoding="utf-8"))
    assert [row["id"] for row in out] == [v["id"] for v in variants]
    assert {row["primary"] for row in out} == {"FOOD_AND_DRINK"}
    assert {row["merchant"] for row in out} == {"Lidl"}


def test_nulls_for_every_optional_field(tmp_path: Path) -> None:
    source = tmp_path / "tx.jsonl"
    line = {"id": "n", "description": "LIDL", "amount": None, "currency": None}
    line |= {"direction": None, "mcc": None, "date": None, "counterparty": None}
    source.write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = categorize(source)
    assert result.exit_code == 0, result.output
    assert rows(result.stdout)[0]["primary"] == "FOOD_AND_DRINK"


def test_one_output_line_per_input_line_and_stdin(tmp_path: Path) -> None:
    lines = [json.dumps(LIDL), "{broken", '{"id":"odd","amount":1.5}', "[]", json.dumps(LIDL)]
    result = categorize(Path("-"), stdin="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = rows(result.stdout)
    assert [row["id"] for row in out] == ["x1", None, "odd", None, "x1"]
    assert [row["primary"] for row in out] == ["FOOD_AND_DRINK", None, None, None, "FOOD_AND_DRINK"]
    for number in (2, 3, 4):
        assert f"line {number}" in result.stderr


def test_files_that_are_not_what_was_asked(tmp_path: Path) -> None:
    for source, message in [(tmp_path / "none.jsonl", "cannot read"), (tmp_path, "is a folder")]:
        result = categorize(source)
        assert result.exit_code == 2 and message in result.stderr, result.output
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    result = categorize(empty, str(tmp_path / "out.jsonl"))
    assert result.exit_code == 0 and (tmp_path / "out.jsonl").read_text() == ""
    binary = tmp_path / "latin1.jsonl"
    binary.write_bytes(b'{"id":"a","description":"CAF\xc9"}\n')
    result = categorize(binary)
    assert result.exit_code == 2 and "line 1: not UTF-8" in result.stderr


def test_a_line_with_nothing_to_read_abstains_unless_its_mcc_speaks(tmp_path: Path) -> None:
    from coffer.assistant.categorize.pipeline import categorize as run

    base = {"date": "2026-03-04", "amount": 2350, "currency": "EUR", "direction": "debit"}
    lines = [
        StatementLine.from_json(base | {"id": "e", "description": "", "mcc": None}),
        StatementLine.from_json(base | {"id": "s", "description": " * ", "mcc": None}),
        StatementLine.from_json(base | {"id": "m", "description": "  ", "mcc": "5411"}),
        StatementLine.from_json(base | {"id": "c", "description": "", "direction": "credit"}),
    ]
    results = run(lines, predictor=_BankFeesEverywhere())
    assert [r.primary for r in results] == [None, None, "FOOD_AND_DRINK", None]


class _BankFeesEverywhere(Predictor):
    """A classifier sure of bank fees whatever it reads."""

    def predict(self, lines: Sequence[StatementLine]) -> list[tuple[str, float]]:
        return [("BANK_FEES_OTHER_BANK_FEES", 0.9) for _ in lines]

    def threshold(self) -> float:
        return 0.5
