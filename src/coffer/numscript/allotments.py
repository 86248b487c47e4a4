"""Allotments: splitting an amount by portions (``1/3``, ``25%``, ``remaining``)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from coffer.numscript.errors import InvalidAllotment
from coffer.numscript.expressions import Expr, Node, expect_portion

if TYPE_CHECKING:
    from coffer.numscript.interpreter import State


@dataclass(slots=True, eq=False)
class Allotment:
    """The portions of an allotment; ``None`` marks ``remaining``."""

    portions: list[Expr | None]
    constant: list[Fraction] | None  # precomputed when every portion is a literal

    def split(self, st: State, amount: int, node: Node) -> list[int]:
        portions = self.constant
        if portions is None:
            portions = self.resolve(st, node)
        return allot(amount, portions)

    def resolve(self, st: State, node: Node) -> list[Fraction]:
        values: list[Fraction] = []
        remaining_index = -1
        total = Fraction(0)
        for index, expr in enumerate(self.portions):
            if expr is None:
                if remaining_index != -1:
                    raise InvalidAllotment(
                        "an allotment can have only one 'remaining'",
                        line=node.line,
                        column=node.column,
                    )
                remaining_index = index
                values.append(Fraction(0))
            else:
                portion = expect_portion(st, expr)
                values.append(portion)
                total += portion
        if remaining_index != -1:
            values[remaining_index] = 1 - total
        elif total != 1:
            raise InvalidAllotment(
                f"the portions of an allotment must add up to 100%, they add up to "
                f"{total.numerator}/{total.denominator}",
                line=node.line,
                column=node.column,
            )
        return values


def allot(amount: int, portions: list[Fraction]) -> list[int]:
    """Split ``amount``: floor each share, then hand out the leftover units one by one.

    Shares of negative portions are 0 and no share takes more than what is left, so the
    shares are never negative and always add up to ``amount``.
    """
    parts: list[int] = []
    allocated = 0
    for portion in portions:
        share = amount * portion.numerator // portion.denominator
        if share < 0:
            share = 0
        elif share > amount - allocated:
            share = amount - allocated
        parts.append(share)
        allocated += share
    count = len(parts)
    index = 0
    while allocated < amount and count:
        parts[index % count] += 1
        allocated += 1
        index += 1
    return parts
