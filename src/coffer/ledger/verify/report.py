"""What ``verify`` reports: per ledger, what was checked and the problems found."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_PROBLEMS = 100


class Problems:
    """The problems a check found (at most :data:`MAX_PROBLEMS` kept), for a dataclass
    with a ``problems`` list field."""

    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)


@dataclass
class LedgerCheck(Problems):
    name: str
    entries: int = 0
    transactions: int = 0
    holds: int = 0
    checkpoints: int = 0
    balances: int = 0
    witnessed: int | None = None  # the largest checkpoint a witness holds (None: no witness)
    problems: list[str] = field(default_factory=list)


@dataclass
class VerifyReport:
    ledgers: list[LedgerCheck]
    elapsed_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.ledgers)

    @property
    def entries(self) -> int:
        return sum(check.entries for check in self.ledgers)

    @property
    def first_problem(self) -> str | None:
        for check in self.ledgers:
            if check.problems:
                return f"ledger {check.name!r}: {check.problems[0]}"
        return None

    def __str__(self) -> str:
        lines = []
        for check in self.ledgers:
            state = "ok" if check.ok else f"{len(check.problems)} problem(s)"
            lines.append(
                f"ledger {check.name}: {check.entries} journal entries, {check.transactions} "
                f"transactions, {check.holds} holds, {check.checkpoints} checkpoints, "
                f"{check.balances} balances"
                + ("" if check.witnessed is None else f", witnessed up to {check.witnessed}")
                + f": {state}"
            )
            lines.extend(f"  - {problem}" for problem in check.problems)
        lines.append("intact" if self.ok else f"TAMPERED: {self.first_problem}")
        return "\n".join(lines)
