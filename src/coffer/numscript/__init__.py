"""Numscript, the money language of the Formance ledger, in pure Python.

>>> from coffer.numscript import parse, execute
>>> program = parse("send [USD/2 100] (source = @world destination = @alice)")
>>> execute(program).postings
[PostingOut(source='world', destination='alice', amount=100, asset='USD/2', color='')]
"""

from coffer.numscript.checker import Diagnostic, check
from coffer.numscript.errors import (
    MissingFunds,
    NegativeAmount,
    NumscriptCompileError,
    NumscriptError,
    NumscriptRuntimeError,
    NumscriptSyntaxError,
)
from coffer.numscript.flags import FEATURE_FLAGS
from coffer.numscript.interpreter import (
    ExecutionResult,
    PostingOut,
    Program,
    ScalingStore,
    Store,
    execute,
    merge_tx_metadata,
)
from coffer.numscript.parser import parse

__all__ = [
    "FEATURE_FLAGS",
    "Diagnostic",
    "ExecutionResult",
    "MissingFunds",
    "NegativeAmount",
    "NumscriptCompileError",
    "NumscriptError",
    "NumscriptRuntimeError",
    "NumscriptSyntaxError",
    "PostingOut",
    "Program",
    "ScalingStore",
    "Store",
    "check",
    "execute",
    "merge_tx_metadata",
    "parse",
]
