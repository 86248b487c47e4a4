"""``coffer risk simulate --variant``: worlds that differ from the defaults, on purpose."""

from __future__ import annotations

import json
from pathlib import Path

from coffer.risk.simulate import VARIANTS, simulate


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _world(folder: Path, variant: str) -> tuple[list[dict[str, object]], dict[str, str]]:
    simulate(folder, seed=11, customers=150, days=20, fraud_rate=0.03, variant=variant)
    events = _lines(folder / "events.jsonl")
    typology = {
        str(line["id"]): str(line["typology"])
        for line in _lines(folder / "truth.jsonl")
        if line["type"] == "transaction" and line["typology"]
    }
    return events, typology


def test_the_base_variant_is_the_default(tmp_path: Path) -> None:
    simulate(tmp_path / "a", seed=3, customers=60, days=12)
    simulate(tmp_path / "b", seed=3, customers=60, days=12, variant="base")
    for name in ("train.jsonl", "events.jsonl", "truth.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_merchants_spread_card_testing_over_several_merchants(tmp_path: Path) -> None:
    events, typology = _world(tmp_path, "merchants")
    everyone = _lines(tmp_path / "train.jsonl") + events
    legal = {
        line["id"] for line in everyone if line["type"] == "customer" and line["kind"] == "legal"
    }
    probes = [
        line
        for line in events
        if line["type"] == "transaction" and typology.get(str(line["id"])) == "card_testing"
    ]
    assert probes and all(line["device_id"] is None for line in probes)
    assert all(line["customer_id"] in legal for line in probes)
    assert len({line["customer_id"] for line in probes}) > 1


def test_shifted_world_has_another_currency_and_scale(tmp_path: Path) -> None:
    events, _ = _world(tmp_path, "shifted")
    amounts = [line for line in events if line["type"] == "transaction"]
    assert amounts and {line["currency"] for line in amounts} == {"GBP"}
    assert VARIANTS["shifted"].amount_scale != 1.0


def test_independent_world_is_its_own_simulator(tmp_path: Path) -> None:
    events, typology = _world(tmp_path, "independent")
    transactions = [line for line in events if line["type"] == "transaction"]
    assert transactions and {line["currency"] for line in transactions} == {"USD"}
    assert {"app_instalments", "card_testing"} <= set(typology.values())
    outside_cards = [
        line
        for line in transactions
        if line["kind"] == "payin_card" and str(line["card_fingerprint"]).startswith("xcard")
    ]
    assert outside_cards and all(line["device_id"] is None for line in outside_cards)
    truth = _lines(tmp_path / "truth.jsonl")
    assert truth[0]["held_out_typologies"] == ["app_instalments", "card_testing"]
    assert any(line["type"] == "pattern" for line in truth)
    train = (tmp_path / "train.jsonl").read_text()
    assert "app_instalments" not in train and '"label": "fraud"' in train


def test_an_unknown_variant_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from coffer.cli.main import app

    folder = tmp_path / "out"
    args = ["risk", "simulate", "--output-dir", str(folder), "--variant", "nope"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "unknown variant 'nope'; one of base" in result.output
    assert not folder.exists()
