"""``coffer risk train|backtest`` on what real producers write: JSON Lines variants, odd
values, unreadable lines, files and folders that are not what was asked for."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from coffer.cli.main import app
from coffer.errors import RiskInputInvalid
from coffer.risk.events import Customer, Transaction, Unreadable, event_from_dict, parse_lines

runner = CliRunner()
TX: dict[str, Any] = {
    "type": "transaction",
    "id": "t1",
    "at": "2026-01-03T10:00:00Z",
    "kind": "transfer",
    "customer_id": "c1",
    "counterparty": "c2",
    "amount": 1234,
    "currency": "EUR",
    "card_fingerprint": None,
    "card_country": None,
    "ip_country": "DE",
    "device_id": "d1",
    "mcc": None,
}


def test_numbers_and_case_variants_read_as_the_canonical_event() -> None:
    canonical = event_from_dict({**TX, "mcc": "5999"})
    odd = event_from_dict(
        {
            **TX,
            "type": "Transaction",
            "kind": "TRANSFER",
            "amount": 1234.0,
            "currency": "eur",
            "ip_country": "de",
            "mcc": 5999,
            "unknown": {"nested": [1, 2]},
        }
    )
    assert odd == canonical
    assert event_from_dict({**TX, "amount": "1234", "mcc": "5999.0"}) == canonical
    numeric = event_from_dict({**TX, "id": 17, "customer_id": 4, "counterparty": 5.0})
    assert isinstance(numeric, Transaction)
    assert (numeric.id, numeric.customer_id, numeric.counterparty) == ("17", "4", "5")
    assert event_from_dict({**TX, "mcc": 742}).mcc == "0742"  # type: ignore[union-attr]


def test_optional_fields_null_or_missing() -> None:
    bare = {k: TX[k] for k in ("type", "id", "at", "kind", "customer_id", "amount")}
    nulls = {**bare, **{k: None for k in TX if k not in bare}, "label": None}
    assert event_from_dict(bare) == event_from_dict(nulls)
    legal = event_from_dict(
        {"type": "customer", "id": "c1", "at": "2026-01-03", "kind": "legal", "birth_year": None}
    )
    assert isinstance(legal, Customer) and legal.birth_year is None
    person = event_from_dict(
        {"type": "customer", "id": 3, "at": "2026-01-03", "birth_year": 1990.0}
    )
    assert isinstance(person, Customer) and (person.id, person.birth_year) == ("3", 1990)


@pytest.mark.parametrize(
    "at",
    [
        "2026-01-03T10:00:00Z",
        "2026-01-03T10:00:00+00:00",
        "2026-01-03T11:00:00+01:00",
        "2026-01-03T05:00:00-05:00",
        "2026-01-03T10:00:00.000Z",
        "2026-01-03T10:00:00",
        "2026-01-03 10:00:00Z",
        "2026-01-03T10:00:00 UTC",
        "2026-01-03T10:00:00.000000000Z",
        "2026-01-03T11:00:00+0100",
        1767434400,
        1767434400.0,
    ],
)
def test_timestamps(at: object) -> None:
    assert event_from_dict({**TX, "at": at}).at == 1767434400.0


def test_fractional_seconds_and_date_only() -> None:
    assert event_from_dict({**TX, "at": "2026-01-03T10:00:00.250Z"}).at == 1767434400.25
    assert event_from_dict({**TX, "at": "2026-01-03"}).at == 1767398400.0


@pytest.mark.parametrize(("currency", "amount"), [("JPY", 0), ("KWD", 1_234_567), ("EUR", 10**15)])
def test_currencies_of_any_exponent_and_any_amount(currency: str, amount: int) -> None:
    event = event_from_dict({**TX, "currency": currency.lower(), "amount": amount})
    assert isinstance(event, Transaction)
    assert (event.currency, event.amount) == (currency, amount)


def test_bom_crlf_blank_lines_and_trailing_whitespace() -> None:
    lines = [
        "\ufeff" + json.dumps(TX) + "  \r\n",
        "\r\n",
        "   \n",
        json.dumps({**TX, "id": "t2"}) + "\t\r\n",
    ]
    events = list(parse_lines(lines))
    assert [e.id for e in events if isinstance(e, Transaction)] == ["t1", "t2"]


@pytest.mark.parametrize(
    ("line", "message", "kept_id"),
    [
        ("not json", "line 2: ", None),
        ('{"type":"transaction","id":"x"}', "line 2: ", "x"),
        (json.dumps({**TX, "amount": 12.5}), "`amount`", "t1"),
        (json.dumps({**TX, "amount": -1}), "`amount`", "t1"),
        (json.dumps({**TX, "kind": "teleport"}), "`kind`", "t1"),
        (json.dumps({**TX, "at": "yesterday"}), "line 2: ", "t1"),
        ('{"type":"refund","id":"r"}', "`type`", None),
        ("[1, 2]", "JSON object", None),
    ],
)
def test_unreadable_lines_are_named(line: str, message: str, kept_id: str | None) -> None:
    lines = [json.dumps(TX), line]
    with pytest.raises(RiskInputInvalid) as caught:
        list(parse_lines(lines))
    assert "line 2" in caught.value.message and message in caught.value.message
    *_, last = parse_lines(lines, lenient=True)
    assert isinstance(last, Unreadable) and last.line == 2 and last.id == kept_id


# -- the commands, on a small simulation ---------------------------------------------------


def invoke(*args: str) -> Any:
    return runner.invoke(app, ["risk", *args])


def digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small simulation and its trained model (a few seconds: the commands end to end)."""
    folder = tmp_path_factory.mktemp("robust")
    result = invoke(
        "simulate", "--output-dir", str(folder), "--seed", "5", "--customers", "40",
        "--days", "20", "--fraud-rate", "0.01", "--patterns", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    result = invoke(
        "train", "--input", str(folder / "train.jsonl"), "--model-dir", str(folder / "model")
    )
    assert result.exit_code == 0, result.output
    return folder


def backtest(world: Path, source: Path, output: Path) -> list[dict[str, Any]]:
    before = digest(world / "model")
    result = invoke(
        "backtest", "--input", str(source), "--output", str(output),
        "--model-dir", str(world / "model"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert digest(world / "model") == before  # the backtest never changes the model dir
    return [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]


def decisions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row for row in rows if row.get("type") != "alert"]


def reformat(row: dict[str, Any], rnd: random.Random) -> str:
    """The same event as another producer writes it: keys shuffled, integers as floats,
    lowercase currency, an MCC as a number, offsets instead of Z, unknown keys."""
    row = dict(row)
    if row["type"] == "transaction":
        row["amount"] = float(row["amount"])
        row["currency"] = row["currency"].lower()
        if row.get("mcc"):
            row["mcc"] = int(row["mcc"])
        row["description"] = "🙂 支付 " * 500
    row["at"] = row["at"].replace("Z", "+00:00")
    row["producer"] = {"version": 3}
    items = list(row.items())
    rnd.shuffle(items)
    return json.dumps(dict(items), ensure_ascii=False) + " "


@pytest.mark.slow
def test_producer_variants_decide_like_the_canonical_file(world: Path, tmp_path: Path) -> None:
    plain = backtest(world, world / "events.jsonl", tmp_path / "plain.jsonl")
    rnd = random.Random(1)
    rows = [json.loads(line) for line in (world / "events.jsonl").read_text().splitlines()]
    text = "\ufeff" + "\r\n\r\n".join(reformat(row, rnd) for row in rows) + "\r\n"
    odd = tmp_path / "odd.jsonl"
    odd.write_bytes(text.encode("utf-8"))
    assert backtest(world, odd, tmp_path / "deep" / "er" / "odd.jsonl") == plain
    transactions = [row["id"] for row in rows if row["type"] == "transaction"]
    assert [row["id"] for row in decisions(plain)] == transactions


@pytest.mark.slow
def test_out_of_order_duplicates_and_unreadable_lines(world: Path, tmp_path: Path) -> None:
    lines = (world / "events.jsonl").read_text().splitlines()
    random.Random(2).shuffle(lines)  # the spec says in time order: out of order still decides
    bad = '{"type":"transaction","id":"bad","amount":"x"}'
    lines[3:3] = [lines[10], "{broken", bad]  # a duplicate id, a broken line, a bad transaction
    source = tmp_path / "shuffled.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = decisions(backtest(world, source, tmp_path / "out.jsonl"))
    expected = [
        json.loads(line)["id"]
        for line in lines
        if line.startswith('{"type": "transaction"') or line == bad
    ]
    assert [row["id"] for row in rows] == expected
    assert rows[expected.index("bad")]["reasons"] == ["unreadable_input"]
    assert all(0.0 <= row["score"] <= 1.0 for row in rows)


@pytest.mark.slow
def test_files_that_are_not_what_was_asked(world: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    assert backtest(world, empty, tmp_path / "none.jsonl") == []
    model = str(world / "model")
    for args, message in [
        (["--input", str(tmp_path / "nope.jsonl")], "No such file"),
        (["--input", str(tmp_path)], "is a folder"),
    ]:
        result = invoke(
            "backtest", *args, "--output", str(tmp_path / "o.jsonl"), "--model-dir", model
        )
        assert result.exit_code == 2 and message in result.output, result.output
    result = invoke(
        "backtest", "--input", str(empty), "--output", str(tmp_path / "o.jsonl"),
        "--model-dir", str(tmp_path / "missing"),
    )  # fmt: skip
    assert result.exit_code == 2 and "coffer risk train" in result.output
    result = invoke("train", "--input", str(empty), "--model-dir", str(tmp_path / "m"))
    assert result.exit_code == 2 and "no transactions" in result.output
    assert not (tmp_path / "m").exists()


@pytest.mark.slow
def test_ids_written_as_numbers_come_back_as_numbers(world: Path, tmp_path: Path) -> None:
    plain = backtest(world, world / "events.jsonl", tmp_path / "plain.jsonl")
    rows = [json.loads(line) for line in (world / "events.jsonl").read_text().splitlines()]
    for row in rows:
        if row["type"] == "transaction":
            row["id"] = int(row["id"].lstrip("t"))
    source = tmp_path / "numeric.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    numeric = backtest(world, source, tmp_path / "numeric_out.jsonl")
    assert [row["id"] for row in decisions(numeric)] == [
        row["id"] for row in rows if row["type"] == "transaction"
    ]
    alerts = [row for row in numeric if row.get("type") == "alert"]
    named = [t for alert in alerts for t in alert["transaction_ids"]]
    ours = {row["id"] for row in rows if row["type"] == "transaction"}
    assert any(t in ours for t in named)  # alerts name them as numbers too
    assert not any(isinstance(t, str) and int(t.lstrip("t")) in ours for t in named)
    assert [row["score"] for row in decisions(numeric)] == [
        row["score"] for row in decisions(plain)
    ]
