"""Source nodes: where a ``send`` takes its funds from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from coffer.numscript.allotments import Allotment
from coffer.numscript.errors import MissingFunds, UnboundedSendAll
from coffer.numscript.expressions import Expr, Node, expect_account, expect_amount_of_asset
from coffer.numscript.flags import FLAG_ASSET_SCALING, FLAG_ONEOF

if TYPE_CHECKING:
    from coffer.numscript.interpreter import State


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
class OneAccountSource(Source):
    """A source that takes from one account (in ``color``, when given)."""

    account: Expr
    color: Expr | None


@dataclass(slots=True, eq=False)
class AccountSource(OneAccountSource):
    unbounded: bool
    overdraft: Expr | None

    def _overdraft(self, st: State, account: str) -> int | None:
        if self.unbounded or account == "world":
            return None
        if self.overdraft is None:
            return 0
        limit = expect_amount_of_asset(st, self.overdraft)
        return limit if limit > 0 else 0

    def _funds(self, st: State) -> tuple[str, str, int | None]:
        """The account, the color sent, and what the account can give (None: no bound)."""
        account = expect_account(st, self.account)
        color = st.color(self.color)
        limit = self._overdraft(st, account)
        if limit is None:
            return account, color, None
        available = st.balance(account, st.ledger_asset(color)) + limit
        return account, color, available if available > 0 else 0

    def send_up_to(self, st: State, amount: int) -> int:
        account, color, available = self._funds(st)
        sent = amount if available is None or available >= amount else available
        st.push(account, color, sent)
        return sent

    def send_all(self, st: State) -> int:
        account, color, available = self._funds(st)
        if available is None:
            raise UnboundedSendAll(
                f"cannot send all from @{account}: its overdraft is unbounded, "
                "so the amount would be infinite",
                line=self.line,
                column=self.column,
            )
        st.push(account, color, available)
        return available

    def describe(self, st: State) -> str:
        try:
            return "@" + expect_account(st, self.account)
        except Exception:  # describing must never hide the original failure
            return self.label


@dataclass(slots=True, eq=False)
class ScalingSource(OneAccountSource):
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
