"""The migrations build exactly the schema the code's table definitions describe.

A table module is edited freely (shared column helpers, reordered declarations); the
migrations are frozen history. This test catches any difference between the two: a table,
column, type, nullability, index, unique constraint or foreign key that one has and the
other lacks.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import coffer


def _all_metadata() -> list[sa.MetaData]:
    """Every ``metadata`` of a ``tables`` module in the package."""
    found: dict[int, sa.MetaData] = {}
    for info in pkgutil.walk_packages(coffer.__path__, "coffer."):
        if not info.name.endswith(".tables"):
            continue
        metadata = getattr(importlib.import_module(info.name), "metadata", None)
        if isinstance(metadata, sa.MetaData):
            found[id(metadata)] = metadata
    return list(found.values())


def _concerns(diff: Any, names: set[str]) -> bool:
    """Whether a difference is about one of this metadata's own tables (each metadata
    describes only its domain: the others' tables are not "removed")."""
    if isinstance(diff, list):
        return any(_concerns(item, names) for item in diff)
    if diff[0] == "remove_table":
        return str(diff[1].name) in names
    for item in diff[1:]:
        table = getattr(item, "table", None)
        if getattr(table, "name", None) in names or (isinstance(item, str) and item in names):
            return True
    return False


def test_tables_are_found() -> None:
    names = {name for metadata in _all_metadata() for name in metadata.tables}
    assert {"transactions", "wallet_transfers", "risk_cases", "loyalty_movements"} <= names


def test_migrations_build_the_declared_schema(database_url: str) -> None:
    with coffer.open(database_url):
        pass
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = [
                diff
                for metadata in _all_metadata()
                for diff in compare_metadata(context, metadata)
                if _concerns(diff, set(metadata.tables))
            ]
    finally:
        engine.dispose()
    assert diffs == [], "\n".join(repr(diff) for diff in diffs)
