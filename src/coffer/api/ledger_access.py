"""Who may do what on which ledger through the public ledger API (one place).

- A ledger belongs to a platform: a client of another platform gets 404 on every route of
  it, exactly like an unknown ledger, and never sees it in lists.
- System ledgers (those Coffer's own domains write: every platform's wallets ledger, and
  those fx, automations or risk write) are readable with ``ledger:read``; writes are
  refused (403 ``system_ledger_write``) unless the client holds ``ledger:admin``, and an
  admin write is recorded in the audit log. Even then it goes through the same checks:
  ``force`` and overdraft grants are never allowed on a system ledger.
- ``force`` (skip the balance checks) and overdraft grants in a transaction (Numscript
  ``allowing overdraft``) need ``ledger:force`` (403 ``force_not_allowed``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from coffer.core import Coffer
from coffer.errors import ForceNotAllowed, LedgerNotFound, SystemLedgerWrite
from coffer.identity.audit import record_now
from coffer.platforms import DEFAULT_PLATFORM_ID

ADMIN_SCOPE = "ledger:admin"
FORCE_SCOPE = "ledger:force"
MAX_NODES_WALKED = 100_000  # a script's syntax tree is bounded by the script's size limit


def _platform(principal: Any) -> str:
    return str(getattr(principal, "platform_id", None) or DEFAULT_PLATFORM_ID)


def _scopes(principal: Any) -> frozenset[str]:
    return frozenset(getattr(principal, "scopes", ()) or ())


def check_ledger(
    coffer: Coffer,
    principal: Any,
    name: str,
    *,
    write: bool,
    scope: Any = None,
) -> None:
    """Refuse ``principal`` the ledger ``name``: LedgerNotFound when it belongs to another
    platform, SystemLedgerWrite for a write to a system ledger without ``ledger:admin``.
    A ledger that does not exist passes (the route answers as it does for one). ``scope``
    (the ASGI request's) names the route and address in the audit log of an admin write."""
    owner = coffer.ledger_owner(name)
    if owner is None:
        return
    platform_id, system = owner
    if platform_id != _platform(principal):
        raise LedgerNotFound(f"ledger {name!r} does not exist")
    if not (write and system):
        return
    if ADMIN_SCOPE not in _scopes(principal):
        raise SystemLedgerWrite(
            f"ledger {name!r} is a system ledger (Coffer's domains write it): it is read-only"
            " through the ledger API; move wallet money through the wallets API"
        )
    client = scope.get("client") if scope else None
    what = f"{scope.get('method', '')} {scope.get('path', '')}" if scope else ""
    record_now(
        coffer.engine,
        actor=str(getattr(principal, "client_id", "unknown")),
        action="ledger.admin_write",
        target=name,
        address=client[0] if client else None,
        details={"request": what[:200]},
    )


def is_system(coffer: Coffer, name: str) -> bool:
    owner = coffer.ledger_owner(name)
    return owner is not None and owner[1]


def check_force(coffer: Coffer, principal: Any, name: str) -> None:
    """Refuse a forced transaction, or one granting an overdraft, unless the client holds
    ``ledger:force`` and the ledger is not a system ledger."""
    if is_system(coffer, name):
        raise ForceNotAllowed(
            f"ledger {name!r} is a system ledger: force and overdraft grants are never"
            " allowed on it"
        )
    if FORCE_SCOPE not in _scopes(principal):
        raise ForceNotAllowed(
            "force and overdraft grants skip the balance checks: they need the"
            f" {FORCE_SCOPE!r} scope"
        )


def script_grants_overdraft(program: Any) -> bool:
    """Whether a parsed Numscript program lets a source go below zero (``allowing
    overdraft up to`` or ``allowing unbounded overdraft``)."""
    from coffer.numscript.nodes import AccountSource

    stack: list[Any] = [program]
    walked = 0
    while stack and walked < MAX_NODES_WALKED:
        node = stack.pop()
        walked += 1
        if isinstance(node, AccountSource) and (node.unbounded or node.overdraft is not None):
            return True
        if isinstance(node, list | tuple):
            stack.extend(node)
        elif dataclasses.is_dataclass(node) and not isinstance(node, type):
            stack.extend(getattr(node, field.name) for field in dataclasses.fields(node))
    return walked >= MAX_NODES_WALKED  # too big to tell: treat as granting


def principal_of(request: Any) -> Any:
    """The caller bound to ``request`` by the auth dependency."""
    return getattr(request.state, "principal", None)
