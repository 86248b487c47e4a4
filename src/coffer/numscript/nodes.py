"""The compiled form of a Numscript program: plain dataclasses that evaluate themselves.

The parser turns lark's parse tree into these nodes once (see :mod:`.parser`); running a
program only walks them, so execution never touches lark.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, ClassVar

from coffer.numscript.errors import (
    AssetMismatch,
    DivisionByZero,
    InvalidAccountName,
    InvalidAllotment,
    MissingFunds,
    NegativeAmount,
    TypeMismatch,
    UnboundedSendAll,
    UnboundVariable,
)
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

FLAG_OVERDRAFT_FUNCTION = "experimental-overdraft-function"
FLAG_GET_ASSET_FUNCTION = "experimental-get-asset-function"
FLAG_GET_AMOUNT_FUNCTION = "experimental-get-amount-function"
FLAG_ONEOF = "experimental-oneof"
FLAG_ACCOUNT_INTERPOLATION = "experimental-account-interpolation"
FLAG_MID_SCRIPT_FUNCTION_CALL = "experimental-mid-script-function-call"
FLAG_ASSET_COLORS = "experimental-asset-colors"
FLAG_ASSET_SCALING = "experimental-asset-scaling"

FEATURE_FLAGS = frozenset(
    {
        FLAG_OVERDRAFT_FUNCTION,
        FLAG_GET_ASSET_FUNCTION,
        FLAG_GET_AMOUNT_FUNCTION,
        FLAG_ONEOF,
        FLAG_ACCOUNT_INTERPOLATION,
        FLAG_MID_SCRIPT_FUNCTION_CALL,
        FLAG_ASSET_COLORS,
        FLAG_ASSET_SCALING,
    }
)


# --------------------------------------------------------------------------- expressions


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


def expect_account(st: State, expr: Expr) -> str:
    value = expr.eval(st)
    if isinstance(value, Account):
        return value
    raise type_error(expr, "account", value)


def expect_asset(st: State, expr: Expr) -> str:
    value = expr.eval(st)
    if isinstance(value, AssetName):
        return value
    raise type_error(expr, "asset", value)


def expect_number(st: State, expr: Expr) -> int:
    value = expr.eval(st)
    if type(value) is int:
        return value
    raise type_error(expr, "number", value)


def expect_string(st: State, expr: Expr) -> str:
    value = expr.eval(st)
    if isinstance(value, Text):
        return value
    raise type_error(expr, "string", value)


def expect_portion(st: State, expr: Expr) -> Fraction:
    value = expr.eval(st)
    if isinstance(value, Fraction):
        return value
    raise type_error(expr, "portion", value)


def expect_monetary(st: State, expr: Expr) -> Monetary:
    value = expr.eval(st)
    if isinstance(value, Monetary):
        return value
    raise type_error(expr, "monetary", value)


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


# --------------------------------------------------------------------------- allotments


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


# --------------------------------------------------------------------------- sources


@dataclass(slots=True, eq=False)
class Source(Node):
    label: str

    def send_up_to(self, st: State, amount: int) -> int:
        """Take at most ``amount`` from this source; return what was taken."""
        raise NotImplementedError

    def send_all(self, st: State) -> int:
        """Take everything this source can give; return what was taken."""
        raise NotImplementedError

    def send_exact(self, st: State, amount: int) -> None:
        sent = self.send_up_to(st, amount)
        if sent != amount:
            raise MissingFunds(self.describe(st), st.asset, sent, amount)

    def describe(self, st: State) -> str:
        return self.label


@dataclass(slots=True, eq=False)
class AccountSource(Source):
    account: Expr
    color: Expr | None
    unbounded: bool
    overdraft: Expr | None

    def _overdraft(self, st: State, account: str) -> int | None:
        if self.unbounded or account == "world":
            return None
        if self.overdraft is None:
            return 0
        limit = expect_amount_of_asset(st, self.overdraft)
        return limit if limit > 0 else 0

    def send_up_to(self, st: State, amount: int) -> int:
        account = expect_account(st, self.account)
        color = st.color(self.color)
        limit = self._overdraft(st, account)
        if limit is None:
            sent = amount
        else:
            available = st.balance(account, st.ledger_asset(color)) + limit
            sent = amount if available >= amount else (available if available > 0 else 0)
        st.push(account, color, sent)
        return sent

    def send_all(self, st: State) -> int:
        account = expect_account(st, self.account)
        color = st.color(self.color)
        limit = self._overdraft(st, account)
        if limit is None:
            raise UnboundedSendAll(
                f"cannot send all from @{account}: its overdraft is unbounded, "
                "so the amount would be infinite",
                line=self.line,
                column=self.column,
            )
        available = st.balance(account, st.ledger_asset(color)) + limit
        sent = available if available > 0 else 0
        st.push(account, color, sent)
        return sent

    def describe(self, st: State) -> str:
        try:
            return "@" + expect_account(st, self.account)
        except Exception:  # describing must never hide the original failure
            return self.label


@dataclass(slots=True, eq=False)
class ScalingSource(Source):
    account: Expr
    color: Expr | None
    through: Expr

    def send_up_to(self, st: State, amount: int) -> int:
        st.need(FLAG_ASSET_SCALING, self)
        account = expect_account(st, self.account)
        through = expect_account(st, self.through)
        st.convert_scales(account, through, amount, self)
        return AccountSource.send_up_to(self._plain(), st, amount)

    def send_all(self, st: State) -> int:
        st.need(FLAG_ASSET_SCALING, self)
        account = expect_account(st, self.account)
        through = expect_account(st, self.through)
        st.convert_scales(account, through, None, self)
        return AccountSource.send_all(self._plain(), st)

    def _plain(self) -> AccountSource:
        return AccountSource(
            self.line, self.column, self.label, self.account, self.color, False, None
        )


@dataclass(slots=True, eq=False)
class InOrderSource(Source):
    sources: list[Source]

    def send_up_to(self, st: State, amount: int) -> int:
        left = amount
        for source in self.sources:
            left -= source.send_up_to(st, left)
        return amount - left

    def send_all(self, st: State) -> int:
        total = 0
        for source in self.sources:
            total += source.send_all(st)
        return total


@dataclass(slots=True, eq=False)
class OneofSource(Source):
    sources: list[Source]

    def send_up_to(self, st: State, amount: int) -> int:
        st.need(FLAG_ONEOF, self)
        for source in self.sources[:-1]:
            snapshot = st.snapshot()
            if source.send_up_to(st, amount) == amount:
                return amount
            st.restore(snapshot)
        return self.sources[-1].send_up_to(st, amount)

    def send_all(self, st: State) -> int:
        st.need(FLAG_ONEOF, self)
        return self.sources[0].send_all(st)


@dataclass(slots=True, eq=False)
class CappedSource(Source):
    cap: Expr
    source: Source

    def send_up_to(self, st: State, amount: int) -> int:
        cap = expect_amount_of_asset(st, self.cap)
        capped = cap if cap < amount else amount
        return self.source.send_up_to(st, capped if capped > 0 else 0)

    def send_all(self, st: State) -> int:
        cap = expect_amount_of_asset(st, self.cap)
        return self.source.send_up_to(st, cap if cap > 0 else 0)


@dataclass(slots=True, eq=False)
class AllotmentSource(Source):
    allotment: Allotment
    sources: list[Source]

    def send_up_to(self, st: State, amount: int) -> int:
        parts = self.allotment.split(st, amount, self)
        for source, part in zip(self.sources, parts, strict=True):
            source.send_exact(st, part)
        return amount

    def send_all(self, st: State) -> int:
        raise UnboundedSendAll(
            "an allotment cannot be the source of a send-all ([ASSET *]): "
            "there is no total to split",
            line=self.line,
            column=self.column,
        )


# --------------------------------------------------------------------------- destinations


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


# --------------------------------------------------------------------------- statements


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
