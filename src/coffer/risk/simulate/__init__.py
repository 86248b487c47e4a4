"""``coffer risk simulate``: a labelled history and its continuation, with the truth.

Writes ``train.jsonl`` (labelled, no laundering labels), ``events.jsonl`` (the continuation in
time, unlabelled) and ``truth.jsonl`` (labels of the events' transactions with their fraud
typology, and the laundering patterns: id, typology, transactions, customers). Fraud
typologies in ``held_out`` only happen in the continuation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from coffer.risk.simulate.fraud import FRAUD_TYPOLOGIES, HELD_OUT_FRAUD
from coffer.risk.simulate.independent import Independent
from coffer.risk.simulate.independent_crime import (
    HELD_OUT_INDEPENDENT,
    INDEPENDENT_FRAUD,
    INDEPENDENT_LAUNDERING,
)
from coffer.risk.simulate.laundering import LAUNDERING_TYPOLOGIES
from coffer.risk.simulate.legit import DAY, populate, simulate_day
from coffer.risk.simulate.variants import VARIANTS, Variant
from coffer.risk.simulate.world import World

__all__ = ["VARIANTS", "SimulationSummary", "Variant", "simulate"]

START = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


@dataclass
class SimulationSummary:
    train_transactions: int
    events_transactions: int
    train_fraud: int
    events_fraud: int
    patterns: int


def simulate(
    output_dir: str | Path,
    *,
    seed: int = 7,
    customers: int = 1500,
    days: int = 120,
    train_fraction: float = 0.7,
    fraud_rate: float = 0.0015,
    patterns_per_typology: int | None = None,
    held_out: tuple[str, ...] | None = None,
    variant: str | Variant = "base",
) -> SimulationSummary:
    """Simulate and write the three files into ``output_dir`` (created); ``variant``: a
    world that differs from the defaults (:mod:`coffer.risk.simulate.variants`);
    ``held_out``: fraud typologies kept out of the training part (``None``: the world's
    defaults, ``HELD_OUT_FRAUD`` or ``HELD_OUT_INDEPENDENT``)."""
    chosen = VARIANTS[variant] if isinstance(variant, str) else variant
    world = World(seed, START, chosen)
    if chosen.generator == "independent":
        return _independent(
            world,
            output_dir,
            customers,
            days,
            train_fraction,
            fraud_rate,
            patterns_per_typology,
            HELD_OUT_INDEPENDENT if held_out is None else held_out,
        )
    if held_out is None:
        held_out = HELD_OUT_FRAUD
    populate(world, customers, days)
    split_at = START + days * train_fraction * DAY
    rng = world.rng
    per_typology = patterns_per_typology or max(3, customers * days // 20_000)
    schedule: dict[int, list[tuple[float, str]]] = {}
    for name in LAUNDERING_TYPOLOGIES:
        for _ in range(per_typology):
            moment = START + rng.uniform(2, days - 4) * DAY
            schedule.setdefault(int((moment - START) // DAY), []).append((moment, name))
    fraud_names = list(FRAUD_TYPOLOGIES)
    for day in range(days):
        incidents = int(customers * fraud_rate + rng.random())
        for _ in range(incidents):
            moment = START + (day + rng.uniform(0.05, 0.95)) * DAY
            allowed = [name for name in fraud_names if moment >= split_at or name not in held_out]
            schedule.setdefault(day, []).append((moment, rng.choice(allowed)))
    for day in range(days):
        simulate_day(world, day)
        for moment, name in sorted(schedule.get(day, [])):
            if name in LAUNDERING_TYPOLOGIES:
                LAUNDERING_TYPOLOGIES[name](world, moment)
            else:
                FRAUD_TYPOLOGIES[name](world, moment)
    return _write(world, Path(output_dir), split_at, held_out)


def _independent(
    world: World,
    output_dir: str | Path,
    customers: int,
    days: int,
    train_fraction: float,
    fraud_rate: float,
    patterns_per_typology: int | None,
    held_out: tuple[str, ...],
) -> SimulationSummary:
    """The separately written world (:mod:`coffer.risk.simulate.independent`)."""
    sim = Independent(world)
    sim.populate(customers, days)
    split_at = START + days * train_fraction * DAY
    rng = world.rng
    per_typology = patterns_per_typology or max(3, customers * days // 20_000)
    crimes: list[tuple[float, Callable[[Independent, float], None]]] = []
    for crime in INDEPENDENT_LAUNDERING.values():
        crimes += [(START + rng.uniform(3, days - 6) * DAY, crime) for _ in range(per_typology)]
    names = list(INDEPENDENT_FRAUD)
    for _ in range(int(customers * days * fraud_rate)):
        moment = START + rng.uniform(1, days - 0.5) * DAY
        allowed = [n for n in names if moment >= split_at or n not in held_out]
        crimes.append((moment, INDEPENDENT_FRAUD[rng.choice(allowed)]))
    crimes.sort(key=lambda item: item[0])
    for day in range(days):
        sim.day(day)
        for moment, crime in crimes:
            if int((moment - START) // DAY) == day:
                crime(sim, moment)
    return _write(world, Path(output_dir), split_at, held_out)


def _write(
    world: World, folder: Path, split_at: float, held_out: tuple[str, ...]
) -> SimulationSummary:
    folder.mkdir(parents=True, exist_ok=True)
    world.events.sort(key=lambda item: (item[0], item[1]))
    counts = {"train": 0, "events": 0, "train_fraud": 0, "events_fraud": 0}
    later: set[str] = set()
    with (
        open(folder / "train.jsonl", "w", encoding="utf-8") as train,
        open(folder / "events.jsonl", "w", encoding="utf-8") as events,
        open(folder / "truth.jsonl", "w", encoding="utf-8") as truth,
    ):
        truth.write(json.dumps({"type": "meta", "held_out_typologies": list(held_out)}) + "\n")
        scale = world.variant.amount_scale
        currency = world.variant.currency
        for moment, _, line in world.events:
            is_tx = line["type"] == "transaction"
            if is_tx and (scale != 1.0 or currency != "EUR"):
                line["amount"] = max(int(line["amount"] * scale), 1)
                line["currency"] = currency
            if moment < split_at:
                train.write(json.dumps(line) + "\n")
                if is_tx:
                    counts["train"] += 1
                    counts["train_fraud"] += line["label"] == "fraud"
                continue
            if is_tx:
                label, typology = world.truth[line["id"]]
                counts["events"] += 1
                counts["events_fraud"] += label == "fraud"
                later.add(line["id"])
                truth.write(
                    json.dumps(
                        {
                            "type": "transaction",
                            "id": line["id"],
                            "label": label,
                            "typology": typology,
                        }
                    )
                    + "\n"
                )
                line = {key: value for key, value in line.items() if key != "label"}
            events.write(json.dumps(line) + "\n")
        written = 0
        for pattern in world.patterns:
            ids = [tx for tx in pattern.transaction_ids if tx in later]
            if not ids:
                continue
            written += 1
            truth.write(
                json.dumps(
                    {
                        "type": "pattern",
                        "id": pattern.id,
                        "typology": pattern.typology,
                        "transaction_ids": ids,
                        "customer_ids": sorted(pattern.customer_ids),
                    }
                )
                + "\n"
            )
    return SimulationSummary(
        counts["train"], counts["events"], counts["train_fraud"], counts["events_fraud"], written
    )
