"""Risk rules as Python closures: the common shapes of a rule answered without the CEL engine.

Most rules compare the movement's fields, the score or features with constants, joined by
``&&``, ``||`` and ``!`` (``tx.kind == 'payout' && tx.amount > 5000000``). Handing such a
rule to the CEL engine costs tens of microseconds a decision (its variables converted, a
context built); :func:`closure_of` compiles it once into nested Python closures that read
the variables as they are, in about a microsecond.

The closure answers exactly as CEL does, or not at all: whenever a value is outside what it
models (operands of different types, an integer beyond 64 bits, a NaN, a missing field, a
non-boolean operand of a logical operator, a string or boolean ordered with ``<``), it raises
:class:`Fallback` and the caller evaluates the rule with the CEL engine (which gives the
answer or the error). CEL's ``&&`` and ``||`` are commutative over errors (``false && error``
is false); the closure short-circuits only on that same side (``false && x`` is false,
``true || x`` is true) and falls back otherwise. A rule with anything else (a function call,
``in``, arithmetic, indexing, escapes in strings) gets no closure: :func:`closure_of` answers
None and the rule is always evaluated by CEL.
"""

from __future__ import annotations

import functools
import math
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from coffer.risk.features_names import FEATURE_INDEX

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
Closure = Callable[[Mapping[str, Any]], Any]  # the rule's variables -> its value


class Fallback(Exception):
    """This input is for the CEL engine to answer."""


class _Unsupported(Exception):
    """The expression has a shape the closures do not model."""


_TOKEN = re.compile(
    r"\s*(?:(?P<float>\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)"
    r"|(?P<int>\d+)(?![\w.])"
    r"|(?P<string>'[^'\\\n]*'|\"[^\"\\\n]*\")"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>&&|\|\||==|!=|<=|>=|<|>|!|\(|\)|\.))"
)
_COMPARE = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_ORDERED = (int, float)  # types CEL orders with < (strings too, but left to CEL here)


def _tokens(source: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    position = 0
    end = len(source.rstrip())
    while position < end:
        found = _TOKEN.match(source, position)
        if found is None or found.end() == position:
            raise _Unsupported
        kind = found.lastgroup
        assert kind is not None
        out.append((kind, found.group(kind)))
        position = found.end()
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _Unsupported
        self.at += 1
        return token

    def expect(self, text: str) -> None:
        if self.take() != ("op", text):
            raise _Unsupported

    def whole(self) -> Closure:
        closure = self.either()
        if self.peek() is not None:
            raise _Unsupported
        return closure

    def either(self) -> Closure:
        return self.joined("||", True, self.both)

    def both(self) -> Closure:
        return self.joined("&&", False, self.relation)

    def joined(self, op: str, stop: bool, operand: Callable[[], Closure]) -> Closure:
        """Operands joined by ``op`` (``||``: ``stop`` True; ``&&``: False), from the left."""
        left = operand()
        while self.peek() == ("op", op):
            self.take()
            left = _logical(stop, left, operand())
        return left

    def relation(self) -> Closure:
        left = self.unary()
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] in _COMPARE:
            self.take()
            left = _compare(_COMPARE[token[1]], token[1], left, self.unary())
            after = self.peek()
            if after is not None and after[0] == "op" and after[1] in _COMPARE:
                raise _Unsupported  # a < b < c: left to CEL
        return left

    def unary(self) -> Closure:
        if self.peek() == ("op", "!"):
            self.take()
            return _not(self.unary())
        return self.primary()

    def primary(self) -> Closure:
        kind, text = self.take()
        if kind == "op" and text == "(":
            inner = self.either()
            self.expect(")")
            return inner
        if kind == "int":
            value = int(text)
            if value > INT64_MAX:
                raise _Unsupported
            return lambda _variables: value
        if kind == "float":
            number = float(text)
            return lambda _variables: number
        if kind == "string":
            string = text[1:-1]
            return lambda _variables: string
        if kind == "name":
            if text in ("true", "false"):
                flag = text == "true"
                return lambda _variables: flag
            if text == "score":
                return _score
            if text in ("tx", "features"):
                self.expect(".")
                field_kind, field = self.take()
                if field_kind != "name" or self.peek() == ("op", "("):
                    raise _Unsupported
                return _feature(field) if text == "features" else _tx_field(field)
        raise _Unsupported


def _score(variables: Mapping[str, Any]) -> Any:
    return variables["score"]


def _tx_field(field: str) -> Closure:
    def read(variables: Mapping[str, Any]) -> Any:
        value = variables["tx"].get(field, _tx_field)  # the function itself: "absent"
        if value is _tx_field:
            raise Fallback
        return value

    return read


def _feature(name: str) -> Closure:
    index = FEATURE_INDEX.get(name)
    if index is None:  # CEL's error names it
        raise _Unsupported

    def read(variables: Mapping[str, Any]) -> Any:
        return float(variables["features"][index])

    return read


def _compare(test: Callable[[Any, Any], bool], op: str, left: Closure, right: Closure) -> Closure:
    ordering = op not in ("==", "!=")

    def compare(variables: Mapping[str, Any]) -> bool:
        a = left(variables)
        b = right(variables)
        kind = type(a)
        if kind is not type(b):
            raise Fallback
        if kind is int:
            if not (INT64_MIN <= a <= INT64_MAX and INT64_MIN <= b <= INT64_MAX):
                raise Fallback
        elif kind is float:
            if math.isnan(a) or math.isnan(b):
                raise Fallback
        elif kind is str or kind is bool:
            if ordering:
                raise Fallback
        else:
            raise Fallback
        return test(a, b)

    return compare


def _logical(stop: bool, left: Closure, right: Closure) -> Closure:
    """``&&`` (``stop`` False: a false left side is the answer) or ``||`` (``stop`` True)."""
    answer: bool = stop
    going_on = not stop

    def logical(variables: Mapping[str, Any]) -> bool:
        first = left(variables)
        if first is stop:
            return answer
        if first is not going_on:
            raise Fallback
        second = right(variables)
        if second is True:
            return True
        if second is False:
            return False
        raise Fallback

    return logical


def _not(inner: Closure) -> Closure:
    def negated(variables: Mapping[str, Any]) -> bool:
        value = inner(variables)
        if value is not True and value is not False:
            raise Fallback
        return not value

    return negated


@functools.lru_cache(maxsize=1024)
def closure_of(source: str) -> Closure | None:
    """The rule ``source`` (a compiled, valid rule) as a closure over the rule variables
    (:func:`coffer.risk.online.rules.rule_variables`) giving its boolean value, or None when
    it has a shape the closures do not model (see the module doc). The closure raises
    :class:`Fallback` for an input CEL must answer."""
    try:
        return _Parser(_tokens(source)).whole()
    except (_Unsupported, RecursionError):
        return None
