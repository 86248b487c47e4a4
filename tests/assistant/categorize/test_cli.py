from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from coffer.cli.main import app

runner = CliRunner()


def write(path: Path, rows: list[object]) -> Path:
    path.write_text(
        "".join(
            (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows
        ),
        encoding="utf-8",
    )
    return path


def test_output_format_order_and_one_line_per_input(tmp_path: Path, settings_env: None) -> None:
    rows = [
        {
            "id": "x1",
            "date": "2026-03-04",
            "description": "CARD PAYMENT LIDL 4211 BERLIN DE",
            "amount": 2350,
            "currency": "EUR",
            "direction": "debit",
            "mcc": "5411",
        },
        {
            "id": "x2",
            "date": "2026-03-04",
            "description": "QWXZ 8842 ☃ \u202e",
            "amount": 10**40,
            "currency": "EUR",
            "direction": "debit",
            "mcc": None,
        },
        {
            "id": "x3",
            "date": "2026-03-05",
            "description": "代发工资",
            "amount": 500000,
            "currency": "CNY",
            "direction": "credit",
            "mcc": None,
        },
        {
            "id": "x4",
            "description": "Pizzeria Da Gino",
            "amount": 3200,
            "currency": "EUR",
            "direction": "debit",
        },
    ]
    source = write(tmp_path / "tx.jsonl", rows)
    target = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["assistant", "categorize", "--input", str(source), "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    out = [json.loads(row) for row in target.read_text(encoding="utf-8").splitlines()]
    assert [o["id"] for o in out] == ["x1", "x2", "x3", "x4"]
    assert out[0] == {
        "id": "x1",
        "primary": "FOOD_AND_DRINK",
        "detailed": "FOOD_AND_DRINK_GROCERIES",
        "confidence": out[0]["confidence"],
        "merchant": "Lidl",
    }
    assert out[0]["confidence"] > 0.9
    assert out[2]["detailed"] == "INCOME_WAGES"
    assert out[3]["primary"] == "FOOD_AND_DRINK"
    for o in out:
        assert set(o) == {"id", "primary", "detailed", "confidence", "merchant"}


def test_abstention_gives_null_primary(tmp_path: Path) -> None:
    source = write(
        tmp_path / "tx.jsonl",
        [
            {
                "id": "a",
                "description": "QWXZ 8842",
                "amount": 1,
                "currency": "EUR",
                "direction": "debit",
                "mcc": None,
            }
        ],
    )
    result = runner.invoke(app, ["assistant", "categorize", "-i", str(source), "--no-classifier"])
    assert result.exit_code == 0
    row = json.loads(result.stdout.strip())
    assert row["primary"] is None and row["detailed"] is None


def test_bad_lines_are_written_abstaining_and_named_on_stderr(tmp_path: Path) -> None:
    good = {"id": "a", "description": "LIDL", "amount": 1, "currency": "EUR", "direction": "debit"}
    for bad, message, bad_id in [
        ("{not json", "not valid JSON", None),
        (
            json.dumps({"id": "b", "description": "X", "amount": "12,5", "direction": "debit"}),
            "amount",
            "b",
        ),
        (
            json.dumps({"id": "b", "description": "X", "amount": 12, "direction": "sideways"}),
            "direction",
            "b",
        ),
        (json.dumps({"description": "X", "amount": 12}), "id", None),
        (json.dumps([1, 2]), "JSON object", None),
    ]:
        source = write(tmp_path / "bad.jsonl", [good, bad, good])
        result = runner.invoke(
            app, ["assistant", "categorize", "-i", str(source), "--no-classifier"]
        )
        assert result.exit_code == 0, bad
        assert "warning" in result.stderr and "line 2" in result.stderr, result.stderr
        assert message in result.stderr, result.stderr
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        assert [row["id"] for row in rows] == ["a", bad_id, "a"]
        assert rows[1]["primary"] is None and rows[1]["confidence"] == 0.0
        assert rows[0]["primary"] == rows[2]["primary"] == "FOOD_AND_DRINK"
    missing = runner.invoke(app, ["assistant", "categorize", "-i", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2


def test_labelled_input_still_stops_at_a_bad_line(tmp_path: Path) -> None:
    source = write(tmp_path / "bad.jsonl", [{"id": "a", "description": "LIDL"}])
    result = runner.invoke(app, ["assistant", "categorize-eval", "-i", str(source)])
    assert result.exit_code == 2 and "line 1" in result.output, result.output


def test_eval_and_generate_commands(tmp_path: Path, settings_env: None) -> None:
    labelled = tmp_path / "heldout.jsonl"
    generated = runner.invoke(
        app, ["assistant", "categorize-generate", "-o", str(labelled), "--per-category", "2"]
    )
    assert generated.exit_code == 0
    assert len(labelled.read_text(encoding="utf-8").splitlines()) == 208
    result = runner.invoke(app, ["assistant", "categorize-eval", "--input", str(labelled)])
    assert result.exit_code == 0, result.output
    assert "primary macro-F1" in result.output and "coverage" in result.output


def test_an_id_keeps_its_json_type(tmp_path: Path, settings_env: None) -> None:
    rows = [
        {"id": 7, "description": "ATM WITHDRAWAL", "amount": 2000, "currency": "EUR",
         "direction": "debit", "mcc": None},
        {"id": "7", "description": "ATM WITHDRAWAL", "amount": 2000, "currency": "EUR",
         "direction": "debit", "mcc": None},
    ]  # fmt: skip
    source = write(tmp_path / "tx.jsonl", rows)
    target = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["assistant", "categorize", "--input", str(source), "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in target.read_text("utf-8").splitlines()]
    assert [row["id"] for row in out] == [7, "7"]
