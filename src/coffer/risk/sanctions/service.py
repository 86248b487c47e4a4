"""Sanctions screening: load lists into the database, screen names against them.

``load_list`` reads a list file (or URL) and replaces the stored version of that list in
one transaction. A :class:`Screener` keeps an in-memory index of every loaded list and
rebuilds it when a list's version changes in the database (checked at most every
``refresh_seconds``), so one process serves screening at memory speed while another loads
new lists.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterable
from pathlib import Path

import sqlalchemy as sa

from coffer.ledger.models import now_micros
from coffer.risk.sanctions import repository
from coffer.risk.sanctions.loaders import fetched, file_checksum, parse_file
from coffer.risk.sanctions.matcher import DEFAULT_THRESHOLD, Index
from coffer.risk.sanctions.models import ListInfo, Match, Subject

DEFAULT_REFRESH_SECONDS = 5.0
DEFAULT_MATCH_LIMIT = 10


def load_list(engine: sa.Engine, location: str, *, list_format: str | None = None) -> ListInfo:
    """Read the list at ``location`` (a path or an http(s) URL) and store it in place of
    the previous version of the same list. Returns what is now loaded."""
    with fetched(location) as path:
        parsed = parse_file(Path(path), list_format)
        checksum = file_checksum(Path(path))
    with engine.begin() as connection:
        return repository.replace_list(
            connection, parsed, source=location, checksum=checksum, loaded_at=now_micros()
        )


def loaded_lists(engine: sa.Engine) -> list[ListInfo]:
    """What is loaded: one row per list."""
    with engine.connect() as connection:
        return repository.list_infos(connection)


class Screener:
    """Screens names against the lists stored in one database."""

    def __init__(self, engine: sa.Engine, *, refresh_seconds: float = DEFAULT_REFRESH_SECONDS):
        self.engine = engine
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._index: Index | None = None
        self._versions: tuple[tuple[str, str, int, str], ...] | None = None
        self._checked_at = float("-inf")

    @property
    def lists(self) -> tuple[tuple[str, str, int, str], ...]:
        """(list, version, loaded_at, checksum) of the lists the index holds."""
        self.index()
        return self._versions or ()

    def index(self) -> Index:
        """The index of the loaded lists, rebuilt when the stored lists changed."""
        now = time.monotonic()
        index = self._index
        if index is not None and now - self._checked_at < self.refresh_seconds:
            return index
        with self._lock:
            if self._index is not None and now - self._checked_at < self.refresh_seconds:
                return self._index
            with self.engine.connect() as connection:
                infos = repository.list_infos(connection)
                versions = tuple((i.list_name, i.version, i.loaded_at, i.checksum) for i in infos)
                if self._index is None or versions != self._versions:
                    entries = list(
                        repository.read_entries(connection, [i.list_name for i in infos])
                    )
                    self._index = Index(entries)
                    self._versions = versions
            self._checked_at = time.monotonic()
            return self._index

    def screen(
        self,
        subject: Subject,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        limit: int = DEFAULT_MATCH_LIMIT,
    ) -> list[Match]:
        """The list entries that match ``subject`` with a score >= ``threshold``, best
        first."""
        return self.index().screen(subject, threshold=threshold, limit=limit)

    def screen_many(
        self,
        subjects: Iterable[Subject],
        *,
        threshold: float = DEFAULT_THRESHOLD,
        limit: int = DEFAULT_MATCH_LIMIT,
    ) -> list[list[Match]]:
        index = self.index()
        return [index.screen(s, threshold=threshold, limit=limit) for s in subjects]


_SCREENERS: weakref.WeakKeyDictionary[sa.Engine, Screener] = weakref.WeakKeyDictionary()
_SCREENERS_LOCK = threading.Lock()


def screener_for(engine: sa.Engine) -> Screener:
    """The process's screener of ``engine``'s database (created on first use)."""
    with _SCREENERS_LOCK:
        screener = _SCREENERS.get(engine)
        if screener is None:
            screener = Screener(engine)
            _SCREENERS[engine] = screener
        return screener


def screen_name(
    engine: sa.Engine,
    name: str,
    *,
    kind: str | None = None,
    birth_date: str | None = None,
    country: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = DEFAULT_MATCH_LIMIT,
) -> list[Match]:
    """Screen one name (the online path: onboarding, name changes, payout beneficiaries)."""
    subject = Subject(name=name, kind=kind, birth_date=birth_date, country=country)
    return screener_for(engine).screen(subject, threshold=threshold, limit=limit)
