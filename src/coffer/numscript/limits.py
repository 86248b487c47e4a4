"""Bounds on what one Numscript program may be: its size, nesting and allotment width.

A program is checked against them when it is parsed (:func:`coffer.numscript.parse`), so
a script that would take seconds to compile or run, or exhaust the interpreter's stack,
is refused with :class:`NumscriptLimitExceeded` before any of its statements run. The
work a program does when it runs is proportional to its syntax tree, so bounding the tree
bounds the time one script can hold its ledger's sequencer (and the interpreter's lock).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from lark import Token, Tree

from coffer.numscript.errors import NumscriptLimitExceeded

if TYPE_CHECKING:
    from coffer.settings import Settings


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds a program is checked against (the ledger takes them from ``Settings``)."""

    max_source_bytes: int = 16_384
    """Largest program text, in UTF-8 bytes."""
    max_nesting: int = 64
    """Deepest nesting of blocks and expressions (each ``{`` block, ``max`` clause,
    operator, monetary or function call is one level; parentheses add none)."""
    max_allotment_parts: int = 256
    """Most portions in one allotment (source or destination)."""
    max_nodes: int = 10_000
    """Most syntax nodes in one program: bounds the work of compiling and running it."""


DEFAULT_LIMITS: Final = Limits()


def script_limits(settings: Settings) -> Limits:
    """The limits ``settings`` sets (``numscript_max_*``)."""
    return Limits(
        max_source_bytes=settings.numscript_max_source_bytes,
        max_nesting=settings.numscript_max_nesting,
        max_allotment_parts=settings.numscript_max_allotment_parts,
        max_nodes=settings.numscript_max_nodes,
    )


@dataclass(frozen=True, slots=True)
class Measure:
    """What a parsed program measures, kept with it so a cached program is checked again
    against the (possibly smaller) limits of the next caller."""

    source_bytes: int
    nesting: int
    nodes: int
    widest_allotment: int


def check_source_size(text: str, limits: Limits) -> int:
    """The size of ``text`` in bytes; raises when it is past the limit."""
    size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_source_bytes:
        raise NumscriptLimitExceeded(
            f"the program is {size} bytes long; at most {limits.max_source_bytes} are "
            "accepted (setting numscript_max_source_bytes)",
            limit="numscript_max_source_bytes",
        )
    return size


def check_shape(nesting: int, nodes: int, limits: Limits) -> None:
    """Raise when a syntax tree is nested deeper or is larger than the limits allow."""
    if nesting > limits.max_nesting:
        raise NumscriptLimitExceeded(
            f"the program nests blocks or expressions {nesting} levels deep; at most "
            f"{limits.max_nesting} are accepted (setting numscript_max_nesting)",
            limit="numscript_max_nesting",
        )
    if nodes > limits.max_nodes:
        raise NumscriptLimitExceeded(
            f"the program has {nodes} syntax nodes; at most {limits.max_nodes} are "
            "accepted (setting numscript_max_nodes): split it into several transactions",
            limit="numscript_max_nodes",
        )


def check_allotment(parts: int, limits: Limits, line: int = 0, column: int = 0) -> None:
    """Raise when one allotment has more portions than the limit."""
    if parts > limits.max_allotment_parts:
        where = f"{line}:{column}: " if line else ""
        raise NumscriptLimitExceeded(
            f"{where}an allotment of {parts} portions; at most {limits.max_allotment_parts} "
            "are accepted (setting numscript_max_allotment_parts)",
            limit="numscript_max_allotment_parts",
        )


def check_measure(measure: Measure, limits: Limits) -> None:
    """Check a program measured before against ``limits``."""
    if measure.source_bytes > limits.max_source_bytes:
        raise NumscriptLimitExceeded(
            f"the program is {measure.source_bytes} bytes long; at most "
            f"{limits.max_source_bytes} are accepted (setting numscript_max_source_bytes)",
            limit="numscript_max_source_bytes",
        )
    check_shape(measure.nesting, measure.nodes, limits)
    check_allotment(measure.widest_allotment, limits)


_NESTING_RULES: Final = frozenset(
    {
        "source_block", "source_capped", "source_oneof", "source_allotment_item",
        "destination_block", "destination_oneof", "to_destination", "infix", "negate",
        "monetary", "fn_call", "color", "bounded_overdraft",
    }
)  # fmt: skip


def measure_tree(tree: Tree[Token]) -> tuple[int, int]:
    """The nesting depth (levels of blocks and expressions) and the node count of a parse
    tree, measured without recursion so that no input can exhaust the stack."""
    deepest = 0
    nodes = 0
    stack: list[tuple[Tree[Token], int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if node.data in _NESTING_RULES:
            depth += 1
            if depth > deepest:
                deepest = depth
        for child in node.children:
            if isinstance(child, Tree):
                stack.append((child, depth))
            else:
                nodes += 1
    return deepest, nodes
