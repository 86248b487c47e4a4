"""What PostgreSQL's own work for a batch's rows costs, whatever writes them.

    ./dev bench pg_row_costs [--batches 40]

The floor under the post_many figure on PostgreSQL: each line is the median time to store
1,000 rows (or 1,808 balance changes, what a 1,000-transfer batch among 10,000 accounts
makes), in scratch tables of this database, with no Coffer code involved:

- posting rows with the indexes the ledger has (primary key and one per account side),
  with fewer or other indexes, and with none (the heap alone);
- the same rows by COPY instead of INSERT ... SELECT FROM unnest;
- balance changes as the ledger's upsert, and as a plain UPDATE of existing rows.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import uuid
from collections.abc import Callable

import psycopg

from common import PG_ADMIN

ACCOUNTS = 10_000
ROWS = 1_000

POSTINGS = (
    "ledger_id int, tx_id bigint, idx int, source text, destination text, amount numeric,"
    " asset text, timestamp bigint"
)
INDEXES = {
    "primary key + 2 B-trees (the ledger's)": [
        "ALTER TABLE {t} ADD PRIMARY KEY (ledger_id, tx_id, idx)",
        "CREATE INDEX ON {t} (ledger_id, source)",
        "CREATE INDEX ON {t} (ledger_id, destination)",
    ],
    "BRIN on tx_id + 2 B-trees": [
        "CREATE INDEX ON {t} USING brin (tx_id) WITH (pages_per_range = 4)",
        "CREATE INDEX ON {t} (ledger_id, source)",
        "CREATE INDEX ON {t} (ledger_id, destination)",
    ],
    "2 B-trees": [
        "CREATE INDEX ON {t} (ledger_id, source)",
        "CREATE INDEX ON {t} (ledger_id, destination)",
    ],
    "BRIN on tx_id + 2 hash": [
        "CREATE INDEX ON {t} USING brin (tx_id) WITH (pages_per_range = 4)",
        "CREATE INDEX ON {t} USING hash (source)",
        "CREATE INDEX ON {t} USING hash (destination)",
    ],
    "no index (the heap alone)": [],
}


def _ints(values: list[int]) -> str:
    return "{" + ",".join(map(str, values)) + "}"


def _names(values: list[str]) -> str:
    return '{"' + '","'.join(values) + '"}'


def _median_ms(run: Callable[[], None], batches: int) -> float:
    """Median of ``batches`` timed calls, after a quarter as many to warm up."""
    times = []
    for index in range(batches + batches // 4):
        started = time.perf_counter()
        run()
        if index >= batches // 4:
            times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def postings(connection: psycopg.Connection, rng: random.Random, batches: int) -> None:
    table = f"coffer_costs_{uuid.uuid4().hex[:8]}"
    next_tx = [0]

    def rows() -> list[tuple[int, int, str, str, int, int]]:
        start = next_tx[0]
        next_tx[0] += ROWS
        return [
            (
                tx,
                0,
                f"users:{rng.randrange(ACCOUNTS)}",
                f"users:{rng.randrange(ACCOUNTS)}",
                rng.randrange(1, 1000),
                1_700_000_000_000_000 + tx,
            )
            for tx in range(start, start + ROWS)
        ]

    def insert() -> None:
        tx, idx, source, destination, amount, ts = zip(*rows(), strict=True)
        connection.execute(
            f"INSERT INTO {table} SELECT 1, t, i, s, d, a, 'USD/2', ts FROM unnest("
            "%s::bigint[], %s::int[], %s::text[], %s::text[], %s::numeric[], %s::bigint[])"
            " AS v(t, i, s, d, a, ts)",
            (
                _ints(list(tx)),
                _ints(list(idx)),
                _names(list(source)),
                _names(list(destination)),
                _ints(list(amount)),
                _ints(list(ts)),
            ),
        )

    def copy() -> None:
        text = "".join(
            f"1\t{tx}\t{idx}\t{s}\t{d}\t{a}\tUSD/2\t{ts}\n" for tx, idx, s, d, a, ts in rows()
        )
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} FROM STDIN") as out:
            out.write(text)

    try:
        for name, statements in INDEXES.items():
            connection.execute(f"DROP TABLE IF EXISTS {table}")
            connection.execute(f"CREATE TABLE {table} ({POSTINGS})")
            for statement in statements:
                connection.execute(statement.format(t=table))
            line = f"{ROWS:,} posting rows, {name}: INSERT ... unnest"
            print(f"{line:66s} {_median_ms(insert, batches):6.2f} ms", flush=True)
            if statements is INDEXES["primary key + 2 B-trees (the ledger's)"]:
                line = f"{ROWS:,} posting rows, {name}: COPY"
                print(f"{line:66s} {_median_ms(copy, batches):6.2f} ms", flush=True)
    finally:
        connection.execute(f"DROP TABLE IF EXISTS {table}")


def balances(connection: psycopg.Connection, rng: random.Random, batches: int) -> None:
    table = f"coffer_costs_{uuid.uuid4().hex[:8]}"
    columns = "%s::text[], %s::numeric[], %s::numeric[]"
    upsert = (
        f"INSERT INTO {table} SELECT 1, a, 'USD/2', i, o, 0, 0, 0 FROM unnest({columns})"
        " AS v(a, i, o) ON CONFLICT (ledger_id, account, asset) DO UPDATE SET"
        " input = EXCLUDED.input, output = EXCLUDED.output"
    )
    update = (
        f"UPDATE {table} b SET input = v.i, output = v.o FROM unnest({columns}) AS v(a, i, o)"
        " WHERE b.ledger_id = 1 AND b.account = v.a AND b.asset = 'USD/2'"
    )

    def run(sql: str) -> Callable[[], None]:
        def go() -> None:
            touched = list(
                dict.fromkeys(f"users:{rng.randrange(ACCOUNTS)}" for _ in range(2 * ROWS))
            )[:1808]
            amounts = [rng.randrange(10**9) for _ in touched]
            connection.execute(sql, (_names(touched), _ints(amounts), _ints(amounts)))

        return go

    try:
        connection.execute(
            f"CREATE TABLE {table} (ledger_id int, account text, asset text, input numeric,"
            " output numeric, pending_input numeric, pending_output numeric, overdraft numeric,"
            " PRIMARY KEY (ledger_id, account, asset)) WITH (fillfactor = 50)"
        )
        connection.execute(
            f"INSERT INTO {table} SELECT 1, 'users:' || g, 'USD/2', 0, 0, 0, 0, 0"
            f" FROM generate_series(0, {ACCOUNTS - 1}) AS g"
        )
        connection.execute(f"VACUUM ANALYZE {table}")
        for label, sql in (("the ledger's upsert", upsert), ("UPDATE ... FROM unnest", update)):
            line = f"1,808 balance changes among {ACCOUNTS:,} rows: {label}"
            print(f"{line:66s} {_median_ms(run(sql), batches):6.2f} ms", flush=True)
    finally:
        connection.execute(f"DROP TABLE IF EXISTS {table}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=40)
    args = parser.parse_args()
    rng = random.Random(1)
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        postings(connection, rng, args.batches)
        balances(connection, rng, args.batches)


if __name__ == "__main__":
    main()
