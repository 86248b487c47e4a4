"""Coffer's one expression language: CEL (Common Expression Language), safe and compiled.

Automation conditions, spending policies and risk rules are all written in CEL. CEL has no
loops, no I/O and no access to Python objects: an expression can only read the variables
it is given and call the functions registered here, and always terminates.

    from coffer.expressions import compile_expression

    rule = compile_expression("trigger.amount > 10000 && customer.kyc_level != 'none'",
                              variables={"trigger", "customer"})      # at save time
    rule.evaluate({"trigger": {"amount": 25000}, "customer": {"kyc_level": "light"}})  # True

- :func:`compile_expression` parses once and checks what the expression names (unknown
  variables and functions are refused): a bad expression raises
  :class:`ExpressionInvalid` (HTTP 400) naming the problem and where it is, when the
  automation/policy/rule is saved, never later.
- :meth:`Expression.evaluate` runs the compiled program with variables (JSON-like Python
  values, datetimes become CEL timestamps, timedeltas durations). A failure at run time (a
  missing field, a type mismatch, an overflow) raises :class:`ExpressionFailed` (HTTP 422)
  naming the expression.

Amounts beyond 64 bits. CEL integers are signed 64-bit, and Coffer amounts go up to
2**128 - 1 (``ETH/18``: 10 ETH is 10**19 wei, already above 2**63). The engine underneath
would silently turn such an int into a float; Coffer never lets it: an integer variable
outside the signed 64-bit range is passed as the map ``{"big": "<decimal digits>"}``.
Such a value cannot meet an ordering or arithmetic operator (``>``, ``+``: the evaluation
fails with a message saying what to write instead, it never answers wrongly), and ``==``
stays exact because every value that fits 64 bits is a plain int and every other one a
``big`` map. The exact functions below take ints and ``big`` maps alike and compute in
Python integers::

    amount_gt(a, b) amount_ge(a, b) amount_lt(a, b) amount_le(a, b) amount_eq(a, b)
    amount_add(a, b) amount_sub(a, b) amount_mul(a, b) amount_div(a, b)  # div floors
    amount_min(a, b) amount_max(a, b)

Their results are plain ints again when they fit, ``big`` maps otherwise; a result that
is an integer returned by :meth:`Expression.evaluate` is always a Python int. Rules that
may see amounts of high-scale assets should use these functions; for ``USD/2`` the
operators are fine up to about 92 quadrillion dollars.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

import cel

from coffer.errors import CofferError, ValidationError

__all__ = [
    "BIG_KEY",
    "FUNCTIONS",
    "Bound",
    "Expression",
    "ExpressionFailed",
    "ExpressionInvalid",
    "compile_expression",
    "from_cel",
    "to_cel",
]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
BIG_KEY = "big"
MAX_EXPRESSION_LENGTH = 4_000


class ExpressionInvalid(ValidationError, code="expression_invalid"):
    """An expression that does not parse, or names a variable or function that does not
    exist; found when it is saved."""

    hint = "Fix the expression as the message says (CEL syntax: docs/automations.md)."


class ExpressionFailed(
    CofferError, code="expression_failed", status=422, formance_code="VALIDATION"
):
    """A saved expression failed on the data it was given (a missing field, a type
    mismatch, an arithmetic overflow)."""

    hint = "Guard the expression with has(...) or fix the data it reads; see the message."


# -- exact integers -------------------------------------------------------------------------


_AS_IS = frozenset((str, float, bool, type(None)))


def to_cel(value: Any) -> Any:
    """``value`` made safe for CEL: integers outside signed 64 bits become
    ``{"big": "<digits>"}`` (recursively in dicts, lists and tuples)."""
    if type(value) in _AS_IS:  # the common leaves, without the ABC checks below
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if INT64_MIN <= value <= INT64_MAX:
            return value
        return {BIG_KEY: str(value)}
    if isinstance(value, Mapping):
        return {str(key): to_cel(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_cel(item) for item in value]
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return value


def from_cel(value: Any) -> Any:
    """The inverse of :func:`to_cel` on a result: ``big`` maps back to Python ints."""
    if isinstance(value, dict):
        if set(value) == {BIG_KEY} and isinstance(value[BIG_KEY], str):
            return _as_int(value)
        return {key: from_cel(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_cel(item) for item in value]
    return value


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("a boolean is not an amount")
    if isinstance(value, int):
        return value
    if isinstance(value, dict) and set(value) == {BIG_KEY}:
        digits = value[BIG_KEY]
        if isinstance(digits, str) and re.fullmatch(r"-?[0-9]+", digits):
            return int(digits)
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    raise TypeError(f"{value!r} is not an amount (an int, a digit string or a big map)")


def _exact(operation: Callable[[int, int], Any]) -> Callable[[Any, Any], Any]:
    def function(a: Any, b: Any) -> Any:
        return to_cel(operation(_as_int(a), _as_int(b)))

    return function


def _floor_div(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("amount_div by zero")
    return a // b


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "amount_gt": _exact(lambda a, b: a > b),
    "amount_ge": _exact(lambda a, b: a >= b),
    "amount_lt": _exact(lambda a, b: a < b),
    "amount_le": _exact(lambda a, b: a <= b),
    "amount_eq": _exact(lambda a, b: a == b),
    "amount_add": _exact(lambda a, b: a + b),
    "amount_sub": _exact(lambda a, b: a - b),
    "amount_mul": _exact(lambda a, b: a * b),
    "amount_div": _exact(_floor_div),
    "amount_min": _exact(min),
    "amount_max": _exact(max),
}

# CEL's standard functions and macros this engine provides (operators are written _x_).
STANDARD_FUNCTIONS = frozenset(
    {
        *("size", "has", "int", "uint", "double", "string", "bytes", "timestamp", "duration"),
        *("type", "dyn", "matches", "contains", "startsWith", "endsWith", "in"),
        *("exists", "exists_one", "all", "map", "filter"),
        *("getFullYear", "getMonth", "getDayOfYear", "getDayOfMonth", "getDate"),
        *("getDayOfWeek", "getHours", "getMinutes", "getSeconds", "getMilliseconds"),
    }
)
_COMPREHENSION = re.compile(
    r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,"
)


def _bound_names(source: str) -> set[str]:
    """Names bound by comprehension macros (``xs.exists(x, x > 0)`` binds ``x``)."""
    return set(_COMPREHENSION.findall(source))


class Expression:
    """A compiled CEL expression. Thread-safe: evaluation builds its own context."""

    __slots__ = ("_program", "functions", "source", "variables")

    def __init__(
        self,
        source: str,
        program: Any,
        variables: frozenset[str],
        functions: Mapping[str, Callable[..., Any]],
    ) -> None:
        self.source = source
        self._program = program
        self.variables = variables  # the top-level names the expression reads
        self.functions = dict(functions)

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def evaluate(
        self,
        variables: Mapping[str, Any] | None = None,
        functions: Mapping[str, Callable[..., Any]] | None = None,
    ) -> Any:
        """The expression's value with ``variables`` (missing ones the expression reads
        are an :class:`ExpressionFailed`). ``functions`` binds the extra functions named
        at compile time to their implementation for this evaluation."""
        values = {name: to_cel(value) for name, value in (variables or {}).items()}
        self._check_provided(values)
        context = cel.Context(values)
        for name, function in self.functions.items():
            bound = functions.get(name, function) if functions else function
            context.add_function(name, _guarded(bound))
        return self._execute(context)

    def evaluate_in(self, bound: Bound) -> Any:
        """:meth:`evaluate` with variables (and functions) converted once for several
        expressions (see :class:`Bound`)."""
        self._check_provided(bound.names)
        return self._execute(bound.context)

    def _check_provided(self, names: Iterable[str]) -> None:
        if isinstance(names, frozenset) and self.variables <= names:
            return
        missing = sorted(self.variables - set(names))
        if missing:
            raise ExpressionFailed(
                f"expression {self.source!r} reads {', '.join(missing)}, which this"
                " evaluation does not provide",
                expression=self.source,
                missing=missing,
            )

    def _execute(self, context: Any) -> Any:
        try:
            result = self._program.execute(context)
        except OverflowError as error:
            raise ExpressionFailed(
                f"expression {self.source!r}: {error} CEL integers are 64-bit; use"
                " amount_add/amount_sub/amount_mul for exact big amounts",
                expression=self.source,
            ) from error
        except TypeError as error:
            raise ExpressionFailed(
                f"expression {self.source!r}: {_first_line(error)} (an amount beyond 64 bits"
                ' is a {"big": "..."} map: compare it with amount_gt/amount_lt/amount_eq)',
                expression=self.source,
            ) from error
        except Exception as error:  # the engine raises ValueError/RuntimeError/...
            raise ExpressionFailed(
                f"expression {self.source!r}: {_first_line(error)}", expression=self.source
            ) from error
        return from_cel(result)

    def evaluate_bool(
        self,
        variables: Mapping[str, Any] | None = None,
        functions: Mapping[str, Callable[..., Any]] | None = None,
    ) -> bool:
        """The value of a condition: must be a boolean."""
        return self._condition(self.evaluate(variables, functions))

    def evaluate_bool_in(self, bound: Bound) -> bool:
        """:meth:`evaluate_bool` with variables converted once (see :class:`Bound`)."""
        return self._condition(self.evaluate_in(bound))

    def _condition(self, result: Any) -> bool:
        if not isinstance(result, bool):
            raise ExpressionFailed(
                f"condition {self.source!r} gave {result!r}, not true or false",
                expression=self.source,
            )
        return result


class Bound:
    """Variables (and functions) converted for CEL once, to evaluate several expressions
    with: a risk decision's rules all read the same variables, and converting them is most
    of an evaluation's cost. Not thread-safe (one evaluation's own object)."""

    __slots__ = ("context", "names")

    def __init__(
        self,
        variables: Mapping[str, Any],
        functions: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        values = {name: to_cel(value) for name, value in variables.items()}
        self.names = frozenset(values)
        self.context = cel.Context(values)
        for name, function in (functions or {}).items():
            self.context.add_function(name, _guarded(function))


def _guarded(function: Callable[..., Any]) -> Callable[..., Any]:
    """A function whose arguments come back from CEL as Python values (``big`` maps as
    ints) and whose result goes to CEL safely (ints beyond 64 bits as ``big`` maps)."""

    def call(*arguments: Any) -> Any:
        return to_cel(function(*(from_cel(argument) for argument in arguments)))

    return call


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def compile_expression(
    source: str,
    *,
    variables: Iterable[str] | None = None,
    functions: Mapping[str, Callable[..., Any]] | None = None,
) -> Expression:
    """Compile ``source`` once; raise :class:`ExpressionInvalid` naming the problem.

    ``variables``: the top-level names the expression may read (None: any).
    ``functions``: extra functions (read-only lookups) besides :data:`FUNCTIONS`."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionInvalid("the expression is empty: write a CEL expression")
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise ExpressionInvalid(
            f"the expression is {len(source)} characters long; the limit is {MAX_EXPRESSION_LENGTH}"
        )
    try:
        program = cel.compile(source)
    except Exception as error:
        message = str(error).replace("Failed to parse expression", "syntax error in")
        raise ExpressionInvalid(message, expression=source) from error
    known_functions = {**FUNCTIONS, **(functions or {})}
    references = program.references()
    unknown_functions = sorted(
        name
        for name in references["functions"]
        if not (name.startswith(("_", "!", "@")) or name in STANDARD_FUNCTIONS)
        and name not in known_functions
    )
    if unknown_functions:
        raise ExpressionInvalid(
            f"expression {source!r} calls {', '.join(unknown_functions)}, which does not"
            f" exist; available functions: {', '.join(sorted(known_functions))} and CEL's"
            " standard ones",
            expression=source,
            unknown_functions=unknown_functions,
        )
    read = set(references["variables"]) - _bound_names(source)
    if variables is not None:
        allowed = set(variables)
        unknown = sorted(read - allowed)
        if unknown:
            raise ExpressionInvalid(
                f"expression {source!r} reads {', '.join(unknown)}, which is not defined"
                f" here; it can read: {', '.join(sorted(allowed)) or 'nothing'}",
                expression=source,
                unknown_variables=unknown,
            )
    used = {
        name: known_functions[name] for name in references["functions"] if name in known_functions
    }
    return Expression(source, program, frozenset(read), used)


def check_expression(source: str, *, variables: Iterable[str] | None = None) -> str:
    """Validate ``source`` (as :func:`compile_expression`) and return it: for validators."""
    compile_expression(source, variables=variables)
    return source
