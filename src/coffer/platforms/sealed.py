"""The registry of columns whose values the master (PII) key seals directly.

``coffer keys rotate`` re-seals every such value under the new master key, and
``--drop-old`` removes a retired key only once no registered column holds a value sealed
by it. A domain that seals a column with the master cipher registers it here when its
table is defined (in its ``tables.py``), so the rotation knows it without importing the
domain by name (wallets cannot import automations)::

    from coffer.platforms.sealed import SealedColumn, register

    register(SealedColumn(automations, "id", "webhook_secret_enc", "automation.secret"))

:func:`registered` first imports every ``tables`` module of Coffer's packages, so a
rotation run from any entry point sees every domain's columns.

Likewise, a domain keeping personal data about the customer of a wallet it names (a
payment batch line paying a customer's wallet) registers that column as
:class:`WalletData`: erasing the customer blanks it (:func:`registered_wallet_data`).
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from dataclasses import dataclass

import sqlalchemy as sa

__all__ = [
    "SealedColumn",
    "WalletData",
    "register",
    "register_wallet_data",
    "registered",
    "registered_wallet_data",
]


@dataclass(frozen=True, slots=True)
class SealedColumn:
    """A column whose values the master key seals directly (no customer's data key), the
    column that identifies a row (``key_column``), and the context its values were sealed
    with (the associated data: a value moved to another column does not decrypt)."""

    table: sa.Table
    key_column: str
    column: str
    context: str
    # rows from before the column was sealed may hold the value in clear (no ':'): the
    # rotation seals them too
    legacy_plaintext: bool = False

    def plaintext(self, stored: str) -> bool:
        """Whether ``stored`` is such a value in clear (sealed ones are ``<key id>:...``)."""
        return self.legacy_plaintext and ":" not in stored

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column}"


@dataclass(frozen=True, slots=True)
class WalletData:
    """A column of a domain's table (with a ``platform_id``) holding personal data about
    the customer of the wallet named in ``wallet_column``: erasing that customer sets it to
    NULL (``coffer customers erase``), so no copy outlives the customer's data key."""

    table: sa.Table
    wallet_column: str
    column: str

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column}"


_columns: dict[str, SealedColumn] = {}
_wallet_data: dict[str, WalletData] = {}
_lock = threading.Lock()
_loaded = False


def register(column: SealedColumn) -> SealedColumn:
    """Add ``column`` to the registry (registering the same column again is a no-op)."""
    with _lock:
        _columns.setdefault(column.name, column)
    return column


def register_wallet_data(column: WalletData) -> WalletData:
    """Add ``column`` to the columns an erasure blanks (again: a no-op)."""
    with _lock:
        _wallet_data.setdefault(column.name, column)
    return column


def _import_every_domain() -> None:
    """Import the ``tables`` module of every package under ``coffer`` (where domains
    register their sealed columns)."""
    import coffer

    for info in pkgutil.walk_packages(coffer.__path__, "coffer.", onerror=lambda _: None):
        if info.name.rsplit(".", 1)[-1] == "tables":
            importlib.import_module(info.name)


def _load() -> None:
    global _loaded
    if not _loaded:
        _import_every_domain()
        _loaded = True


def registered() -> tuple[SealedColumn, ...]:
    """Every registered column, by name, once every domain's tables were imported."""
    _load()
    with _lock:
        return tuple(_columns[name] for name in sorted(_columns))


def registered_wallet_data() -> tuple[WalletData, ...]:
    """Every column an erasure blanks, by name, once every domain's tables were imported."""
    _load()
    with _lock:
        return tuple(_wallet_data[name] for name in sorted(_wallet_data))
