"""The online check in a process of its own (``COFFER_RISK_CHECK_PROCESS``).

The check is CPU work in Python (features, model, rules, the decision's rows): in the process
that writes the movements it holds the interpreter lock that the ledger write needs too. With
the setting on, a child process owns the feature state and decides every movement; the
process that moves money hands it each batch of movements and waits for the verdicts (not
holding the lock), so one batch's decisions are computed on the other core while other
threads write theirs.

Nothing else changes: the child runs the same :class:`~coffer.risk.online.service.RiskService`
code on the same database (rules, lists, model versions, screening) and decides batches one
at a time, in the order they arrive, so each decision is the one the in-process check would
have made in that order. Its verdicts come back with their rows and events, which the
wallets domain stores with the movements as before; the child writes nothing. It applies
what it lets through to its feature state at once (as the in-process check does) and reads
the observations other processes stored at most every :data:`CATCH_UP_SECONDS`; customers
observed here are handed to it directly.

The process that moves money keeps its own state for what else reads it (snapshots, the
model summary), caught up from the observations table like any other process.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from coffer.risk.events import Customer
from coffer.risk.online import tables as T
from coffer.settings import Settings
from coffer.wallets.checks import Movement, Verdict

if TYPE_CHECKING:
    from coffer.wallets.platform import WalletPlatform
    from coffer.wallets.settings import WalletSettings

log = logging.getLogger(__name__)
CATCH_UP_SECONDS = 1.0  # the child reads other processes' observations at most this often
START_SECONDS = 300.0  # the child imports, opens the database and replays the state
TABLES: dict[str, sa.Table] = {
    table.name: table for table in (T.decisions, T.observations, T.cases, T.screening_hits)
}

_CHILD = "import sys; from coffer.risk.online.process import serve; serve(int(sys.argv[1]))"
_Fields = tuple[Any, ...]  # a movement, as sent: its fields in order
_Portable = tuple[Any, ...]  # a verdict, as sent back (its tables by name)


def supported(url: str) -> bool:
    """Whether a child process can open the database of ``url`` (not an in-memory one)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return True
    return parsed.database not in (None, "", ":memory:") and "mode=memory" not in url


class DecisionProcess:
    """The child process deciding the movements of one database (see the module doc)."""

    def __init__(self, url: str, settings: Settings, wallet_settings: WalletSettings) -> None:
        # a new interpreter running this module (not multiprocessing's spawn: it would import
        # the caller's main module again), talking over a socket pair
        ours, theirs = socket.socketpair()
        self._process = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
        )
        theirs.close()
        self._connection = Connection(ours.detach())
        self._lock = threading.Lock()
        child_settings = settings.model_copy(update={"risk_check_process": False})
        self._connection.send((url, child_settings, wallet_settings))
        if not self._connection.poll(START_SECONDS):
            self.close()
            raise RuntimeError("the risk check process did not start")
        self._answer(self._connection.recv())

    def check(self, movements: Sequence[Movement]) -> list[Verdict]:
        """The child's verdicts on ``movements`` (one batch, decided in order)."""
        request = ("check", [_fields(movement) for movement in movements])
        with self._lock:
            self._connection.send(request)
            reply = self._connection.recv()
        return [_verdict(item) for item in self._answer(reply)]

    def observe(self, customer: Customer, key: str) -> None:
        """Feed an onboarded customer to the child's state (stored by the caller)."""
        with self._lock:
            self._connection.send(("observe", (customer, key)))
            self._answer(self._connection.recv())

    def close(self) -> None:
        with self._lock:
            if self._process.poll() is None:
                with contextlib.suppress(OSError):
                    self._connection.send(("stop", None))
                try:
                    self._process.wait(10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait(5)
            self._connection.close()

    @staticmethod
    def _answer(reply: tuple[str, Any]) -> Any:
        status, value = reply
        if status != "ok":
            raise RuntimeError(f"the risk check process failed: {value}")
        return value


_MOVEMENT_FIELDS = (
    "kind",
    "id",
    "platform_id",
    "wallet_id",
    "customer_id",
    "amount",
    "currency",
    "counterparty",
    "counterparty_name",
    "card_fingerprint",
    "context",
    "at",
)


def _fields(movement: Movement) -> _Fields:
    return tuple(
        dict(movement.context) if name == "context" else getattr(movement, name)
        for name in _MOVEMENT_FIELDS
    )


_VERDICT_FIELDS = (
    "outcome",
    "decision_id",
    "score",
    "reasons",
    "review_deadline_micros",
    "writes",
    "events",
)


def _portable(verdict: Verdict) -> _Portable:
    return tuple(
        tuple((table.name, dict(row)) for table, row in verdict.writes)
        if name == "writes"
        else getattr(verdict, name)
        for name in _VERDICT_FIELDS
    )


def _verdict(item: _Portable) -> Verdict:
    fields = dict(zip(_VERDICT_FIELDS, item, strict=True))
    fields["writes"] = tuple((TABLES[name], row) for name, row in fields["writes"])
    return Verdict(check="risk", **fields)


def serve(fd: int) -> None:
    """The child, on the socket ``fd``: open the database, restore the state, then answer
    requests until told to stop (or the parent is gone)."""
    connection = Connection(fd)
    url, settings, wallet_settings = connection.recv()
    import coffer
    from coffer.risk.online.service import RiskService
    from coffer.risk.online.state import observation_key
    from coffer.wallets import open_wallets

    try:
        book = coffer.open(url, settings=settings)
        wallets: WalletPlatform = open_wallets(book, wallet_settings)
        service = RiskService(wallets, settings)
    except Exception as error:  # reported to the parent, which refuses to start
        log.exception("risk check process: cannot start")
        connection.send(("error", repr(error)))
        return
    connection.send(("ok", None))
    caught_up = time.monotonic()
    try:
        while True:
            try:
                kind, payload = connection.recv()
            except EOFError:
                return
            if kind == "stop":
                return
            try:
                if kind == "check":
                    if time.monotonic() - caught_up >= CATCH_UP_SECONDS:
                        service.catch_up()
                        caught_up = time.monotonic()
                    movements = [
                        Movement(**dict(zip(_MOVEMENT_FIELDS, f, strict=True))) for f in payload
                    ]
                    verdicts = service.check_here(movements)
                    connection.send(("ok", [_portable(verdict) for verdict in verdicts]))
                else:
                    customer, key = payload
                    assert observation_key(customer) == key
                    service.online.observe(customer, own_key=key)
                    connection.send(("ok", None))
            except Exception as error:
                log.exception("risk check process: %s failed", kind)
                connection.send(("error", repr(error)))
    finally:
        book.close()
