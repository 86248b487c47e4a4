"""``coffer risk lists load`` and ``coffer risk screen`` on what real producers write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coffer.cli.risk import app

from .conftest import SAMPLES

runner = CliRunner()


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('robust-lists')}/coffer.db"
    code, out, err = invoke("lists", "load", str(SAMPLES / "un.xml"), "--database", url)
    assert code == 0, out + err
    return url


def entries(database: str) -> dict[str, int]:
    code, out, _ = invoke("lists", "list", "--json", "--database", database)
    assert code == 0
    return {row["list"]: row["entries"] for row in map(json.loads, out.splitlines())}


def test_every_shipped_sample_loads_with_and_without_format(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/coffer.db"
    for sample, fmt, name, count in [
        ("un.xml", "un-xml", "UN", 5),
        ("ofac_sdn.xml", "ofac-xml", "OFAC", 4),
        ("ofac_csv/sdn.csv", "ofac-csv", "OFAC", 4),
        ("eu.xml", "eu-xml", "EU", 3),
        ("eu.csv", "eu-csv", "EU", 3),
    ]:
        for extra in ([], ["--format", fmt]):
            code, out, err = invoke(
                "lists", "load", str(SAMPLES / sample), *extra, "--database", url
            )
            assert code == 0, out + err
            assert entries(url)[name] == count, sample


def test_csv_with_a_byte_order_mark_and_crlf(tmp_path: Path) -> None:
    folder = tmp_path / "ofac"
    folder.mkdir()
    for name in ("sdn.csv", "alt.csv", "add.csv"):
        data = (SAMPLES / "ofac_csv" / name).read_bytes()
        folder.joinpath(name).write_bytes(
            b"\xef\xbb\xbf" + data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        )
    url = f"sqlite:///{tmp_path}/coffer.db"
    code, out, err = invoke("lists", "load", str(folder / "sdn.csv"), "--database", url)
    assert code == 0, out + err
    assert entries(url)["OFAC"] == 4


@pytest.mark.parametrize("share", [0.05, 0.5, 0.99])
def test_a_truncated_list_loads_nothing(database: str, tmp_path: Path, share: float) -> None:
    before = entries(database)
    truncated = tmp_path / "un.xml"
    data = (SAMPLES / "un.xml").read_bytes()
    truncated.write_bytes(data[: int(len(data) * share)])
    for extra in ([], ["--format", "un-xml"]):
        code, out, err = invoke("lists", "load", str(truncated), *extra, "--database", database)
        assert code == 2, out + err
        assert err.startswith("error: ") and "Traceback" not in out + err
    assert entries(database) == before


def test_load_of_a_folder_or_a_missing_file_is_a_clear_error(database: str, tmp_path: Path) -> None:
    for location, message in [(tmp_path, "Is a directory"), (tmp_path / "no.xml", "no such")]:
        code, out, err = invoke("lists", "load", str(location), "--database", database)
        assert code == 2 and message in err, out + err


@pytest.mark.slow
def test_the_real_un_list_loads(un_list_path: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/coffer.db"
    code, out, err = invoke("lists", "load", str(un_list_path), "--database", url)
    assert code == 0, out + err
    assert entries(url)["UN"] > 1000


def test_screen_reads_producer_variants(database: str, tmp_path: Path) -> None:
    lines = [
        '{"country":"KP","birth_date":"1964-07-17","kind":"natural","name":"Won-ho Ri","id":"n1"}',
        "",
        '{"id":2,"name":"Jane Doe","kind":null,"birth_date":null,"country":null,"x":[1]}  ',
        '{"id":"n3","name":"' + "王小明 🙂 " * 400 + '"}',
        '{"id":"n4","name":"RI WON HO","kind":"PERSON","birth_date":1964}',
        '{"id":"n5","name":"Ri Won Ho","birth_date":"1964"}',
    ]
    source = tmp_path / "names.jsonl"
    source.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    out = tmp_path / "new" / "folder" / "matches.jsonl"
    code, stdout, stderr = invoke(
        "screen", "--input", str(source), "--output", str(out), "--database", database
    )
    assert code == 0, stdout + stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == ["n1", 2, "n3", "n4", "n5"]
    assert rows[0]["matches"] and rows[3]["matches"] and rows[4]["matches"]
    assert rows[1]["matches"] == [] and rows[2]["matches"] == []


def test_screen_stdin_to_stdout(database: str) -> None:
    stdin = '{"id":"n1","name":"Won-ho Ri"}\n{"id":"n2","name":"Nobody Known"}\n'
    code, stdout, stderr = invoke(
        "screen", "--input", "-", "--output", "-", "--database", database, stdin=stdin
    )
    assert code == 0, stderr
    rows = [json.loads(line) for line in stdout.splitlines()]
    assert [row["id"] for row in rows] == ["n1", "n2"] and rows[0]["matches"]


def test_screen_keeps_one_line_per_input_line(database: str, tmp_path: Path) -> None:
    source = tmp_path / "names.jsonl"
    source.write_text(
        '{"id":"a","name":"Won-ho Ri"}\n{broken\n{"id":"b","name":null}\n{"id":"c","name":"Ri Won Ho"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    code, _, stderr = invoke(
        "screen", "--input", str(source), "--output", str(out), "--database", database
    )
    assert code == 0
    assert "line 2" in stderr and "line 3" in stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == ["a", None, "b", "c"]
    assert (
        rows[0]["matches"] and rows[3]["matches"] and rows[1]["matches"] == rows[2]["matches"] == []
    )


def test_screen_files_that_are_not_what_was_asked(database: str, tmp_path: Path) -> None:
    out = str(tmp_path / "o.jsonl")
    for source, message in [(tmp_path / "none.jsonl", "cannot read"), (tmp_path, "is a folder")]:
        code, _, stderr = invoke(
            "screen", "--input", str(source), "--output", out, "--database", database
        )
        assert code == 2 and message in stderr, stderr
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    code, _, stderr = invoke(
        "screen", "--input", str(empty), "--output", out, "--database", database
    )
    assert code == 0 and Path(out).read_text() == ""
