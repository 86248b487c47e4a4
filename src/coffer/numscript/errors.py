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


class NumscriptSyntaxError(CompilationFailed, code="numscript_syntax_error"):
    """The program text does not follow the grammar."""

    def __init__(self, message: str, *, line: int, column: int, expected: list[str]) -> None:
        super().__init__(f"{line}:{column}: {message}", line=line, column=column, expected=expected)
        self.line = line
        self.column = column
        self.expected = expected


class NumscriptCompileError(CompilationFailed, code="numscript_compile_error"):
    """The program parses but is malformed (for example two ``remaining`` in one block)."""

    def __init__(self, message: str, *, line: int, column: int) -> None:
        super().__init__(f"{line}:{column}: {message}", line=line, column=column)
        self.line = line
        self.column = column


class NumscriptLimitExceeded(CompilationFailed, code="numscript_limit_exceeded"):
    """The program is larger, deeper or wider than the configured limits accept."""

    hint = "Make the program smaller (or raise the limit the message names)."

    def __init__(self, message: str, *, limit: str) -> None:
        super().__init__(message, limit=limit)
        self.limit = limit
        self.line = 0
        self.column = 0


class NumscriptRuntimeError(
    NumscriptError, code="numscript_runtime_error", formance_code="INTERPRETER_RUNTIME"
):
    """The program failed while running; ``line``/``column`` point at the culprit (0 if unknown)."""

    def __init__(self, message: str, *, line: int = 0, column: int = 0, **details: Any) -> None:
        text = f"{line}:{column}: {message}" if line else message
        super().__init__(text, **details)
        self.line = line
        self.column = column


class MissingFunds(
    NumscriptError,
    InsufficientFunds,
    code="insufficient_funds",
    status=400,
    formance_code="INSUFFICIENT_FUND",
):
    """A source could not provide the amount the statement needs."""

    def __init__(self, source: str, asset: str, available: int, needed: int) -> None:
        InsufficientFunds.__init__(self, source, asset, available, needed)


class NegativeAmount(NumscriptRuntimeError, code="numscript_negative_amount"):
    pass


class MissingVariable(NumscriptRuntimeError, code="numscript_missing_variable"):
    pass


class InvalidVariable(NumscriptRuntimeError, code="numscript_invalid_variable"):
    pass


class UnboundVariable(NumscriptRuntimeError, code="numscript_unbound_variable"):
    pass


class MetadataNotFound(NumscriptRuntimeError, code="numscript_metadata_not_found"):
    pass


class TypeMismatch(NumscriptRuntimeError, code="numscript_type_mismatch"):
    pass


class AssetMismatch(NumscriptRuntimeError, code="numscript_asset_mismatch"):
    pass


class DivisionByZero(NumscriptRuntimeError, code="numscript_division_by_zero"):
    pass


class FeatureDisabled(NumscriptRuntimeError, code="numscript_feature_disabled"):
    pass


class InvalidAllotment(NumscriptRuntimeError, code="numscript_invalid_allotment"):
    pass


class UnboundedSendAll(NumscriptRuntimeError, code="numscript_unbounded_send_all"):
    pass


class NegativeBalance(NumscriptRuntimeError, code="numscript_negative_balance"):
    pass


class InvalidAccountName(NumscriptRuntimeError, code="numscript_invalid_account"):
    pass


class InvalidColor(NumscriptRuntimeError, code="numscript_invalid_color"):
    pass


class UnknownFunction(NumscriptRuntimeError, code="numscript_unknown_function"):
    pass


class InvalidArguments(NumscriptRuntimeError, code="numscript_invalid_arguments"):
    pass
