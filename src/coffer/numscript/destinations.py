"""Destination nodes: where a ``send`` puts the funds it took."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from coffer.numscript.allotments import Allotment
from coffer.numscript.expressions import Expr, Node, expect_account, expect_amount_of_asset
from coffer.numscript.flags import FLAG_ONEOF

if TYPE_CHECKING:
    from coffer.numscript.interpreter import State


@dataclass(slots=True, eq=False)
class Destination(Node):
    def receive(self, st: State, amount: int) -> None:
        raise NotImplementedError


@dataclass(slots=True, eq=False)
class AccountDestination(Destination):
    account: Expr

    def receive(self, st: State, amount: int) -> None:
        st.pull(expect_account(st, self.account), amount)


@dataclass(slots=True, eq=False)
class Kept(Destination):
    def receive(self, st: State, amount: int) -> None:
        st.pull(None, amount)


@dataclass(slots=True, eq=False)
class AllotmentDestination(Destination):
    allotment: Allotment
    targets: list[Destination]

    def receive(self, st: State, amount: int) -> None:
        parts = self.allotment.split(st, amount, self)
        for target, part in zip(self.targets, parts, strict=True):
            if part:
                target.receive(st, part)


@dataclass(slots=True, eq=False)
class InOrderDestination(Destination):
    caps: list[tuple[Expr, Destination]]
    remaining: Destination

    def receive(self, st: State, amount: int) -> None:
        left = amount
        for cap_expr, target in self.caps:
            if left <= 0:
                return
            cap = expect_amount_of_asset(st, cap_expr)
            take = cap if cap < left else left
            if take > 0:
                target.receive(st, take)
                left -= take
        if left > 0:
            self.remaining.receive(st, left)


@dataclass(slots=True, eq=False)
class OneofDestination(Destination):
    caps: list[tuple[Expr, Destination]]
    remaining: Destination

    def receive(self, st: State, amount: int) -> None:
        st.need(FLAG_ONEOF, self)
        for cap_expr, target in self.caps:
            if expect_amount_of_asset(st, cap_expr) >= amount:
                if amount:
                    target.receive(st, amount)
                return
        if amount:
            self.remaining.receive(st, amount)
