"""Static checks of Numscript programs, run before (and independently of) execution.

:func:`check` reports syntax errors (with what was expected), type errors, unknown
functions, unbound variables (errors) and unused variables (warnings), allotments whose
literal portions exceed 100%, miss 100% or have two ``remaining``, send-alls that cannot
be bounded, and experimental features used without their flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal as TypingLiteral

from coffer.errors import CompilationFailed
from coffer.numscript.allotments import Allotment
from coffer.numscript.destinations import (
    AccountDestination,
    AllotmentDestination,
    Destination,
    InOrderDestination,
    Kept,
    OneofDestination,
)
from coffer.numscript.expressions import (
    AccountInterpolation,
    Expr,
    FnCall,
    Infix,
    Literal,
    MonetaryExpr,
    Negate,
    Node,
    VarRef,
)
from coffer.numscript.flags import (
    FEATURE_FLAGS,
    FLAG_ACCOUNT_INTERPOLATION,
    FLAG_ASSET_COLORS,
    FLAG_ASSET_SCALING,
    FLAG_GET_AMOUNT_FUNCTION,
    FLAG_GET_ASSET_FUNCTION,
    FLAG_MID_SCRIPT_FUNCTION_CALL,
    FLAG_ONEOF,
    FLAG_OVERDRAFT_FUNCTION,
)
from coffer.numscript.sources import (
    AccountSource,
    AllotmentSource,
    CappedSource,
    InOrderSource,
    OneofSource,
    ScalingSource,
    Source,
)
from coffer.numscript.statements import CallStatement, Save, Send, VarDecl
from coffer.numscript.values import Account, type_name

Severity = TypingLiteral["error", "warning"]

# name -> (argument types, result type); "any" accepts every type
_FUNCTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "balance": (("account", "asset"), "monetary"),
    "overdraft": (("account", "asset"), "monetary"),
    "get_asset": (("monetary",), "asset"),
    "get_amount": (("monetary",), "number"),
    "meta": (("account", "string"), "any"),
}
_FUNCTION_FLAGS = {
    "overdraft": FLAG_OVERDRAFT_FUNCTION,
    "get_asset": FLAG_GET_ASSET_FUNCTION,
    "get_amount": FLAG_GET_AMOUNT_FUNCTION,
}
_STATEMENTS: dict[str, tuple[str, ...]] = {
    "set_tx_meta": ("string", "any"),
    "set_account_meta": ("account", "string", "any"),
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding of :func:`check`; ``line`` and ``column`` start at 1."""

    severity: Severity
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.severity}: {self.message}"


def check(text: str, feature_flags: frozenset[str] | set[str] = frozenset()) -> list[Diagnostic]:
    """Statically check ``text``; returns the diagnostics sorted by position."""
    from coffer.numscript.parser import parse

    try:
        program = parse(text)
    except CompilationFailed as error:
        line = int(getattr(error, "line", 1) or 1)
        column = int(getattr(error, "column", 1) or 1)
        message = error.message.split(": ", 1)[1] if ": " in error.message else error.message
        return [Diagnostic("error", line, column, message)]
    checker = _Checker(frozenset(feature_flags) | program.feature_flags)
    for flag in sorted(program.feature_flags - FEATURE_FLAGS):
        checker.warn(1, 1, f"unknown feature flag {flag!r}")
    checker.run(program.vars, program.statements)
    return sorted(checker.diagnostics, key=lambda d: (d.line, d.column, d.severity))


class _Checker:
    def __init__(self, flags: frozenset[str]) -> None:
        self.flags = flags
        self.diagnostics: list[Diagnostic] = []
        self.types: dict[str, str] = {}
        self.used: set[str] = set()

    def error(self, node: Node, message: str) -> None:
        self.diagnostics.append(Diagnostic("error", node.line or 1, node.column or 1, message))

    def warn(self, line: int, column: int, message: str) -> None:
        self.diagnostics.append(Diagnostic("warning", line or 1, column or 1, message))

    def need(self, flag: str, node: Node, what: str) -> None:
        if flag not in self.flags:
            self.error(node, f"{what} is experimental: enable the feature flag {flag!r}")

    def run(self, decls: list[VarDecl], statements: Sequence[object]) -> None:
        for decl in decls:
            if decl.origin is not None:
                self.origin(decl)
            self.types[decl.name] = decl.type
        for statement in statements:
            if isinstance(statement, Send):
                self.send(statement)
            elif isinstance(statement, Save):
                if statement.value is not None:
                    self.expect(statement.value, "monetary")
                elif statement.all_asset is not None:
                    self.expect(statement.all_asset, "asset")
                self.expect(statement.account, "account")
            elif isinstance(statement, CallStatement):
                self.call_statement(statement)
        for decl in decls:
            if decl.name not in self.used:
                self.warn(decl.line, decl.column, f"the variable ${decl.name} is never used")

    # ---------------------------------------------------------------- variables

    def origin(self, decl: VarDecl) -> None:
        origin = decl.origin
        assert origin is not None
        if isinstance(origin, FnCall):
            result = self.call(origin, top=True)
            if origin.name == "meta" or result is None:
                return
            if result != decl.type:
                self.error(
                    origin,
                    f"{origin.name}() gives a {result}, but ${decl.name} is a {decl.type}",
                )
            return
        self.expect(origin, decl.type)

    # ---------------------------------------------------------------- expressions

    def expect(self, expr: Expr, expected: str) -> None:
        actual = self.infer(expr)
        if actual is not None and expected != "any" and actual != expected:
            self.error(expr, f"expected {_a(expected)} here, got {_a(actual)}")

    def infer(self, expr: Expr) -> str | None:
        """The type of ``expr``, or None when unknown (an error was already reported)."""
        if isinstance(expr, Literal):
            return type_name(expr.value)
        if isinstance(expr, VarRef):
            self.used.add(expr.name)
            type_ = self.types.get(expr.name)
            if type_ is None:
                self.error(expr, f"the variable ${expr.name} is not declared")
            return type_
        if isinstance(expr, MonetaryExpr):
            self.expect(expr.asset, "asset")
            self.expect(expr.amount, "number")
            return "monetary"
        if isinstance(expr, Negate):
            inner = self.infer(expr.inner)
            if inner is not None and inner not in ("number", "monetary", "portion"):
                self.error(expr, f"cannot negate a {inner}")
                return None
            return inner
        if isinstance(expr, Infix):
            return self.infix(expr)
        if isinstance(expr, FnCall):
            if not expr.origin:
                self.need(
                    FLAG_MID_SCRIPT_FUNCTION_CALL, expr, "calling a function in an expression"
                )
            return self.call(expr)
        if isinstance(expr, AccountInterpolation):
            self.need(FLAG_ACCOUNT_INTERPOLATION, expr, "account interpolation")
            for part in expr.parts:
                if isinstance(part, Expr):
                    type_ = self.infer(part)
                    if type_ is not None and type_ not in ("account", "string", "number"):
                        self.error(part, f"cannot interpolate a {type_} in an account")
            return "account"
        return None

    def infix(self, expr: Infix) -> str | None:
        left = self.infer(expr.left)
        right = self.infer(expr.right)
        if left is None or right is None:
            return None
        if expr.op == "/":
            if left != "number" or right != "number":
                self.error(expr, f"'/' divides numbers, got {left} / {right}")
                return None
            if isinstance(expr.right, Literal) and expr.right.value == 0:
                self.error(expr, "division by zero")
            return "portion"
        if left not in ("number", "monetary", "portion"):
            self.error(expr, f"cannot use '{expr.op}' on a {left}")
            return None
        if left != right:
            self.error(expr, f"cannot use '{expr.op}' between a {left} and a {right}")
            return None
        if left == "monetary":
            left_asset = _literal_asset(expr.left)
            right_asset = _literal_asset(expr.right)
            if left_asset and right_asset and left_asset != right_asset:
                self.error(expr, f"cannot mix {left_asset} and {right_asset}")
        return left

    def call(self, call: FnCall, *, top: bool = False) -> str | None:
        signature = _FUNCTIONS.get(call.name)
        if signature is None:
            known = ", ".join(sorted(_FUNCTIONS))
            self.error(call, f"unknown function {call.name}(): expected one of {known}")
            for arg in call.args:
                self.infer(arg)
            return None
        if call.name in _FUNCTION_FLAGS:
            self.need(_FUNCTION_FLAGS[call.name], call, f"{call.name}()")
        if call.name == "meta" and not top:
            self.error(call, "meta() can only be the origin of a variable")
        self.arguments(call, call.name, call.args, signature[0])
        result = signature[1]
        return None if result == "any" else result

    def arguments(self, node: Node, name: str, args: list[Expr], types: tuple[str, ...]) -> None:
        if len(args) != len(types):
            self.error(node, f"{name}() takes {len(types)} arguments, got {len(args)}")
        for arg, expected in zip(args, types, strict=False):
            self.expect(arg, expected)
        for arg in args[len(types) :]:
            self.infer(arg)

    def call_statement(self, statement: CallStatement) -> None:
        types = _STATEMENTS.get(statement.name)
        if types is None:
            self.error(
                statement,
                f"unknown statement {statement.name}(): expected set_tx_meta or set_account_meta",
            )
            for arg in statement.args:
                self.infer(arg)
            return
        self.arguments(statement, statement.name, statement.args, types)

    # ---------------------------------------------------------------- send

    def send(self, send: Send) -> None:
        if send.value is not None:
            self.expect(send.value, "monetary")
            if isinstance(send.value, Literal) and getattr(send.value.value, "amount", 0) < 0:
                self.error(send.value, "cannot send a negative amount")
            self.source(send.source, send_all=False)
        else:
            assert send.all_asset is not None
            self.expect(send.all_asset, "asset")
            self.source(send.source, send_all=True)
        self.destination(send.destination)

    def source(self, source: Source, *, send_all: bool) -> None:
        if isinstance(source, AccountSource):
            self.expect(source.account, "account")
            if source.color is not None:
                self.need(FLAG_ASSET_COLORS, source.color, "asset colors")
                self.expect(source.color, "string")
            if source.overdraft is not None:
                self.expect(source.overdraft, "monetary")
            if send_all and (source.unbounded or _is_world(source.account)):
                self.error(
                    source,
                    "cannot send all ([ASSET *]) from a source with unbounded overdraft",
                )
        elif isinstance(source, ScalingSource):
            self.need(FLAG_ASSET_SCALING, source, "asset scaling")
            self.expect(source.account, "account")
            self.expect(source.through, "account")
            if source.color is not None:
                self.need(FLAG_ASSET_COLORS, source.color, "asset colors")
                self.expect(source.color, "string")
        elif isinstance(source, InOrderSource):
            for item in source.sources:
                self.source(item, send_all=send_all)
        elif isinstance(source, OneofSource):
            self.need(FLAG_ONEOF, source, "oneof")
            for item in source.sources:
                self.source(item, send_all=send_all)
        elif isinstance(source, CappedSource):
            self.expect(source.cap, "monetary")
            self.source(source.source, send_all=False)
        elif isinstance(source, AllotmentSource):
            if send_all:
                self.error(source, "an allotment cannot be the source of a send-all ([ASSET *])")
            self.allotment(source, source.allotment)
            for item in source.sources:
                self.source(item, send_all=False)

    def destination(self, destination: Destination) -> None:
        if isinstance(destination, AccountDestination):
            self.expect(destination.account, "account")
        elif isinstance(destination, Kept):
            return
        elif isinstance(destination, AllotmentDestination):
            self.allotment(destination, destination.allotment)
            for target in destination.targets:
                self.destination(target)
        elif isinstance(destination, InOrderDestination | OneofDestination):
            if isinstance(destination, OneofDestination):
                self.need(FLAG_ONEOF, destination, "oneof")
            for cap, target in destination.caps:
                self.expect(cap, "monetary")
                self.destination(target)
            self.destination(destination.remaining)

    def allotment(self, node: Node, allotment: Allotment) -> None:
        remaining = 0
        literal_total = Fraction(0)
        dynamic = False
        for portion in allotment.portions:
            if portion is None:
                remaining += 1
                if remaining == 2:
                    self.error(node, "an allotment can have only one 'remaining'")
                continue
            self.expect(portion, "portion")
            if isinstance(portion, Literal) and isinstance(portion.value, Fraction):
                if portion.value < 0 or portion.value > 1:
                    self.error(portion, "a portion must be between 0% and 100%")
                literal_total += portion.value
            else:
                dynamic = True
        shown = f"{literal_total.numerator}/{literal_total.denominator}"
        if literal_total > 1:
            self.error(node, f"the portions of this allotment exceed 100% ({shown})")
        elif remaining == 0 and not dynamic and literal_total < 1:
            self.error(
                node,
                f"the portions of this allotment add up to {shown}, not 100%: "
                "add a 'remaining' clause",
            )
        elif remaining and not dynamic and literal_total == 1:
            self.warn(node.line, node.column, "'remaining' always gets 0 in this allotment")


def _is_world(expr: Expr) -> bool:
    return isinstance(expr, Literal) and isinstance(expr.value, Account) and expr.value == "world"


def _literal_asset(expr: Expr) -> str | None:
    if isinstance(expr, MonetaryExpr) and isinstance(expr.asset, Literal):
        return str(expr.asset.value)
    if isinstance(expr, Literal) and hasattr(expr.value, "asset"):
        return str(getattr(expr.value, "asset", ""))
    return None


def _a(type_: str) -> str:
    return f"an {type_}" if type_[0] in "aeiou" else f"a {type_}"
