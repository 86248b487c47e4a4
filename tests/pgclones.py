"""PostgreSQL databases for tests: clones of a migrated template, reset and reused.

DROP DATABASE makes the server run a checkpoint (every dirty page of every database on it
written and synced): seconds on a busy machine, once per test. A used clone is instead
brought back to the template's state: its other connections ended, every table that holds
a row emptied (TRUNCATE ... RESTART IDENTITY), the template's rows copied back and every
sequence set back to the template's value. A clone whose catalogue no longer matches the
template's (a test ran a migration down, added a table, a trigger, a grant) is dropped,
never reused; so is one with a prepared transaction.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

# Every object a test could add or change outside of rows: namespaces, relations (with
# their grants), columns, triggers, functions, constraints, types, database settings,
# extensions, policies. Object ids are part of it, so a table dropped and made again counts.
_USER = "NOT IN ('pg_catalog', 'information_schema') AND {0} NOT LIKE 'pg\\_t%'"
FINGERPRINT = f"""
WITH ns AS (SELECT oid, nspname FROM pg_namespace WHERE nspname {_USER.format("nspname")}),
rel AS (SELECT c.* FROM pg_class c JOIN ns ON ns.oid = c.relnamespace)
SELECT md5(string_agg(item, ',' ORDER BY item)) FROM (
    SELECT 'n' || nspname FROM ns
    UNION ALL SELECT concat_ws(':', 'c', oid, relname, relkind, relacl, relrowsecurity)
        FROM rel
    UNION ALL SELECT concat_ws(':', 'a', attrelid, attname, atttypid, attnotnull, attisdropped,
        atthasdef) FROM pg_attribute WHERE attnum > 0 AND attrelid IN (SELECT oid FROM rel)
    UNION ALL SELECT concat_ws(':', 't', oid, tgrelid, tgname, tgenabled) FROM pg_trigger
    UNION ALL SELECT concat_ws(':', 'p', p.oid, proname, md5(prosrc)) FROM pg_proc p
        JOIN ns ON ns.oid = p.pronamespace
    UNION ALL SELECT concat_ws(':', 'k', k.oid, conname, pg_get_constraintdef(k.oid))
        FROM pg_constraint k JOIN ns ON ns.oid = k.connamespace
    UNION ALL SELECT concat_ws(':', 'y', t.oid, typname) FROM pg_type t
        JOIN ns ON ns.oid = t.typnamespace
    UNION ALL SELECT concat_ws(':', 'd', setrole, setconfig) FROM pg_db_role_setting
        WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
    UNION ALL SELECT concat_ws(':', 'e', extname, extversion) FROM pg_extension
    UNION ALL SELECT concat_ws(':', 'o', oid) FROM pg_policy
    UNION ALL SELECT concat_ws(':', 'l', oid) FROM pg_largeobject_metadata
) AS items(item)
"""
_TABLES = f"""
SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname {_USER.format("n.nspname")}
ORDER BY 1
"""
_SEQUENCES = """
SELECT format('%I.%I', schemaname, sequencename), coalesce(last_value, start_value),
       last_value IS NOT NULL
FROM pg_sequences ORDER BY 1
"""


@dataclass
class TemplateState:
    """What a clone must hold to be as new: the template's catalogue fingerprint, its
    tables, the rows it holds (COPY's binary form) and its sequences' values."""

    fingerprint: str
    tables: list[str]
    rows: dict[str, bytes] = field(default_factory=dict)
    sequences: list[tuple[str, int, bool]] = field(default_factory=list)


def _connect(url: str) -> Any:
    import psycopg

    deadline = time.monotonic() + 30
    while True:  # two test processes (and their servers) share the server's connections
        try:
            return psycopg.connect(url, application_name="coffer-test-clones")
        except psycopg.OperationalError as exc:
            if "too many clients" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def read_template(url: str) -> TemplateState:
    with _connect(url) as connection:
        (fingerprint,) = connection.execute(FINGERPRINT).fetchone()
        tables = [name for (name,) in connection.execute(_TABLES)]
        state = TemplateState(fingerprint, tables)
        for name in _holding_rows(connection, tables):
            with connection.cursor().copy(f"COPY {name} TO STDOUT (FORMAT BINARY)") as copy:
                state.rows[name] = b"".join(bytes(chunk) for chunk in copy)
        state.sequences = [(n, int(v), bool(c)) for n, v, c in connection.execute(_SEQUENCES)]
    return state


def _holding_rows(connection: Any, tables: list[str]) -> list[str]:
    if not tables:
        return []
    probe = " UNION ALL ".join(
        f"SELECT {i} WHERE EXISTS (SELECT 1 FROM {name})" for i, name in enumerate(tables)
    )
    return [tables[i] for (i,) in connection.execute(probe)]


def reset(url: str, state: TemplateState) -> bool:
    """Bring the clone at ``url`` back to ``state``; False when it cannot be (drop it)."""
    with _connect(url) as connection:
        connection.autocommit = True
        connection.execute(
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        (prepared,) = connection.execute(
            "SELECT count(*) FROM pg_prepared_xacts WHERE database = current_database()"
        ).fetchone()
        if prepared:
            return False
        connection.autocommit = False
        with connection.transaction():
            (fingerprint,) = connection.execute(FINGERPRINT).fetchone()
            if fingerprint != state.fingerprint:
                return False
            # no trigger, no foreign key check: every table that holds a row is emptied,
            # then the template's rows go back as they were
            connection.execute("SET LOCAL session_replication_role = replica")
            for name in sorted(set(_holding_rows(connection, state.tables)) | set(state.rows)):
                connection.execute(f"DELETE FROM {name}")
            for name, data in state.rows.items():
                with connection.cursor().copy(f"COPY {name} FROM STDIN (FORMAT BINARY)") as copy:
                    copy.write(data)
            for name, value, called in state.sequences:
                connection.execute("SELECT setval(%s, %s, %s)", (name, value, called))
    return True


def new_name() -> str:
    return f"coffer_test_{uuid.uuid4().hex[:10]}"
