"""All SQL of sanctions screening (SQLAlchemy Core)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Sequence

import sqlalchemy as sa

from coffer.risk.sanctions.models import ListEntry, ListInfo, ParsedList
from coffer.risk.sanctions.tables import sanction_entries, sanction_lists

INSERT_BATCH_ROWS = 1000
READ_BATCH_ROWS = 5000


def replace_list(
    connection: sa.Connection,
    parsed: ParsedList,
    *,
    source: str,
    checksum: str,
    loaded_at: int,
) -> ListInfo:
    """Put ``parsed`` in place of whatever version of the same list was there. Atomic when
    the caller's transaction is: readers see the old list or the new one, never a mix."""
    connection.execute(
        sa.delete(sanction_entries).where(sanction_entries.c.list == parsed.list_name)
    )
    connection.execute(sa.delete(sanction_lists).where(sanction_lists.c.list == parsed.list_name))
    seen: set[str] = set()
    batch: list[dict[str, str]] = []
    for entry in parsed.entries:
        if entry.entry_id in seen:  # a list that repeats an id: the first one stands
            continue
        seen.add(entry.entry_id)
        batch.append(
            {
                "list": parsed.list_name,
                "entry_id": entry.entry_id,
                "kind": entry.kind,
                "name": entry.name,
                "data": json.dumps(entry.to_json(), ensure_ascii=False, separators=(",", ":")),
            }
        )
        if len(batch) >= INSERT_BATCH_ROWS:
            connection.execute(sa.insert(sanction_entries), batch)
            batch = []
    if batch:
        connection.execute(sa.insert(sanction_entries), batch)
    info = ListInfo(
        list_name=parsed.list_name,
        version=parsed.version[:100],
        format=parsed.format,
        source=source,
        entry_count=len(seen),
        loaded_at=loaded_at,
        checksum=checksum,
    )
    values = dataclasses.asdict(info)
    values["list"] = values.pop("list_name")  # the one field named otherwise than its column
    connection.execute(sa.insert(sanction_lists).values(**values))
    return info


def list_infos(connection: sa.Connection) -> list[ListInfo]:
    rows = connection.execute(sa.select(sanction_lists).order_by(sanction_lists.c.list))
    infos = []
    for row in rows.mappings():
        values = dict(row)
        values["list_name"] = values.pop("list")
        infos.append(ListInfo(**values))
    return infos


def read_entries(connection: sa.Connection, lists: Sequence[str]) -> Iterator[ListEntry]:
    """Every entry of ``lists``, in a stable order."""
    for list_name in lists:
        after = ""
        while True:
            rows = connection.execute(
                sa.select(sanction_entries.c.entry_id, sanction_entries.c.data)
                .where(sanction_entries.c.list == list_name, sanction_entries.c.entry_id > after)
                .order_by(sanction_entries.c.entry_id)
                .limit(READ_BATCH_ROWS)
            ).fetchall()
            if not rows:
                break
            for entry_id, data in rows:
                yield ListEntry.from_json(list_name, entry_id, json.loads(data))
            after = rows[-1][0]
