"""Statement nodes (``send``, ``save``, function calls) and variable declarations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from coffer.numscript.destinations import Destination
from coffer.numscript.errors import NegativeAmount
from coffer.numscript.expressions import Expr, Node, expect_account, expect_asset, expect_monetary
from coffer.numscript.sources import Source

if TYPE_CHECKING:
    from coffer.numscript.interpreter import State


@dataclass(slots=True, eq=False)
class Statement(Node):
    kind: ClassVar[str] = "statement"

    def run(self, st: State) -> None:
        raise NotImplementedError


@dataclass(slots=True, eq=False)
class Send(Statement):
    kind: ClassVar[str] = "send"
    value: Expr | None  # the monetary sent, or None for a send-all
    all_asset: Expr | None  # the asset of a send-all
    source: Source
    destination: Destination

    def run(self, st: State) -> None:
        st.start_send()
        if self.value is not None:
            monetary = expect_monetary(st, self.value)
            st.asset = monetary.asset
            amount = monetary.amount
            if amount < 0:
                raise NegativeAmount(
                    f"cannot send a negative amount: [{monetary.asset} {amount}]",
                    line=self.value.line,
                    column=self.value.column,
                )
            self.source.send_exact(st, amount)
        else:
            assert self.all_asset is not None
            st.asset = expect_asset(st, self.all_asset)
            amount = self.source.send_all(st)
        self.destination.receive(st, amount)


@dataclass(slots=True, eq=False)
class Save(Statement):
    kind: ClassVar[str] = "save"
    value: Expr | None
    all_asset: Expr | None
    account: Expr

    def run(self, st: State) -> None:
        if self.value is not None:
            monetary = expect_monetary(st, self.value)
            asset, amount = monetary.asset, monetary.amount
            if amount < 0:
                raise NegativeAmount(
                    f"cannot save a negative amount: [{asset} {amount}]",
                    line=self.value.line,
                    column=self.value.column,
                )
        else:
            assert self.all_asset is not None
            asset, amount = expect_asset(st, self.all_asset), -1
        account = expect_account(st, self.account)
        balance = st.balance(account, asset)
        if amount < 0:  # save everything
            if balance > 0:
                st.set_balance(account, asset, 0)
        else:
            left = balance - amount
            st.set_balance(account, asset, left if left > 0 else 0)


@dataclass(slots=True, eq=False)
class CallStatement(Statement):
    kind: ClassVar[str] = "call"
    name: str
    args: list[Expr]

    def run(self, st: State) -> None:
        st.call_statement(self)


@dataclass(slots=True, eq=False)
class VarDecl(Node):
    type: str
    name: str
    origin: Expr | None
