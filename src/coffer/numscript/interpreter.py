"""Running a compiled Numscript program against a read-only view of balances and metadata."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Protocol, TypeVar, runtime_checkable

from coffer.errors import MetadataOverride
from coffer.numscript.errors import (
    FeatureDisabled,
    InvalidArguments,
    InvalidColor,
    MetadataNotFound,
    MissingVariable,
    NegativeBalance,
    NumscriptRuntimeError,
    UnknownFunction,
)
from coffer.numscript.expressions import (
    Expr,
    FnCall,
    Node,
    expect_account,
    expect_asset,
    expect_monetary,
    expect_string,
    type_error,
)
from coffer.numscript.flags import (
    FLAG_GET_AMOUNT_FUNCTION,
    FLAG_GET_ASSET_FUNCTION,
    FLAG_MID_SCRIPT_FUNCTION_CALL,
    FLAG_OVERDRAFT_FUNCTION,
)
from coffer.numscript.limits import Measure
from coffer.numscript.statements import CallStatement, Statement, VarDecl
from coffer.numscript.values import (
    COLOR_RE,
    Account,
    AssetName,
    Monetary,
    Text,
    Value,
    colored_asset,
    parse_variable,
    render,
    scaled_asset,
    split_asset,
)

WORLD = "world"

A = TypeVar("A")
B = TypeVar("B")
_T_co = TypeVar("_T_co", covariant=True)


@runtime_checkable
class Store(Protocol):
    """The read-only view of the ledger a program runs against."""

    def balance(self, account: str, asset: str) -> int:
        """Current balance (may be negative); 0 when unknown."""
        ...

    def account_metadata(self, account: str, key: str) -> str | None:
        """The metadata value, or None when missing."""
        ...


class ScalingStore(Store, Protocol):
    """A store that can also list the balances of every scale of an asset (asset scaling)."""

    def scaled_balances(self, account: str, code: str) -> Mapping[str, int]:
        """Balances of ``account`` in every asset ``CODE`` or ``CODE/n`` (uncolored)."""
        ...


@dataclass(frozen=True, slots=True)
class PostingOut:
    """One posting produced by a program.

    ``asset`` is the ledger asset; with the asset-colors feature a colored posting has
    ``asset`` ``COIN_RED`` and ``color`` ``RED``.
    """

    source: str
    destination: str
    amount: int
    asset: str
    color: str = ""


@dataclass(slots=True)
class ExecutionResult:
    postings: list[PostingOut]
    tx_metadata: dict[str, str] = field(default_factory=dict)
    account_metadata: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(slots=True, eq=False)
class Program:
    """A parsed and compiled program; build it with :func:`coffer.numscript.parse`."""

    text: str
    feature_flags: frozenset[str]  # from #![feature(...)] pragmas
    vars: list[VarDecl]
    statements: list[Statement]
    measure: Measure | None = None  # size, nesting and width, checked against limits


_Entry = tuple[str, str, str, int]  # (account, ledger asset, color, amount)


class State:
    """Everything a running program reads and writes."""

    __slots__ = (
        "_base",
        "_delta",
        "_head",
        "_queue",
        "account_metadata",
        "asset",
        "flags",
        "postings",
        "store",
        "tx_metadata",
        "vars",
    )

    def __init__(self, store: Store, flags: frozenset[str]) -> None:
        self.store = store
        self.flags = flags
        self.vars: dict[str, Value] = {}
        self.asset = ""
        self.postings: list[PostingOut] = []
        self.tx_metadata: dict[str, str] = {}
        self.account_metadata: dict[str, dict[str, str]] = {}
        self._base: dict[tuple[str, str], int] = {}
        self._delta: dict[tuple[str, str], int] = {}
        self._queue: list[_Entry] = []
        self._head = 0

    # ---------------------------------------------------------------- balances

    def balance(self, account: str, asset: str) -> int:
        key = (account, asset)
        base = self._base.get(key)
        if base is None:
            base = self._base[key] = self.store.balance(account, asset)
        return base + self._delta.get(key, 0)

    def set_balance(self, account: str, asset: str, amount: int) -> None:
        key = (account, asset)
        self._delta[key] = self._delta.get(key, 0) + amount - self.balance(account, asset)

    def ledger_asset(self, color: str) -> str:
        return colored_asset(self.asset, color) if color else self.asset

    def color(self, expr: Expr | None) -> str:
        if expr is None:
            return ""
        from coffer.numscript.flags import FLAG_ASSET_COLORS

        self.need(FLAG_ASSET_COLORS, expr)
        color = expect_string(self, expr)
        if not COLOR_RE.match(color):
            raise InvalidColor(
                f"invalid color {color!r}: colors are made of capital letters",
                line=expr.line,
                column=expr.column,
            )
        return color

    # ---------------------------------------------------------------- funds queue

    def start_send(self) -> None:
        self._queue = []
        self._head = 0

    def push(self, account: str, color: str, amount: int) -> None:
        if amount == 0:
            return
        asset = colored_asset(self.asset, color) if color else self.asset
        key = (account, asset)
        self._delta[key] = self._delta.get(key, 0) - amount
        queue = self._queue
        if len(queue) > self._head:
            last = queue[-1]
            if last[0] == account and last[2] == color:
                queue[-1] = (account, asset, color, last[3] + amount)
                return
        queue.append((account, asset, color, amount))

    def pull(self, destination: str | None, amount: int) -> None:
        """Give ``amount`` from the queued senders to ``destination`` (None: kept)."""
        queue = self._queue
        head = self._head
        delta = self._delta
        postings = self.postings
        while amount > 0 and head < len(queue):
            account, asset, color, available = queue[head]
            if available <= amount:
                taken = available
                head += 1
            else:
                taken = amount
                queue[head] = (account, asset, color, available - amount)
            amount -= taken
            key = (account if destination is None else destination, asset)
            delta[key] = delta.get(key, 0) + taken
            if destination is not None:
                postings.append(PostingOut(account, destination, taken, asset, color))
        self._head = head

    def snapshot(self) -> tuple[list[_Entry], int, dict[tuple[str, str], int], int]:
        return (list(self._queue), self._head, dict(self._delta), len(self.postings))

    def restore(self, saved: tuple[list[_Entry], int, dict[tuple[str, str], int], int]) -> None:
        self._queue, self._head, self._delta, count = saved
        del self.postings[count:]

    # ---------------------------------------------------------------- asset scaling

    def convert_scales(self, account: str, through: str, amount: int | None, node: Node) -> None:
        """Convert other scales of the sent asset into it, through ``through``."""
        if account == WORLD:
            raise NumscriptRuntimeError(
                "@world cannot be scaled: its balance is unbounded",
                line=node.line,
                column=node.column,
            )
        code, scale = split_asset(self.asset)
        listing = getattr(self.store, "scaled_balances", None)
        if listing is None:
            raise NumscriptRuntimeError(
                "this store cannot list balances by scale, so asset scaling is unavailable",
                line=node.line,
                column=node.column,
            )
        assets = set(listing(account, code))
        assets.update(a for (acc, a) in self._delta if acc == account)
        scales: dict[int, int] = {}
        for asset in assets:
            asset_code, asset_scale = split_asset(asset)
            if asset_code == code:
                scales[asset_scale] = self.balance(account, asset)
        needed = amount
        if needed is not None:
            needed -= scales.get(scale, 0)
        total = 0
        conversions: list[tuple[int, int]] = []
        for other in sorted(scales, reverse=True):
            if other == scale:
                continue
            if needed is not None and total >= needed:
                break
            factor = Fraction(10) ** (scale - other)
            available = scales[other] * factor.numerator // factor.denominator
            taken = available if needed is None else min(available, needed - total)
            if taken <= 0:
                continue
            units = -(-taken * factor.denominator // factor.numerator)  # ceiling
            total += units * factor.numerator // factor.denominator
            conversions.append((other, units))
        if not conversions or (needed is not None and total < needed):
            return  # nothing to convert, or not enough: the plain send reports missing funds
        # Both sides of each conversion move: the statements after this one see the
        # account's and the swap account's balances, in every scale, as they now are.
        delta = self._delta
        for other, units in conversions:
            asset = scaled_asset(code, other)
            self.postings.append(PostingOut(account, through, units, asset))
            delta[(account, asset)] = delta.get((account, asset), 0) - units
            delta[(through, asset)] = delta.get((through, asset), 0) + units
        if total:
            self.postings.append(PostingOut(through, account, total, self.asset))
            delta[(account, self.asset)] = delta.get((account, self.asset), 0) + total
            delta[(through, self.asset)] = delta.get((through, self.asset), 0) - total

    # ---------------------------------------------------------------- functions

    def need(self, flag: str, node: Node) -> None:
        if flag not in self.flags:
            raise FeatureDisabled(
                f"this feature is experimental: enable the feature flag {flag!r}",
                line=node.line,
                column=node.column,
                flag=flag,
            )

    def call(self, call: FnCall, type_: str | None) -> Value:
        """Evaluate a function call in an expression (``type_``: declared type of its var)."""
        if not call.origin:
            self.need(FLAG_MID_SCRIPT_FUNCTION_CALL, call)
        name = call.name
        if name == "meta":
            if type_ is None:
                raise InvalidArguments(
                    "meta() can only be the origin of a variable, e.g. "
                    'account $seller = meta(@sale, "seller")',
                    line=call.line,
                    column=call.column,
                )
            account, key = self._args2(call, expect_account, expect_string)
            raw = self.store.account_metadata(account, key)
            if raw is None:
                raise MetadataNotFound(
                    f"account @{account} has no metadata {key!r}",
                    line=call.line,
                    column=call.column,
                    account=account,
                    key=key,
                )
            return parse_variable(type_, raw, f"{account}.{key}")
        if name == "balance":
            account, asset = self._args2(call, expect_account, expect_asset)
            balance = self.balance(account, asset)
            if balance < 0:
                raise NegativeBalance(
                    f"balance() of @{account} in {asset} is negative ({balance}); "
                    "use overdraft() to read debts",
                    line=call.line,
                    column=call.column,
                )
            return Monetary(asset, balance)
        if name == "overdraft":
            self.need(FLAG_OVERDRAFT_FUNCTION, call)
            account, asset = self._args2(call, expect_account, expect_asset)
            balance = self.balance(account, asset)
            return Monetary(asset, -balance if balance < 0 else 0)
        if name == "get_asset":
            self.need(FLAG_GET_ASSET_FUNCTION, call)
            return AssetName(self._arg1(call).asset)
        if name == "get_amount":
            self.need(FLAG_GET_AMOUNT_FUNCTION, call)
            return self._arg1(call).amount
        raise UnknownFunction(f"unknown function {name}()", line=call.line, column=call.column)

    def call_statement(self, call: CallStatement) -> None:
        name = call.name
        args = call.args
        if name == "set_tx_meta":
            self._arity(call, 2)
            key = expect_string(self, args[0])
            self.tx_metadata[key] = render(args[1].eval(self))
        elif name == "set_account_meta":
            self._arity(call, 3)
            account = expect_account(self, args[0])
            key = expect_string(self, args[1])
            value = render(args[2].eval(self))
            self.account_metadata.setdefault(account, {})[key] = value
        else:
            raise UnknownFunction(
                f"unknown statement {name}(): expected set_tx_meta or set_account_meta",
                line=call.line,
                column=call.column,
            )

    def _arity(self, call: FnCall | CallStatement, count: int) -> None:
        if len(call.args) != count:
            raise InvalidArguments(
                f"{call.name}() takes {count} arguments, got {len(call.args)}",
                line=call.line,
                column=call.column,
            )

    def _args2(
        self,
        call: FnCall,
        first: _Expect[A],
        second: _Expect[B],
    ) -> tuple[A, B]:
        self._arity(call, 2)
        return first(self, call.args[0]), second(self, call.args[1])

    def _arg1(self, call: FnCall) -> Monetary:
        self._arity(call, 1)
        return expect_monetary(self, call.args[0])


class _Expect(Protocol[_T_co]):
    def __call__(self, st: State, expr: Expr, /) -> _T_co: ...


def execute(
    program: Program,
    vars: Mapping[str, str] | None = None,
    store: Store | None = None,
    feature_flags: frozenset[str] | set[str] = frozenset(),
) -> ExecutionResult:
    """Run ``program`` and return its postings and metadata writes.

    ``vars`` gives the value of every variable declared without an origin, as strings
    parsed by the variable's type (``"USD/2 100"``, ``"users:42"``, ``"1/3"``, ``"42"``).
    Raises a :class:`coffer.errors.NumscriptError` subclass on failure.
    """
    flags = program.feature_flags.union(feature_flags) if program.feature_flags else feature_flags
    st = State(store if store is not None else _EMPTY_STORE, frozenset(flags))
    given = vars or {}
    for decl in program.vars:
        if decl.origin is None:
            raw = given.get(decl.name)
            if raw is None:
                raise MissingVariable(
                    f"the variable ${decl.name} ({decl.type}) was not given a value",
                    line=decl.line,
                    column=decl.column,
                    variable=decl.name,
                )
            if not isinstance(raw, str):
                raw = str(raw)
            st.vars[decl.name] = parse_variable(decl.type, raw, decl.name)
        else:
            st.vars[decl.name] = _origin(st, decl)
    for statement in program.statements:
        statement.run(st)
    return ExecutionResult(st.postings, st.tx_metadata, st.account_metadata)


def _origin(st: State, decl: VarDecl) -> Value:
    origin = decl.origin
    assert origin is not None
    value = st.call(origin, decl.type) if isinstance(origin, FnCall) else origin.eval(st)
    _check_type(decl, value)
    return value


def _check_type(decl: VarDecl, value: Value) -> None:
    expected = decl.type
    ok = {
        "account": lambda v: isinstance(v, Account),
        "asset": lambda v: isinstance(v, AssetName),
        "string": lambda v: isinstance(v, Text),
        "number": lambda v: type(v) is int,
        "monetary": lambda v: isinstance(v, Monetary),
        "portion": lambda v: isinstance(v, Fraction),
    }.get(expected)
    if ok is not None and not ok(value):
        raise type_error(decl, expected, value)


class _EmptyStore:
    def balance(self, account: str, asset: str) -> int:
        return 0

    def account_metadata(self, account: str, key: str) -> str | None:
        return None

    def scaled_balances(self, account: str, code: str) -> Mapping[str, int]:
        return {}


_EMPTY_STORE = _EmptyStore()


def merge_tx_metadata(
    script_metadata: Mapping[str, str], request_metadata: Mapping[str, str]
) -> dict[str, str]:
    """Merge the metadata a script set with the metadata of the request that ran it.

    Like Formance, a key set by both is an error (:class:`coffer.errors.MetadataOverride`,
    ``METADATA_OVERRIDE``).
    """
    clashes = sorted(set(script_metadata) & set(request_metadata))
    if clashes:
        raise MetadataOverride(
            f"the script sets the transaction metadata {', '.join(map(repr, clashes))} "
            "that the request also sets; remove it from one of them",
            keys=clashes,
        )
    return {**request_metadata, **script_metadata}
