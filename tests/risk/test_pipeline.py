"""simulate -> train -> backtest -> evaluate on a small simulation, through the CLI."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from coffer.cli.main import app
from coffer.risk.engine import RiskEngine, Thresholds
from coffer.risk.events import Event, Transaction, read_events
from coffer.risk.online.state import OnlineEngine, Scored

pytestmark = pytest.mark.slow  # simulates and trains once for the module (10-20 s)
runner = CliRunner()


def invoke(*args: str) -> str:
    result = runner.invoke(app, ["risk", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def digest(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
    }


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("risk")
    invoke(
        "simulate",
        "--output-dir",
        str(folder),
        "--seed",
        "3",
        "--customers",
        "160",
        "--days",
        "40",
        "--fraud-rate",
        "0.006",
        "--patterns",
        "2",
    )
    invoke("train", "--input", str(folder / "train.jsonl"), "--model-dir", str(folder / "model"))
    return folder


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_simulation_is_deterministic(tmp_path: Path, trained: Path) -> None:
    invoke(
        "simulate",
        "--output-dir",
        str(tmp_path),
        "--seed",
        "3",
        "--customers",
        "160",
        "--days",
        "40",
        "--fraud-rate",
        "0.006",
        "--patterns",
        "2",
    )
    for name in ("train.jsonl", "events.jsonl", "truth.jsonl"):
        assert (tmp_path / name).read_bytes() == (trained / name).read_bytes()
    train = read(trained / "train.jsonl")
    assert all("label" in line for line in train if line["type"] == "transaction")
    assert all("label" not in line for line in read(trained / "events.jsonl"))


def test_model_dir_holds_model_state_and_metadata(trained: Path) -> None:
    metadata = json.loads((trained / "model" / "metadata.json").read_text())
    assert metadata["version"] == 1 and len(metadata["feature_names"]) > 50
    assert "validation" in metadata["metrics"]
    assert (trained / "model" / "state.pkl").stat().st_size > 0


def test_backtest_format_prefix_determinism_and_read_only_model(
    trained: Path, tmp_path: Path
) -> None:
    model = trained / "model"
    before = digest(model)
    events = (trained / "events.jsonl").read_text().splitlines()
    invoke(
        "backtest",
        "--input",
        str(trained / "events.jsonl"),
        "--output",
        str(tmp_path / "a.jsonl"),
        "--model-dir",
        str(model),
    )
    invoke(
        "backtest",
        "--input",
        str(trained / "events.jsonl"),
        "--output",
        str(tmp_path / "b.jsonl"),
        "--model-dir",
        str(model),
    )
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert digest(model) == before
    output = read(tmp_path / "a.jsonl")
    decisions = [line for line in output if line.get("type") != "alert"]
    tx_ids = [json.loads(line)["id"] for line in events if '"transaction"' in line]
    assert [d["id"] for d in decisions] == tx_ids
    for decision in decisions:
        assert 0.0 <= decision["score"] <= 1.0
        assert decision["decision"] in ("allow", "review", "block")
        assert isinstance(decision["reasons"], list)
    for alert in (line for line in output if line.get("type") == "alert"):
        assert alert["typology"] in {
            "structuring",
            "fan_in",
            "fan_out",
            "cycle",
            "rapid_movement",
            "dormant_reactivation",
            "scatter_gather",
            "mule",
        }
        assert len(alert["customer_ids"]) <= 50 and len(alert["transaction_ids"]) <= 1000
    prefix = tmp_path / "prefix.jsonl"
    prefix.write_text("\n".join(events[: len(events) // 2]) + "\n")
    invoke(
        "backtest",
        "--input",
        str(prefix),
        "--output",
        str(tmp_path / "p.jsonl"),
        "--model-dir",
        str(model),
    )
    short = [line for line in read(tmp_path / "p.jsonl") if line.get("type") != "alert"]
    assert short == decisions[: len(short)] and short


def backtest_of(trained: Path, output: Path) -> Path:
    """``coffer risk backtest`` of the simulation's events with its model, into ``output``."""
    invoke(
        "backtest",
        "--input",
        str(trained / "events.jsonl"),
        "--output",
        str(output),
        "--model-dir",
        str(trained / "model"),
    )
    return output


def test_recall_well_above_chance(trained: Path, tmp_path: Path) -> None:
    backtest_of(trained, tmp_path / "d.jsonl")
    report = json.loads(
        invoke(
            "evaluate",
            "--decisions",
            str(tmp_path / "d.jsonl"),
            "--truth",
            str(trained / "truth.jsonl"),
        )
    )
    assert report["fraud"]["frauds"] > 10
    assert report["fraud"]["recall_at_1pct_fpr"] > 0.3  # chance is 0.01
    assert report["aml"]["recall"] is not None


def test_a_bad_transaction_line_gets_a_neutral_decision(trained: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    lines = (trained / "events.jsonl").read_text().splitlines()[:5]
    bad.write_text("\n".join([*lines, '{"type":"transaction","id":"x"}']) + "\n")
    result = runner.invoke(
        app,
        [
            "risk",
            "backtest",
            "--input",
            str(bad),
            "--output",
            str(tmp_path / "out.jsonl"),
            "--model-dir",
            str(trained / "model"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "line 6" in result.stderr
    rows = read(tmp_path / "out.jsonl")
    transactions = sum('"transaction"' in line for line in lines)
    decisions = [row for row in rows if row.get("type") != "alert"]
    assert len(decisions) == transactions + 1
    assert decisions[-1] == {
        "id": "x",
        "score": 0.0,
        "decision": "allow",
        "reasons": ["unreadable_input"],
    }


def test_backtest_without_a_model_exits_2(tmp_path: Path, trained: Path) -> None:
    result = runner.invoke(
        app,
        [
            "risk",
            "backtest",
            "--input",
            str(trained / "events.jsonl"),
            "--output",
            str(tmp_path / "o.jsonl"),
            "--model-dir",
            str(tmp_path / "none"),
        ],
    )
    assert result.exit_code == 2 and "coffer risk train" in result.output


def test_online_engine_decides_like_the_backtest(trained: Path, tmp_path: Path) -> None:
    from coffer.risk.engine import RiskEngine
    from coffer.risk.events import Transaction, read_events

    events = read_events(trained / "events.jsonl")[:400]
    prefix = tmp_path / "head.jsonl"
    lines = (trained / "events.jsonl").read_text().splitlines()[:400]
    prefix.write_text("\n".join(lines) + "\n")
    invoke(
        "backtest",
        "--input",
        str(prefix),
        "--output",
        str(tmp_path / "h.jsonl"),
        "--model-dir",
        str(trained / "model"),
    )
    expected = [d for d in read(tmp_path / "h.jsonl") if d.get("type") != "alert"]
    engine = RiskEngine.load(trained / "model")
    online = []
    for event in events:
        if isinstance(event, Transaction):
            online.append(engine.decide(event).to_dict())
        engine.observe(event)
    assert [d["id"] for d in online] == [d["id"] for d in expected]
    for got, want in zip(online, expected, strict=True):
        assert abs(got["score"] - want["score"]) < 1e-12
        assert got["decision"] == want["decision"]


def test_one_row_scores_are_the_batch_scores(trained: Path) -> None:
    """The online path scores a row or a few with the compiled trees and forest, the
    backtest thousands with LightGBM and scikit-learn: the same numbers, bit for bit."""
    import numpy as np

    from coffer.risk.engine import RiskEngine
    from coffer.risk.events import Transaction, read_events

    engine = RiskEngine.load(trained / "model")
    vectors = []
    for event in read_events(trained / "events.jsonl")[:1500]:
        if isinstance(event, Transaction):
            vectors.append(engine.features(event))
        engine.observe(event)
    matrix = np.asarray(vectors, dtype=np.float64)
    assert len(matrix) > 300
    model = engine.model
    margin = model.booster.predict(matrix, raw_score=True, num_threads=1)
    anomaly = model.anomaly(matrix)
    for start in range(0, len(matrix), 3):
        rows = matrix[start : start + 1 + start % 5]
        assert np.array_equal(model.margin(rows), margin[start : start + len(rows)])
        assert np.array_equal(model.anomaly(rows), anomaly[start : start + len(rows)])
    batch = model.score(matrix)
    for index in range(0, len(matrix), 7):
        assert model.score(matrix[index : index + 1]) == [batch[index]]


def test_backtest_is_the_same_with_the_compiled_evaluators_everywhere(
    trained: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import coffer.risk.model as model

    runs = []
    for rows in (None, 10**9):
        if rows is not None:  # every batch through CompiledTrees and CompiledForest
            monkeypatch.setattr(model, "FAST_TREE_WORK", rows)
            monkeypatch.setattr(model, "FAST_FOREST_ROWS", rows)
        output = tmp_path / f"out-{rows}.jsonl"
        invoke(
            "backtest",
            "--input",
            str(trained / "events.jsonl"),
            "--output",
            str(output),
            "--model-dir",
            str(trained / "model"),
        )
        runs.append(output.read_bytes())
    assert runs[0] == runs[1] and runs[0].count(b"\n") > 500


def _online_scores(
    model: Path,
    events: list[Event],
    batch: int,
    blocked: Callable[[str], bool],
    deferred: bool = False,
) -> dict[str, tuple[float, list[str], list[float]]]:
    """Each transaction's (score, reasons, features) through the online engine, handed
    ``batch`` consecutive transactions at a time; ``blocked(id)`` ones are not observed.
    ``deferred``: the ones nothing may block are scored at the end of their batch."""
    online = OnlineEngine(str(model), Thresholds())
    out: dict[str, tuple[float, list[str], list[float]]] = {}
    pending: list[Transaction] = []

    def flush() -> None:
        def let_through(index: int, scored: Scored) -> bool:
            tx_id = pending[index].id
            out[tx_id] = (scored.score, scored.reasons, scored.features)
            return not blocked(tx_id)

        def may_block(index: int, vector: list[float]) -> bool:
            return blocked(pending[index].id)

        online.decide(pending, None, let_through, may_block if deferred else None)
        pending.clear()

    for event in events:
        if isinstance(event, Transaction):
            pending.append(event)
            if len(pending) == batch:
                flush()
        else:
            flush()
            online.observe(event)
    flush()
    return out


def test_batched_online_decisions_equal_single_ones_and_the_backtest(
    trained: Path, tmp_path: Path
) -> None:
    """The online check takes batches (runs of independent transactions scored at once):
    it must decide each transaction as if alone, in order, and as the backtest does."""
    model = trained / "model"
    events = read_events(trained / "events.jsonl")
    backtest = {
        line["id"]: (line["score"], line["reasons"])
        for line in read(backtest_of(trained, tmp_path / "d.jsonl"))
        if line.get("type") != "alert"
    }
    single = _online_scores(model, events, 1, lambda _: False)
    assert {k: (s, r) for k, (s, r, _) in single.items()} == backtest
    ceiling = RiskEngine.load(model).model.score_ceiling(
        np.asarray([features for _, _, features in single.values()], dtype=np.float64)
    )
    assert (ceiling >= np.asarray([score for score, _, _ in single.values()])).all()
    for batch in (50, 400):  # 400: many transactions of one customer in a batch
        assert _online_scores(model, events, batch, lambda _: False) == single
        assert _online_scores(model, events, batch, lambda _: False, deferred=True) == single
    # a transaction not let through (blocked) is never observed: the later ones of the
    # batch sharing its customer, device or IP country are scored without it
    every_fifth = lambda tx_id: zlib.crc32(tx_id.encode()) % 5 == 0  # noqa: E731
    alone = _online_scores(model, events, 1, every_fifth)
    assert alone != single
    for batch in (50, 400):
        assert _online_scores(model, events, batch, every_fifth) == alone
        assert _online_scores(model, events, batch, every_fifth, deferred=True) == alone
