"""SQL of the posting lists: which transactions each account took part in, per window
of transactions (see ``tables.posting_lists``), as readers query them."""

from __future__ import annotations

from coffer.db.engine import Backend

# The first key of the PostgreSQL advisory lock that listers of a ledger take ("LIST").
_LISTING_LOCK = 0x4C495354


def account_tx_ids(
    backend: Backend,
    sources: bool,
    destinations: bool,
    lid: str = "?",
    account: str = "?",
    floor: str | None = None,
) -> str:
    """SQL of the ids (column ``tx_id``) of the transactions where an account is a source
    and/or a destination: those in its posting lists, and those from the lists' mark on,
    found among the postings by transaction id (one statement sees one snapshot, so the two
    parts meet exactly; see :meth:`WriteStore.list_postings`). ``lid`` and ``account`` are
    the placeholders of the ledger id and the address, repeated as the SQL needs them.

    On SQLite the lists are keyed by window first (so that a listing appends its rows,
    migration 0012): the windows are walked one key look-up at a time (the least
    ``first_tx`` above the one before), and the account's row of each is one more. On
    PostgreSQL, whose listings cost little more as the table grows, they are keyed by
    account first, and an account's rows are one range of the key (the walk there cost
    more to plan than to run).

    ``floor``, when given, is the placeholder of a value of ``ledgers.listed_tx`` read
    before the statement: a second lower bound of the postings after the mark. It changes
    no result (the mark only moves forward) but shows the planner how few postings that
    is: from ``(SELECT listed_tx ...)`` alone PostgreSQL guesses a third of the table and
    scans every posting of the ledger."""
    columns = [c for wanted, c in ((sources, "sources"), (destinations, "destinations")) if wanted]
    parts: list[str] = []
    if backend is Backend.POSTGRESQL:
        parts += [
            f"SELECT unnest(l.{column}) AS tx_id FROM posting_lists l"
            f" WHERE l.ledger_id = {lid} AND l.account = {account}"
            for column in columns
        ]
    elif columns:
        # one walk over the windows, whichever sides are wanted
        lists, each_side = f"l.{columns[0]}", ""
        if len(columns) == 2:
            lists = "CASE s.side WHEN 0 THEN l.sources ELSE l.destinations END"
            each_side = " JOIN (SELECT 0 AS side UNION ALL SELECT 1) AS s"
        parts.append(
            "SELECT j.value AS tx_id FROM (WITH RECURSIVE w(f) AS (SELECT min(first_tx)"
            f" FROM posting_lists WHERE ledger_id = {lid} UNION ALL SELECT (SELECT"
            f" min(first_tx) FROM posting_lists WHERE ledger_id = {lid} AND first_tx > w.f)"
            " FROM w WHERE w.f IS NOT NULL) SELECT f FROM w WHERE f IS NOT NULL) AS w"
            f" JOIN posting_lists l ON l.ledger_id = {lid} AND l.first_tx = w.f"
            f" AND l.account = {account}{each_side}, json_each({lists}) j"
        )
    sides = [
        f"p.{column} = {account}"
        for wanted, column in ((sources, "source"), (destinations, "destination"))
        if wanted
    ]
    parts.append(
        f"SELECT p.tx_id FROM postings p WHERE p.ledger_id = {lid}"
        f" AND p.tx_id >= (SELECT listed_tx FROM ledgers WHERE id = {lid})"
        + (f" AND p.tx_id >= {floor}" if floor is not None else "")
        + f" AND ({' OR '.join(sides)})"
    )
    return " UNION ALL ".join(parts)


def posting_lists_select(backend: Backend) -> str:
    """SQL selecting the postings of transactions ``[mark, end)`` as rows of
    ``posting_lists`` (ledger_id, account, first_tx, sources, destinations), one per
    account, whose first_tx is ``mark``: the ids where it is a source (side 0) and a
    destination (side 1), each id once per side. Parameters: lid, mark, then lid, mark,
    end twice.

    A posting counts unless an earlier posting of its transaction has the same account on
    that side (looked up by key; most transactions have one posting), which lists each id
    once without sorting the window to drop repeats (``DISTINCT`` took 40% of a listing).
    On PostgreSQL accounts compare byte by byte (``COLLATE "C"``, as in the lists' key):
    sorting them by the database's locale took most of a listing's time."""
    if backend is Backend.POSTGRESQL:
        group = "coalesce(array_agg(tx_id) FILTER (WHERE side = {}), '{{}}')"
        collate = ' COLLATE "C"'
    else:
        group = "json_group_array(tx_id) FILTER (WHERE side = {})"
        collate = ""
    window = "p.ledger_id = ? AND p.tx_id >= ? AND p.tx_id < ?"

    def first(column: str) -> str:
        return (
            f"(p.idx = 0 OR NOT EXISTS (SELECT 1 FROM postings q WHERE q.ledger_id = p.ledger_id"
            f" AND q.tx_id = p.tx_id AND q.idx < p.idx AND q.{column} = p.{column}))"
        )

    return (
        f" SELECT ?, account, ?, {group.format(0)}, {group.format(1)} FROM ("
        f"SELECT p.source{collate} AS account, 0 AS side, p.tx_id FROM postings p"
        f" WHERE {window} AND {first('source')} UNION ALL"
        f" SELECT p.destination{collate}, 1, p.tx_id FROM postings p"
        f" WHERE {window} AND {first('destination')}"
        ") AS e GROUP BY account"
    )
