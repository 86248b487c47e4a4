"""The Numscript specs format: ``NAME.num.specs.json`` test cases beside ``NAME.num``.

Same meaning as Formance's ``numscript test``: top-level ``balances``, ``variables``,
``metadata`` and ``featureFlags`` apply to every case and a case's own values are merged
over them; ``skip`` and ``focus`` select cases; each ``expect.*`` present is checked.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from coffer.errors import NumscriptError
from coffer.numscript.errors import MissingFunds, NegativeAmount
from coffer.numscript.interpreter import ExecutionResult, PostingOut, execute
from coffer.numscript.parser import parse
from coffer.numscript.values import colored_asset, split_asset, uncolored_asset

SPECS_SUFFIX = ".num.specs.json"

Status = Literal["passed", "failed", "skipped"]
_BalanceKey = tuple[str, str, str]  # (account, asset, color)


@dataclass(slots=True)
class Mismatch:
    expectation: str
    expected: Any
    actual: Any


@dataclass(slots=True)
class CaseResult:
    file: str
    it: str
    status: Status
    mismatches: list[Mismatch] = field(default_factory=list)
    error: str | None = None
    postings: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class SpecsReport:
    cases: list[CaseResult] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for case in self.cases if case.status == status)

    @property
    def passed(self) -> int:
        return self.count("passed")

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def skipped(self) -> int:
        return self.count("skipped")

    def summary(self) -> str:
        line = f"{self.passed} passed, {self.failed} failed"
        if self.skipped:
            line += f", {self.skipped} skipped"
        return line

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "cases": [
                {
                    "file": case.file,
                    "it": case.it,
                    "status": case.status,
                    "error": case.error,
                    "mismatches": [
                        {"expectation": m.expectation, "expected": m.expected, "actual": m.actual}
                        for m in case.mismatches
                    ],
                }
                for case in self.cases
            ],
        }


class MemoryStore:
    """An in-memory :class:`coffer.numscript.Store` (balances in the specs format)."""

    def __init__(
        self,
        balances: Iterable[Mapping[str, Any]] = (),
        metadata: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.balances: dict[tuple[str, str], int] = {}
        for row in balances:
            asset = colored_asset(str(row["asset"]), str(row.get("color") or ""))
            self.balances[(str(row["account"]), asset)] = _int(row.get("amount", 0))
        self.metadata = {account: dict(values) for account, values in (metadata or {}).items()}

    def balance(self, account: str, asset: str) -> int:
        return self.balances.get((account, asset), 0)

    def account_metadata(self, account: str, key: str) -> str | None:
        value = self.metadata.get(account, {}).get(key)
        return None if value is None else str(value)

    def scaled_balances(self, account: str, code: str) -> dict[str, int]:
        return {
            asset: amount
            for (owner, asset), amount in self.balances.items()
            if owner == account and split_asset(asset)[0] == code
        }


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"invalid amount {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return int(value)
    raise ValueError(f"invalid amount {value!r}")


def balance_rows(value: Any) -> list[dict[str, Any]]:
    """Balances as rows ``{account, asset, amount, color?}``.

    Both shapes of the specs format are read:

    - a list of rows ``[{"account": "alice", "asset": "USD/2", "amount": 100}, ...]``
      (``color`` optional);
    - an object by account then asset, ``{"alice": {"USD/2": 100}}``, where each amount may
      also be ``{"amount": 100, "color": "RED"}`` or a list of those (one per color).
    """
    if not value:
        return []
    if isinstance(value, Mapping):
        rows: list[dict[str, Any]] = []
        for account, assets in value.items():
            if not isinstance(assets, Mapping):
                raise ValueError(f"balances of {account!r} must be an object by asset")
            for asset, entry in assets.items():
                for color, amount in _colored_amounts(entry, f"balances[{account!r}][{asset!r}]"):
                    row: dict[str, Any] = {"account": account, "asset": asset, "amount": amount}
                    if color:
                        row["color"] = color
                    rows.append(row)
        return rows
    if isinstance(value, list):
        rows = []
        for row in value:
            if not isinstance(row, Mapping) or "account" not in row or "asset" not in row:
                raise ValueError(f"a balance row needs an account and an asset: {row!r}")
            rows.append({**row, "amount": _int(row.get("amount", 0))})
        return rows
    raise ValueError(f"balances must be a list of rows or an object by account: {value!r}")


def _colored_amounts(entry: Any, where: str) -> list[tuple[str, int]]:
    """(color, amount) of one account's balance in one asset: a number, an object
    ``{"amount", "color"?}``, or a list of such objects (each color once)."""
    items = entry if isinstance(entry, list) else [entry]
    out: dict[str, int] = {}
    for item in items:
        if isinstance(item, Mapping):
            unknown = set(item) - {"amount", "color"}
            if unknown or "amount" not in item:
                raise ValueError(f"{where}: expected {{amount, color?}}, got {dict(item)!r}")
            color, amount = str(item.get("color") or ""), _int(item["amount"])
        elif isinstance(entry, list):
            raise ValueError(f"{where}: expected {{amount, color?}}, got {item!r}")
        else:
            color, amount = "", _int(item)
        if color in out:
            raise ValueError(f"{where}: color {color!r} given twice")
        out[color] = amount
    return list(out.items())


def merge_balances(outer: Any, inner: Any) -> list[dict[str, Any]]:
    merged: dict[_BalanceKey, dict[str, Any]] = {}
    for row in [*balance_rows(outer), *balance_rows(inner)]:
        merged[(str(row["account"]), str(row["asset"]), str(row.get("color") or ""))] = row
    return list(merged.values())


def merge_metadata(outer: Any, inner: Any) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for source in (outer or {}, inner or {}):
        for account, values in source.items():
            merged.setdefault(account, {}).update(values)
    return merged


def posting_dict(posting: PostingOut) -> dict[str, Any]:
    out: dict[str, Any] = {
        "source": posting.source,
        "destination": posting.destination,
        "amount": posting.amount,
        "asset": uncolored_asset(posting.asset, posting.color),
    }
    if posting.color:
        out["color"] = posting.color
    return out


def _expected_posting(row: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "source": row.get("source"),
        "destination": row.get("destination"),
        "amount": _int(row.get("amount", 0)),
        "asset": row.get("asset"),
    }
    if row.get("color"):
        out["color"] = row["color"]
    return out


def end_balances(rows: list[dict[str, Any]], postings: list[PostingOut]) -> dict[_BalanceKey, int]:
    balances: dict[_BalanceKey, int] = {}
    for row in rows:
        key = (str(row["account"]), str(row["asset"]), str(row.get("color") or ""))
        balances[key] = _int(row.get("amount", 0))
    for posting in postings:
        asset = uncolored_asset(posting.asset, posting.color)
        source = (posting.source, asset, posting.color)
        destination = (posting.destination, asset, posting.color)
        balances[source] = balances.get(source, 0) - posting.amount
        balances[destination] = balances.get(destination, 0) + posting.amount
    return balances


def _balance_map(value: Any) -> dict[_BalanceKey, int]:
    return {
        (str(row["account"]), str(row["asset"]), str(row.get("color") or "")): _int(
            row.get("amount", 0)
        )
        for row in balance_rows(value)
    }


def _rows(balances: Mapping[_BalanceKey, int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for (account, asset, color), amount in sorted(balances.items()):
        row: dict[str, Any] = {"account": account, "asset": asset, "amount": amount}
        if color:
            row["color"] = color
        rows.append(row)
    return rows


def movements(postings: list[PostingOut]) -> dict[str, dict[str, dict[str, int]]]:
    out: dict[str, dict[str, dict[str, int]]] = {}
    for posting in postings:
        assets = out.setdefault(posting.source, {}).setdefault(posting.destination, {})
        asset = uncolored_asset(posting.asset, posting.color)
        assets[asset] = assets.get(asset, 0) + posting.amount
    return out


def _normalize_movements(value: Any) -> dict[str, dict[str, dict[str, int]]]:
    return {
        source: {
            destination: {asset: _int(amount) for asset, amount in assets.items()}
            for destination, assets in destinations.items()
        }
        for source, destinations in (value or {}).items()
    }


def load_json(path: Path) -> Any:
    """Read a JSON file keeping integers exact (JSON numbers become ints of any size)."""
    return json.loads(path.read_text("utf-8"))


def find_specs(paths: Iterable[str | Path]) -> list[Path]:
    """Every ``*.num.specs.json`` under ``paths`` (files or directories, recursive), sorted."""
    found: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.update(p for p in path.rglob("*" + SPECS_SUFFIX) if p.is_file())
        elif path.name.endswith(SPECS_SUFFIX):
            found.add(path)
        elif path.suffix == ".num" and Path(str(path) + ".specs.json").is_file():
            found.add(Path(str(path) + ".specs.json"))
        elif not path.exists():
            raise FileNotFoundError(f"no such file or directory: {path}")
    return sorted(found)


def script_path(specs_path: Path) -> Path:
    return specs_path.with_name(specs_path.name[: -len(".specs.json")])


def run_specs_file(specs_path: Path) -> list[CaseResult]:
    """Run every case of one specs file against its ``.num`` script."""
    name = str(specs_path)
    specs = load_json(specs_path)
    cases: list[dict[str, Any]] = list(specs.get("testCases") or [])
    try:
        program = parse(script_path(specs_path).read_text("utf-8"))
    except (NumscriptError, OSError) as error:
        return [
            CaseResult(name, str(case.get("it", "")), "failed", error=str(error)) for case in cases
        ] or [CaseResult(name, "(parse)", "failed", error=str(error))]
    focused = any(case.get("focus") for case in cases)
    results: list[CaseResult] = []
    for case in cases:
        it = str(case.get("it", ""))
        if case.get("skip") or (focused and not case.get("focus")):
            results.append(CaseResult(name, it, "skipped"))
            continue
        results.append(_run_case(name, program, specs, case))
    return results


def _run_case(
    name: str, program: Any, specs: Mapping[str, Any], case: Mapping[str, Any]
) -> CaseResult:
    it = str(case.get("it", ""))
    flags = frozenset([*(specs.get("featureFlags") or []), *(case.get("featureFlags") or [])])
    rows = merge_balances(specs.get("balances"), case.get("balances"))
    variables = {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in {
            **(specs.get("variables") or {}),
            **(case.get("variables") or {}),
        }.items()
    }
    metadata = merge_metadata(specs.get("metadata"), case.get("metadata"))
    store = MemoryStore(rows, metadata)
    mismatches: list[Mismatch] = []
    expect_missing = bool(case.get("expect.error.missingFunds"))
    expect_negative = bool(case.get("expect.error.negativeAmount"))
    result: ExecutionResult | None = None
    try:
        result = execute(program, variables, store, flags)
    except MissingFunds:
        if not expect_missing:
            mismatches.append(Mismatch("expect.error.missingFunds", False, True))
    except NegativeAmount:
        if not expect_negative:
            mismatches.append(Mismatch("expect.error.negativeAmount", False, True))
    except NumscriptError as error:
        return CaseResult(name, it, "failed", error=f"{type(error).__name__}: {error}")
    if result is not None:
        mismatches.extend(_check_result(case, rows, result, expect_missing, expect_negative))
    postings = [posting_dict(p) for p in result.postings] if result else []
    return CaseResult(name, it, "failed" if mismatches else "passed", mismatches, None, postings)


def _check_result(
    case: Mapping[str, Any],
    rows: list[dict[str, Any]],
    result: ExecutionResult,
    expect_missing: bool,
    expect_negative: bool,
) -> list[Mismatch]:
    out: list[Mismatch] = []
    if expect_missing:
        out.append(Mismatch("expect.error.missingFunds", True, False))
    if expect_negative:
        out.append(Mismatch("expect.error.negativeAmount", True, False))
    if "expect.postings" in case and case["expect.postings"] is not None:
        expected = [_expected_posting(row) for row in case["expect.postings"]]
        actual = [posting_dict(p) for p in result.postings]
        if expected != actual:
            out.append(Mismatch("expect.postings", expected, actual))
    if case.get("expect.txMetadata") is not None:
        expected_meta = {k: str(v) for k, v in case["expect.txMetadata"].items()}
        if expected_meta != result.tx_metadata:
            out.append(Mismatch("expect.txMetadata", expected_meta, result.tx_metadata))
    if case.get("expect.metadata") is not None:
        expected_accounts = {
            account: {k: str(v) for k, v in values.items()}
            for account, values in case["expect.metadata"].items()
        }
        if expected_accounts != result.account_metadata:
            out.append(Mismatch("expect.metadata", expected_accounts, result.account_metadata))
    final: dict[_BalanceKey, int] | None = None
    if case.get("expect.endBalances") is not None:
        final = end_balances(rows, result.postings)
        expected_balances = _balance_map(case["expect.endBalances"])
        if expected_balances != final:
            out.append(Mismatch("expect.endBalances", _rows(expected_balances), _rows(final)))
    if case.get("expect.endBalances.include") is not None:
        final = final if final is not None else end_balances(rows, result.postings)
        expected_balances = _balance_map(case["expect.endBalances.include"])
        if any(final.get(key) != amount for key, amount in expected_balances.items()):
            subset = {key: final[key] for key in expected_balances if key in final}
            out.append(
                Mismatch("expect.endBalances.include", _rows(expected_balances), _rows(subset))
            )
    if case.get("expect.movements") is not None:
        expected_movements = _normalize_movements(case["expect.movements"])
        actual_movements = movements(result.postings)
        if expected_movements != actual_movements:
            out.append(Mismatch("expect.movements", expected_movements, actual_movements))
    return out


def run_paths(paths: Iterable[str | Path]) -> SpecsReport:
    """Find every specs file under ``paths`` and run it."""
    report = SpecsReport()
    for specs_path in find_specs(paths):
        try:
            report.cases.extend(run_specs_file(specs_path))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            report.cases.append(
                CaseResult(
                    str(specs_path), "(load)", "failed", error=f"invalid specs file: {error}"
                )
            )
    return report
