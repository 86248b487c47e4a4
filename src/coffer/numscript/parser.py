"""Parsing Numscript text into a compiled :class:`Program` (cached by text)."""

from __future__ import annotations

import threading
from fractions import Fraction
from importlib import resources
from typing import Final

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from coffer.numscript.allotments import Allotment
from coffer.numscript.destinations import (
    AccountDestination,
    AllotmentDestination,
    Destination,
    InOrderDestination,
    Kept,
    OneofDestination,
)
from coffer.numscript.errors import NumscriptCompileError, NumscriptSyntaxError
from coffer.numscript.expressions import (
    AccountInterpolation,
    Expr,
    FnCall,
    Infix,
    Literal,
    MonetaryExpr,
    Negate,
    VarRef,
    apply_infix,
)
from coffer.numscript.interpreter import Program
from coffer.numscript.limits import (
    DEFAULT_LIMITS,
    Limits,
    Measure,
    check_allotment,
    check_measure,
    check_shape,
    check_source_size,
    measure_tree,
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
from coffer.numscript.statements import CallStatement, Save, Send, Statement, VarDecl
from coffer.numscript.values import TYPES, Account, AssetName, Monetary, Text, parse_percent

PARSE_CACHE_SIZE: Final = 1024

_KEYWORDS: Final = frozenset(
    {
        "VARS", "SEND", "SAVE", "SOURCE", "DESTINATION", "FROM", "TO", "MAX", "ALLOWING",
        "UNBOUNDED", "OVERDRAFT", "UP", "ONEOF", "WITH", "SCALING", "THROUGH", "HASH_BANG",
    }
)  # fmt: skip

_TERMINAL_NAMES: Final = {
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "EQUAL": "'='",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "SLASH": "'/'",
    "STAR": "'*'",
    "BACKSLASH": "'\\'",
    "NUMBER": "a number",
    "PERCENT": "a percentage",
    "STRING": "a string",
    "ACCOUNT": "an account (@name)",
    "ASSET": "an asset (e.g. USD/2)",
    "VARIABLE": "a variable ($name)",
    "IDENT": "a name",
    "HASH_BANG": "'#!'",
    "REMAINING": "'remaining'",
    "KEPT": "'kept'",
    "$END": "end of input",
}


_lark_instance: Lark | None = None
# Building the parser takes a few hundred milliseconds: one thread builds it, others wait.
_lark_lock = threading.Lock()


def _lark() -> Lark:
    global _lark_instance
    if _lark_instance is None:
        with _lark_lock:
            if _lark_instance is None:
                grammar = (
                    resources.files("coffer.numscript").joinpath("grammar.lark").read_text("utf-8")
                )
                _lark_instance = Lark(
                    grammar, parser="lalr", propagate_positions=True, maybe_placeholders=False
                )
    return _lark_instance


def _describe(terminal: str) -> str:
    if terminal in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[terminal]
    if terminal in _KEYWORDS:
        return f"'{terminal.lower()}'"
    return terminal.lower()


_EXPRESSION_STARTS: Final = frozenset(
    {"NUMBER", "PERCENT", "STRING", "ACCOUNT", "ASSET", "VARIABLE", "IDENT", "OVERDRAFT",
     "LPAR", "LSQB", "MINUS"}
)  # fmt: skip


def _expected(names: set[str]) -> list[str]:
    names = {name for name in names if not name.startswith("__IGNORE")}
    described: set[str] = set()
    if {"NUMBER", "STRING", "ACCOUNT", "VARIABLE"} <= names:
        described.add("an expression")
        names -= _EXPRESSION_STARTS
    described.update(_describe(name) for name in names)
    return sorted(described)


def _accepted_at(text: str, position: int) -> set[str]:
    """The terminals the parser accepts after ``text[:position]`` (empty if unknown)."""
    try:
        interactive = _lark().parse_interactive(text[:position])
        interactive.exhaust_lexer()
        accepted: set[str] = interactive.accepts()  # type: ignore[no-untyped-call]
        return accepted
    except Exception:  # best effort: only used to improve an error message
        return set()


def _end_position(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


def _syntax_error(text: str, error: UnexpectedInput) -> NumscriptSyntaxError:
    expected: list[str] = []
    line = getattr(error, "line", -1)
    column = getattr(error, "column", -1)
    if isinstance(error, UnexpectedToken):
        expected = _expected(set(error.expected))
        token = error.token
        if token.type == "$END":
            found = "end of input"
            line, column = _end_position(text)
        else:
            found = repr(str(token))
    elif isinstance(error, UnexpectedCharacters):
        position: int = error.pos_in_stream or 0
        expected = _expected(_accepted_at(text, position) or set(error.allowed or ()))
        found = repr(text[position]) if 0 <= position < len(text) else "?"
    else:
        if isinstance(error, UnexpectedEOF):
            expected = _expected(set(error.expected))
        found = "end of input"
        line, column = _end_position(text)
    if line is None or line < 1:
        line, column = _end_position(text)
    message = f"unexpected {found}"
    if expected:
        message += ", expected " + _join(expected)
    return NumscriptSyntaxError(message, line=line, column=column, expected=expected)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


_programs: dict[str, Program] = {}
_parse_lock = threading.Lock()


def parse(text: str, limits: Limits = DEFAULT_LIMITS) -> Program:
    """Parse and compile ``text``; the result is cached by text.

    Raises :class:`NumscriptSyntaxError` (``.line``, ``.column``, ``.expected``) when the text
    does not follow the grammar, :class:`NumscriptCompileError` when it is malformed and
    :class:`NumscriptLimitExceeded` when it is larger, deeper or wider than ``limits``.
    Concurrent first calls with the same text parse it once.
    """
    program = _programs.get(text)
    if program is None:
        check_source_size(text, limits)
        with _parse_lock:
            program = _programs.get(text)
            if program is None:
                program = _parse_uncached(text, limits)
                if len(_programs) >= PARSE_CACHE_SIZE:
                    _programs.pop(next(iter(_programs)))  # the oldest
                _programs[text] = program
    if program.measure is not None:  # cached under other limits, maybe
        check_measure(program.measure, limits)
    return program


def _parse_uncached(text: str, limits: Limits) -> Program:
    size = check_source_size(text, limits)
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(text, error) from None
    nesting, nodes = measure_tree(tree)
    check_shape(nesting, nodes, limits)
    compiler = _Compiler(text, limits)
    program = compiler.program(tree)
    program.measure = Measure(size, nesting, nodes, compiler.widest_allotment)
    return program


# --------------------------------------------------------------------------- compiler


def _pos(item: Tree[Token] | Token) -> tuple[int, int]:
    if isinstance(item, Token):
        return item.line or 0, item.column or 0
    meta = item.meta
    if getattr(meta, "empty", True):
        return 0, 0
    return meta.line, meta.column


def _children(tree: Tree[Token]) -> list[Tree[Token] | Token]:
    return [
        child
        for child in tree.children
        if not (isinstance(child, Token) and child.type in _KEYWORDS)
    ]


def _string(token: Token) -> str:
    inner = str(token)[1:-1]
    out: list[str] = []
    index = 0
    while index < len(inner):
        char = inner[index]
        if char == "\\" and index + 1 < len(inner):
            nxt = inner[index + 1]
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


class _Compiler:
    def __init__(self, text: str, limits: Limits = DEFAULT_LIMITS) -> None:
        self.text = text
        self.limits = limits
        self.widest_allotment = 0

    def error(self, item: Tree[Token] | Token, message: str) -> NumscriptCompileError:
        line, column = _pos(item)
        return NumscriptCompileError(message, line=line, column=column)

    def label(self, tree: Tree[Token]) -> str:
        meta = tree.meta
        if getattr(meta, "empty", True):
            return "source"
        return " ".join(self.text[meta.start_pos : meta.end_pos].split())

    # ---------------------------------------------------------------- program

    def program(self, tree: Tree[Token]) -> Program:
        flags: set[str] = set()
        decls: list[VarDecl] = []
        statements: list[Statement] = []
        for child in tree.children:
            assert isinstance(child, Tree)
            if child.data == "pragma":
                flags.update(self.pragma(child))
            elif child.data == "vars_block":
                decls.extend(self.vars_block(child))
            else:
                statements.append(self.statement(child))
        return Program(self.text, frozenset(flags), decls, statements)

    def pragma(self, tree: Tree[Token]) -> list[str]:
        children = _children(tree)
        name = children[0]
        if str(name) != "feature":
            raise self.error(name, f"unknown pragma {str(name)!r}: expected 'feature'")
        return [_string(child) for child in children[1:] if isinstance(child, Token)]

    def vars_block(self, tree: Tree[Token]) -> list[VarDecl]:
        decls: list[VarDecl] = []
        seen: set[str] = set()
        for child in _children(tree):
            assert isinstance(child, Tree)
            parts = _children(child)
            type_token, name_token = parts[0], parts[1]
            assert isinstance(type_token, Token) and isinstance(name_token, Token)
            type_ = str(type_token)
            if type_ not in TYPES:
                raise self.error(
                    type_token, f"unknown type {type_!r}: expected one of {', '.join(TYPES)}"
                )
            name = str(name_token)[1:]
            if name in seen:
                raise self.error(name_token, f"the variable ${name} is declared twice")
            seen.add(name)
            origin: Expr | None = None
            if len(parts) > 2:
                origin_tree = parts[2]
                assert isinstance(origin_tree, Tree)
                origin = self.expr(origin_tree)
                _mark_origin(origin)
            line, column = _pos(name_token)
            decls.append(VarDecl(line, column, type_, name, origin))
        return decls

    def statement(self, tree: Tree[Token]) -> Statement:
        line, column = _pos(tree)
        children = _children(tree)
        if tree.data == "send_statement":
            value, all_asset = self.sent_value(children[0])
            source_tree, destination_tree = children[1], children[2]
            assert isinstance(source_tree, Tree) and isinstance(destination_tree, Tree)
            return Send(
                line,
                column,
                value,
                all_asset,
                self.source(source_tree),
                self.destination(destination_tree),
            )
        if tree.data == "save_statement":
            value, all_asset = self.sent_value(children[0])
            account = children[1]
            assert isinstance(account, Tree)
            return Save(line, column, value, all_asset, self.expr(account))
        if tree.data == "fn_call":
            name, args = self.call_parts(tree)
            return CallStatement(line, column, name, args)
        raise self.error(tree, f"unexpected statement {tree.data}")

    def sent_value(self, item: Tree[Token] | Token) -> tuple[Expr | None, Expr | None]:
        assert isinstance(item, Tree)
        if item.data == "send_all":
            asset = _children(item)[0]
            assert isinstance(asset, Tree)
            return None, self.expr(asset)
        return self.expr(item), None

    # ---------------------------------------------------------------- sources

    def source(self, tree: Tree[Token]) -> Source:
        line, column = _pos(tree)
        label = self.label(tree)
        children = _children(tree)
        data = tree.data
        if data == "source_account":
            account = self.sub_expr(children[0])
            color: Expr | None = None
            unbounded = False
            overdraft: Expr | None = None
            for child in children[1:]:
                assert isinstance(child, Tree)
                if child.data == "color":
                    color = self.sub_expr(_children(child)[0])
                elif child.data == "unbounded_overdraft":
                    unbounded = True
                else:
                    overdraft = self.sub_expr(_children(child)[0])
            return AccountSource(line, column, label, account, color, unbounded, overdraft)
        if data == "source_scaling":
            account = self.sub_expr(children[0])
            color = None
            rest = children[1:]
            first = rest[0]
            if isinstance(first, Tree) and first.data == "color":
                color = self.sub_expr(_children(first)[0])
                rest = rest[1:]
            through = self.sub_expr(rest[-1])
            return ScalingSource(line, column, label, account, color, through)
        if data == "source_capped":
            source_tree = children[1]
            assert isinstance(source_tree, Tree)
            return CappedSource(
                line, column, label, self.sub_expr(children[0]), self.source(source_tree)
            )
        if data == "source_oneof":
            return OneofSource(line, column, label, [self.sub_source(c) for c in children])
        if data == "source_block":
            items = [c for c in children if isinstance(c, Tree)]
            allotted = [c for c in items if c.data == "source_allotment_item"]
            if not allotted:
                return InOrderSource(line, column, label, [self.source(c) for c in items])
            if len(allotted) != len(items):
                plain = next(c for c in items if c.data != "source_allotment_item")
                raise self.error(
                    plain,
                    "a source block is either a list of sources or an allotment "
                    "('1/2 from @a'), not both",
                )
            portions: list[Expr | None] = []
            sources: list[Source] = []
            for item in allotted:
                portion, source_tree = _children(item)
                portions.append(self.portion(portion))
                assert isinstance(source_tree, Tree)
                sources.append(self.source(source_tree))
            return AllotmentSource(line, column, label, self.allotment(portions, tree), sources)
        raise self.error(tree, f"unexpected source {data}")

    def sub_source(self, item: Tree[Token] | Token) -> Source:
        assert isinstance(item, Tree)
        return self.source(item)

    def portion(self, item: Tree[Token] | Token) -> Expr | None:
        assert isinstance(item, Tree)
        if item.data == "remaining":
            return None
        return self.expr(item)

    def allotment(self, portions: list[Expr | None], where: Tree[Token]) -> Allotment:
        line, column = _pos(where)
        check_allotment(len(portions), self.limits, line, column)
        self.widest_allotment = max(self.widest_allotment, len(portions))
        constant: list[Fraction] | None = None
        literal = [p.value if isinstance(p, Literal) else None for p in portions if p is not None]
        if all(isinstance(value, Fraction) for value in literal):
            remaining = portions.count(None)
            total = sum((v for v in literal if isinstance(v, Fraction)), Fraction(0))
            if remaining == 0 and total == 1:
                constant = [v for v in literal if isinstance(v, Fraction)]
            elif remaining == 1:
                constant = [
                    p.value if isinstance(p, Literal) and isinstance(p.value, Fraction)
                    else 1 - total
                    for p in portions
                ]  # fmt: skip
        return Allotment(portions, constant)

    # ---------------------------------------------------------------- destinations

    def destination(self, tree: Tree[Token]) -> Destination:
        line, column = _pos(tree)
        children = _children(tree)
        data = tree.data
        if data == "destination_account":
            return AccountDestination(line, column, self.sub_expr(children[0]))
        if data == "kept":
            return Kept(line, column)
        if data == "to_destination":
            return self.sub_destination(children[0])
        items = [c for c in children if isinstance(c, Tree)]
        capped = [c for c in items if c.data == "destination_capped_item"]
        if data == "destination_block" and not capped:
            portions: list[Expr | None] = []
            targets: list[Destination] = []
            for item in items:
                portion, target = _children(item)
                portions.append(self.portion(portion))
                targets.append(self.sub_destination(target))
            return AllotmentDestination(line, column, self.allotment(portions, tree), targets)
        caps: list[tuple[Expr, Destination]] = []
        for item in items[:-1]:
            if item.data != "destination_capped_item":
                raise self.error(
                    item,
                    "in a list of 'max' clauses every clause but the last starts with 'max'",
                )
            cap, target = _children(item)
            caps.append((self.sub_expr(cap), self.sub_destination(target)))
        last = items[-1]
        last_children = _children(last)
        if last.data != "destination_allotment_item" or not (
            isinstance(last_children[0], Tree) and last_children[0].data == "remaining"
        ):
            raise self.error(last, "a list of 'max' clauses must end with a 'remaining' clause")
        remaining = self.sub_destination(last_children[1])
        if data == "destination_oneof":
            return OneofDestination(line, column, caps, remaining)
        return InOrderDestination(line, column, caps, remaining)

    def sub_destination(self, item: Tree[Token] | Token) -> Destination:
        assert isinstance(item, Tree)
        return self.destination(item)

    # ---------------------------------------------------------------- expressions

    def sub_expr(self, item: Tree[Token] | Token) -> Expr:
        assert isinstance(item, Tree)
        return self.expr(item)

    def call_parts(self, tree: Tree[Token]) -> tuple[str, list[Expr]]:
        children = _children(tree)
        name_token = next(c for c in tree.children if isinstance(c, Token))
        args = [self.sub_expr(c) for c in children if isinstance(c, Tree)]
        return str(name_token), args

    def expr(self, tree: Tree[Token]) -> Expr:
        line, column = _pos(tree)
        data = tree.data
        children = tree.children
        if data == "number":
            return Literal(line, column, int(str(children[0]).replace("_", "")))
        if data == "percent":
            portion = parse_percent(str(children[0]))
            assert portion is not None
            return Literal(line, column, portion)
        if data == "string":
            token = children[0]
            assert isinstance(token, Token)
            return Literal(line, column, Text(_string(token)))
        if data == "asset":
            return Literal(line, column, AssetName(str(children[0])))
        if data == "variable":
            return VarRef(line, column, str(children[0])[1:])
        if data == "account":
            return self.account(line, column, str(children[0]))
        if data == "monetary":
            asset, amount = (self.sub_expr(c) for c in children)
            if (
                isinstance(asset, Literal)
                and isinstance(amount, Literal)
                and isinstance(asset.value, AssetName)
                and type(amount.value) is int
            ):
                return Literal(line, column, Monetary(asset.value, amount.value))
            return MonetaryExpr(line, column, asset, amount)
        if data == "negate":
            inner = self.sub_expr(children[1])
            if isinstance(inner, Literal) and type(inner.value) is int:
                return Literal(line, column, -inner.value)
            return Negate(line, column, inner)
        if data == "infix":
            left, op, right = children
            infix = Infix(line, column, str(op), self.sub_expr(left), self.sub_expr(right))
            return self.fold(infix)
        if data == "fn_call":
            name, args = self.call_parts(tree)
            return FnCall(line, column, name, args, False)
        raise self.error(tree, f"unexpected expression {data}")

    def fold(self, infix: Infix) -> Expr:
        left, right = infix.left, infix.right
        if isinstance(left, Literal) and isinstance(right, Literal):
            if type(left.value) is int and type(right.value) is int and right.value == 0:
                return infix  # reported when (and if) it runs
            try:
                value = apply_infix(infix, left.value, right.value)
            except Exception:  # type errors are reported when the program runs
                return infix
            return Literal(infix.line, infix.column, value)
        return infix

    def account(self, line: int, column: int, text: str) -> Expr:
        segments = text[1:].split(":")
        if not any(segment.startswith("$") for segment in segments):
            return Literal(line, column, Account(text[1:]))
        parts: list[str | Expr] = [
            VarRef(line, column, segment[1:]) if segment.startswith("$") else segment
            for segment in segments
        ]
        return AccountInterpolation(line, column, parts)


def _mark_origin(expr: Expr) -> None:
    """Function calls anywhere in a variable's origin need no mid-script-call flag."""
    if isinstance(expr, FnCall):
        expr.origin = True
        for arg in expr.args:
            _mark_origin(arg)
    elif isinstance(expr, Infix):
        _mark_origin(expr.left)
        _mark_origin(expr.right)
    elif isinstance(expr, Negate):
        _mark_origin(expr.inner)
    elif isinstance(expr, MonetaryExpr):
        _mark_origin(expr.asset)
        _mark_origin(expr.amount)
    elif isinstance(expr, AccountInterpolation):
        for part in expr.parts:
            if isinstance(part, Expr):
                _mark_origin(part)
