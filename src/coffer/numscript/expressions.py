"""Expression nodes of a compiled program and the typed accessors statements use.

The parser turns lark's parse tree into these nodes once (see :mod:`.parser`); running a
program only walks them, so execution never touches lark.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from coffer.numscript.errors import (
    AssetMismatch,
    DivisionByZero,
    InvalidAccountName,
    TypeMismatch,
    UnboundVariable,
)
from coffer.numscript.flags import FLAG_ACCOUNT_INTERPOLATION
from coffer.numscript.values import (
    ACCOUNT_RE,
    Account,
    AssetName,
    Monetary,
    Text,
    Value,
    type_name,
)

if TYPE_CHECKING:
    from coffer.numscript.interpreter import State

_Value = TypeVar("_Value")


@dataclass(slots=True, eq=False)
class Node:
    line: int
    column: int


@dataclass(slots=True, eq=False)
class Expr(Node):
    def eval(self, st: State) -> Value:
        raise NotImplementedError


@dataclass(slots=True, eq=False)
class Literal(Expr):
    value: Value

    def eval(self, st: State) -> Value:
        return self.value


@dataclass(slots=True, eq=False)
class VarRef(Expr):
    name: str

    def eval(self, st: State) -> Value:
        try:
            return st.vars[self.name]
        except KeyError:
            raise UnboundVariable(
                f"the variable ${self.name} is not declared in the vars block",
                line=self.line,
                column=self.column,
            ) from None


@dataclass(slots=True, eq=False)
class MonetaryExpr(Expr):
    asset: Expr
    amount: Expr

    def eval(self, st: State) -> Value:
        return Monetary(expect_asset(st, self.asset), expect_number(st, self.amount))


@dataclass(slots=True, eq=False)
class Infix(Expr):
    op: str
    left: Expr
    right: Expr

    def eval(self, st: State) -> Value:
        return apply_infix(self, self.left.eval(st), self.right.eval(st))


@dataclass(slots=True, eq=False)
class Negate(Expr):
    inner: Expr

    def eval(self, st: State) -> Value:
        value = self.inner.eval(st)
        if type(value) is int:
            return -value
        if isinstance(value, Monetary):
            return Monetary(value.asset, -value.amount)
        if isinstance(value, Fraction):
            return -value
        raise type_error(self, "number or monetary", value)


@dataclass(slots=True, eq=False)
class FnCall(Expr):
    name: str
    args: list[Expr]
    origin: bool  # the whole origin of a variable (the only place a call needs no flag)

    def eval(self, st: State) -> Value:
        return st.call(self, None)


@dataclass(slots=True, eq=False)
class AccountInterpolation(Expr):
    parts: list[str | Expr]

    def eval(self, st: State) -> Value:
        st.need(FLAG_ACCOUNT_INTERPOLATION, self)
        texts: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                texts.append(part)
                continue
            value = part.eval(st)
            if isinstance(value, Account | Text) or type(value) is int:
                texts.append(str(value))
            else:
                raise type_error(part, "account, string or number", value)
        name = ":".join(texts)
        if not ACCOUNT_RE.match(name):
            raise InvalidAccountName(
                f"the interpolated account {name!r} is not a valid account address",
                line=self.line,
                column=self.column,
            )
        return Account(name)


def apply_infix(node: Infix, left: Value, right: Value) -> Value:
    op = node.op
    if op == "/":
        if type(left) is int and type(right) is int:
            if right == 0:
                raise DivisionByZero(
                    f"division of {left} by zero", line=node.line, column=node.column
                )
            return Fraction(left, right)
        bad = left if type(left) is not int else right
        raise type_error(node, "number", bad)
    if type(left) is int:
        if type(right) is not int:
            raise type_error(node.right, "number", right)
        return left + right if op == "+" else left - right
    if isinstance(left, Monetary):
        if not isinstance(right, Monetary):
            raise type_error(node.right, "monetary", right)
        if left.asset != right.asset:
            raise AssetMismatch(
                f"cannot {'add' if op == '+' else 'subtract'} {right.asset} "
                f"{'to' if op == '+' else 'from'} {left.asset}",
                line=node.line,
                column=node.column,
            )
        amount = left.amount + right.amount if op == "+" else left.amount - right.amount
        return Monetary(left.asset, amount)
    if isinstance(left, Fraction):
        if not isinstance(right, Fraction):
            raise type_error(node.right, "portion", right)
        return left + right if op == "+" else left - right
    raise type_error(node.left, "number, monetary or portion", left)


def type_error(node: Node, expected: str, got: Value) -> TypeMismatch:
    return TypeMismatch(
        f"expected a value of type {expected}, got {type_name(got)} {got!s}",
        line=node.line,
        column=node.column,
    )


def _expect(st: State, expr: Expr, kind: type[_Value], name: str) -> _Value:
    """``expr``'s value, which must be of type ``kind`` (an int: not a bool), else a type
    error naming the expected type ``name``."""
    value = expr.eval(st)
    if isinstance(value, kind) and (kind is not int or type(value) is int):
        return value
    raise type_error(expr, name, value)


# ``expect_account(st, expr)`` and the like: ``expr``'s value, of that type
expect_account: Callable[[State, Expr], str] = partial(_expect, kind=Account, name="account")
expect_asset: Callable[[State, Expr], str] = partial(_expect, kind=AssetName, name="asset")
expect_number: Callable[[State, Expr], int] = partial(_expect, kind=int, name="number")
expect_string: Callable[[State, Expr], str] = partial(_expect, kind=Text, name="string")
expect_portion: Callable[[State, Expr], Fraction] = partial(_expect, kind=Fraction, name="portion")
expect_monetary: Callable[[State, Expr], Monetary] = partial(
    _expect, kind=Monetary, name="monetary"
)


def expect_amount_of_asset(st: State, expr: Expr) -> int:
    """A monetary of the asset being sent; returns its amount."""
    value = expr.eval(st)
    if not isinstance(value, Monetary):
        raise type_error(expr, "monetary", value)
    if value.asset != st.asset:
        raise AssetMismatch(
            f"expected a monetary in {st.asset}, got {value.asset} {value.amount}",
            line=expr.line,
            column=expr.column,
        )
    return value.amount
