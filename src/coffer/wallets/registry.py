"""A registry of named hooks another domain fills (movement checks, earners): registered in
order, one per name, read without a lock (an immutable tuple swapped under one); and what
every hook is told of the movement it sees."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar


@dataclass(frozen=True, slots=True)
class MovementFacts:
    """What every money movement a hook sees is: its kind and id, the platform, the wallet
    it moves and that wallet's customer, the amount (minor units) and its currency."""

    kind: str
    id: str
    platform_id: str
    wallet_id: str
    customer_id: str | None
    amount: int
    currency: str


class Named(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=Named)


class Registry(Generic[T]):
    def __init__(self) -> None:
        self._items: tuple[T, ...] = ()
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return bool(self._items)

    @property
    def names(self) -> list[str]:
        return [item.name for item in self._items]

    def register(self, item: T) -> None:
        """Add ``item`` (one of the same name is replaced)."""
        with self._lock:
            kept = tuple(i for i in self._items if i.name != item.name)
            self._items = (*kept, item)

    def unregister(self, name: str) -> None:
        with self._lock:
            self._items = tuple(i for i in self._items if i.name != name)

    def get(self, name: str) -> T | None:
        for item in self._items:
            if item.name == name:
                return item
        return None
