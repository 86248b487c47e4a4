"""Errors raised by the Numscript parser, checker and interpreter.

Every class here is a :class:`coffer.errors.NumscriptError` (so ``isinstance(e,
NumscriptError)`` catches them all) and carries the ``formance_code`` Formance Ledger v2
uses for the same failure: ``COMPILATION_FAILED`` for programs that do not parse or
compile, ``INSUFFICIENT_FUND`` for missing funds and ``INTERPRETER_RUNTIME`` for the other
failures found while running.
"""

from __future__ import annotations

from typing import Any

from coffer.errors import CompilationFailed, InsufficientFunds, NumscriptError

__all__ = [
    "AssetMismatch",
    "DivisionByZero",
    "FeatureDisabled",
    "InvalidAccountName",
    "InvalidAllotment",
    "InvalidArguments",
    "InvalidColor",
    "InvalidVariable",
    "MetadataNotFound",
    "MissingFunds",
    "MissingVariable",
    "NegativeAmount",
    "NegativeBalance",
    "NumscriptCompileError",
    "NumscriptError",
    "NumscriptLimitExceeded",
    "NumscriptRuntimeError",
    "NumscriptSyntaxError",
    "TypeMismatch",
    "UnboundVariable",
    "UnboundedSendAll",
    "UnknownFunction",
]


class NumscriptSyntaxError(CompilationFailed):
    """The program text does not follow the grammar."""

    code = "numscript_syntax_error"

    def __init__(self, message: str, *, line: int, column: int, expected: list[str]) -> None:
        super().__init__(f"{line}:{column}: {message}", line=line, column=column, expected=expected)
        self.line = line
        self.column = column
        self.expected = expected


class NumscriptCompileError(CompilationFailed):
    """The program parses but is malformed (for example two ``remaining`` in one block)."""

    code = "numscript_compile_error"

    def __init__(self, message: str, *, line: int, column: int) -> None:
        super().__init__(f"{line}:{column}: {message}", line=line, column=column)
        self.line = line
        self.column = column


class NumscriptLimitExceeded(CompilationFailed):
    """The program is larger, deeper or wider than the configured limits accept."""

    code = "numscript_limit_exceeded"
    hint = "Make the program smaller (or raise the limit the message names)."

    def __init__(self, message: str, *, limit: str) -> None:
        super().__init__(message, limit=limit)
        self.limit = limit
        self.line = 0
        self.column = 0


class NumscriptRuntimeError(NumscriptError):
    """The program failed while running; ``line``/``column`` point at the culprit (0 if unknown)."""

    code = "numscript_runtime_error"
    formance_code = "INTERPRETER_RUNTIME"

    def __init__(self, message: str, *, line: int = 0, column: int = 0, **details: Any) -> None:
        text = f"{line}:{column}: {message}" if line else message
        super().__init__(text, **details)
        self.line = line
        self.column = column


class MissingFunds(NumscriptError, InsufficientFunds):
    """A source could not provide the amount the statement needs."""

    code = "insufficient_funds"
    status = 400
    formance_code = "INSUFFICIENT_FUND"

    def __init__(self, source: str, asset: str, available: int, needed: int) -> None:
        InsufficientFunds.__init__(self, source, asset, available, needed)


class NegativeAmount(NumscriptRuntimeError):
    code = "numscript_negative_amount"


class MissingVariable(NumscriptRuntimeError):
    code = "numscript_missing_variable"


class InvalidVariable(NumscriptRuntimeError):
    code = "numscript_invalid_variable"


class UnboundVariable(NumscriptRuntimeError):
    code = "numscript_unbound_variable"


class MetadataNotFound(NumscriptRuntimeError):
    code = "numscript_metadata_not_found"


class TypeMismatch(NumscriptRuntimeError):
    code = "numscript_type_mismatch"


class AssetMismatch(NumscriptRuntimeError):
    code = "numscript_asset_mismatch"


class DivisionByZero(NumscriptRuntimeError):
    code = "numscript_division_by_zero"


class FeatureDisabled(NumscriptRuntimeError):
    code = "numscript_feature_disabled"


class InvalidAllotment(NumscriptRuntimeError):
    code = "numscript_invalid_allotment"


class UnboundedSendAll(NumscriptRuntimeError):
    code = "numscript_unbounded_send_all"


class NegativeBalance(NumscriptRuntimeError):
    code = "numscript_negative_balance"


class InvalidAccountName(NumscriptRuntimeError):
    code = "numscript_invalid_account"


class InvalidColor(NumscriptRuntimeError):
    code = "numscript_invalid_color"


class UnknownFunction(NumscriptRuntimeError):
    code = "numscript_unknown_function"


class InvalidArguments(NumscriptRuntimeError):
    code = "numscript_invalid_arguments"
