"""``coffer risk lists load|list`` and ``coffer risk screen``: the fixed interface."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coffer.cli.risk import app

from .conftest import SAMPLES

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def write_lines(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('lists')}/coffer.db"
    for sample in ("un.xml", "ofac_csv/sdn.csv", "eu.csv"):
        code, output = invoke("lists", "load", str(SAMPLES / sample), "--database", url)
        assert code == 0, output
    return url


def test_lists_load_and_list(database: str) -> None:
    code, output = invoke("lists", "list", "--database", database)
    assert code == 0, output
    lines = output.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["EU", "OFAC", "UN"]
    assert "3 entries" in lines[0] and "4 entries" in lines[1] and "5 entries" in lines[2]
    assert "2020-11-24T20:23:07.617-05:00" in lines[2]
    code, output = invoke("lists", "list", "--json", "--database", database)
    rows = [json.loads(line) for line in output.strip().splitlines()]
    assert {r["list"]: r["entries"] for r in rows} == {"EU": 3, "OFAC": 4, "UN": 5}
    code, output = invoke(
        "lists", "load", str(SAMPLES / "eu.xml"), "--format", "eu-xml", "--database", database
    )
    assert code == 0, output
    assert "loaded EU version 2020-11-24T17:41:50.514+01:00: 3 entries" in output
    assert "replaced version 24/11/2020" in output


def test_screen_output_format_and_order(database: str, tmp_path: Path) -> None:
    names = write_lines(
        tmp_path / "names.jsonl",
        '{"id":"n1","name":"Won-ho Ri","kind":"natural","birth_date":"1964-07-17","country":"KP"}',
        '{"id":"n2","name":"Jane Doe"}',
        '{"id":"n3","name":"Guzmán Loera Joaquín","kind":null,"birth_date":null,"country":null}',
        "",
        '{"id":"n4","name":"Jo Chun Ryong","birth_date":"1960"}',
    )
    out = tmp_path / "matches.jsonl"
    code, output = invoke(
        "screen", "--input", str(names), "--output", str(out), "--database", database
    )
    assert code == 0, output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["n1", "n2", "n3", "n4"]
    first = rows[0]["matches"]
    assert {(m["list"], m["entry_id"], m["name"]) for m in first} == {
        ("UN", "6908555", "RI WON HO"),
        ("EU", "114570", "Ri Won Ho"),
    }
    assert all(set(m) == {"list", "entry_id", "name", "score"} for m in first)
    assert all(0.88 <= m["score"] <= 1.0 for m in first)
    assert rows[1]["matches"] == []
    assert rows[2]["matches"][0]["entry_id"] == "7157"
    assert rows[3]["matches"][0] == {
        "list": "UN",
        "entry_id": "6908571",
        "name": "CHO CHUN RYONG",
        "score": rows[3]["matches"][0]["score"],
    }
    scores = [m["score"] for r in rows for m in r["matches"]]
    assert all(0 <= s <= 1 for s in scores)
    # A lower threshold reports more, still best first.
    code, _ = invoke(
        "screen",
        "--input",
        str(names),
        "--output",
        str(out),
        "--threshold",
        "0.3",
        "--database",
        database,
    )
    assert code == 0
    loose = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    for row in loose:
        assert [m["score"] for m in row["matches"]] == sorted(
            (m["score"] for m in row["matches"]), reverse=True
        )
    assert len(loose[0]["matches"]) >= len(rows[0]["matches"])


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "line 2: not valid JSON"),
        ('{"name":"No Id"}', "line 2: 'id' is missing"),
        ('{"id":"x","name":""}', "line 2: 'name' must be a non-empty string"),
        ('{"id":"x","name":"A B","kind":"robot"}', "line 2: 'kind' must be natural, legal"),
        ('["id","name"]', "line 2: expected a JSON object"),
    ],
)
def test_screen_bad_input_line(database: str, tmp_path: Path, line: str, message: str) -> None:
    """A line that cannot be screened is warned about (naming it) and written with no
    matches, its id kept when it has one; the other lines are screened."""
    names = write_lines(tmp_path / "names.jsonl", '{"id":"n1","name":"Ri Won Ho"}', line)
    out = tmp_path / "matches.jsonl"
    code, output = invoke(
        "screen", "--input", str(names), "--output", str(out), "--database", database
    )
    assert code == 0
    assert "warning" in output and message in output
    rows = [json.loads(row) for row in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2 and rows[0]["matches"] and rows[1]["matches"] == []
    assert rows[1]["id"] == ("x" if '"id":"x"' in line else None)


def test_load_unknown_format_is_a_clear_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/coffer.db"
    odd = tmp_path / "list.txt"
    odd.write_text("hello\n", encoding="utf-8")
    code, output = invoke("lists", "load", str(odd), "--database", url)
    assert code == 2
    assert "give --format" in output
    code, output = invoke(
        "lists", "load", str(SAMPLES / "un.xml"), "--format", "csv", "--database", url
    )
    assert code == 2
    assert "unknown list format 'csv'" in output
    code, output = invoke("lists", "load", str(tmp_path / "missing.xml"), "--database", url)
    assert code == 2
    assert "no such list file" in output


def test_screen_without_lists_fails(tmp_path: Path) -> None:
    names = write_lines(tmp_path / "names.jsonl", '{"id":"n1","name":"Ri Won Ho"}')
    code, output = invoke(
        "screen",
        "--input",
        str(names),
        "--output",
        str(tmp_path / "out.jsonl"),
        "--database",
        f"sqlite:///{tmp_path}/coffer.db",
    )
    assert code == 1
    assert "no sanctions list is loaded" in output


def test_real_un_list_through_the_cli(un_list_path: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/coffer.db"
    code, output = invoke("lists", "load", str(un_list_path), "--database", url)
    assert code == 0, output
    assert "1018 entries" in output
    names = write_lines(
        tmp_path / "names.jsonl",
        '{"id":"n1","name":"Won-ho Ri","kind":"natural","birth_date":"1964-07-17","country":"KP"}',
    )
    out = tmp_path / "matches.jsonl"
    code, output = invoke("screen", "--input", str(names), "--output", str(out), "--database", url)
    assert code == 0, output
    [row] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert row["matches"][0]["entry_id"] == "6908555"
    assert row["matches"][0]["score"] >= 0.95
