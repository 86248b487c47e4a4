"""The ledger API's account filter: the transactions it lists, page by page, are exactly
those whose postings name the account on the side asked for, whether the account's
posting lists hold them or they come after the lists' mark, alone or with other terms."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import coffer
from coffer import Posting
from coffer.api.ledger_queries import Queries, _account_of
from coffer.ledger.models import TransactionRequest

USD = "USD/2"


def _postings(i: int) -> list[Posting]:
    out = [Posting("world", f"users:{i % 4}", 100 + i, USD)]
    if i % 3 == 0:  # a second posting: users:i%4 pays users:(i+1)%4
        out.append(Posting(f"users:{i % 4}", f"users:{(i + 1) % 4}", 10, USD))
    return out


@pytest.fixture
def ledger_queries(coffer_db: coffer.Coffer) -> tuple[Queries, int]:
    ledger = coffer_db.ledger("main")
    for first in (0, 40):
        results = ledger.post_many(
            [
                TransactionRequest(postings=_postings(i), metadata={"kind": f"k{i % 2}"})
                for i in range(first, first + 40)
            ]
        )
        assert not [r for r in results if isinstance(r, Exception)]
        if first == 0:
            ledger.list_postings()  # the first 40 in the lists, the rest after their mark
    with coffer_db.engine.connect() as connection:
        listed = connection.execute(
            sa.text("SELECT listed_tx FROM ledgers WHERE name = 'main'")
        ).scalar_one()
    assert 0 < listed < 80
    queries = Queries(coffer_db.engine)
    ledger_id = queries.ledger_id("main")
    assert ledger_id is not None
    return queries, ledger_id


def _expected(field: str, account: str, kind: str | None = None) -> list[int]:
    out = []
    for i in range(80):
        if kind is not None and f"k{i % 2}" != kind:
            continue
        sources = {p.source for p in _postings(i)}
        destinations = {p.destination for p in _postings(i)}
        named = {
            "source": sources,
            "destination": destinations,
            "account": sources | destinations,
        }[field]
        if account in named:
            out.append(i)
    return out


def _all_pages(queries: Queries, ledger_id: int, query: object, ascending: bool) -> list[int]:
    found: list[int] = []
    after: list[int] | None = None
    while True:
        rows, more = queries.list_transactions(
            ledger_id,
            query=query,
            pit=None,
            size=7,
            effective_order=False,
            ascending=ascending,
            after=after,
        )
        found += [row.id for row in rows]
        if not more:
            return found
        after = [rows[-1].id]


@pytest.mark.parametrize("field", ["account", "source", "destination"])
@pytest.mark.parametrize("ascending", [False, True])
def test_an_account_filter_lists_exactly_its_transactions(
    ledger_queries: tuple[Queries, int], field: str, ascending: bool
) -> None:
    queries, ledger_id = ledger_queries
    for account in ("users:1", "users:2"):
        expected = _expected(field, account)
        assert expected
        found = _all_pages(queries, ledger_id, {"$match": {field: account}}, ascending)
        assert found == (expected if ascending else expected[::-1])


def test_an_account_among_other_terms_keeps_them_all(
    ledger_queries: tuple[Queries, int],
) -> None:
    queries, ledger_id = ledger_queries
    query = {"$and": [{"$match": {"metadata[kind]": "k1"}}, {"$match": {"source": "users:3"}}]}
    assert (
        _all_pages(queries, ledger_id, query, False) == _expected("source", "users:3", "k1")[::-1]
    )
    # an $or of an account and something else is not narrowed to the account
    either = {"$or": [{"$match": {"account": "users:0"}}, {"$match": {"metadata[kind]": "k1"}}]}
    expected = sorted(set(_expected("account", "users:0")) | set(range(1, 80, 2)))
    assert _all_pages(queries, ledger_id, either, True) == expected
    # an account no transaction names
    assert _all_pages(queries, ledger_id, {"$match": {"account": "users:9"}}, False) == []


def test_only_plain_account_terms_narrow_the_listing() -> None:
    assert _account_of({"$match": {"account": "users:1"}}) == ("account", "users:1")
    assert _account_of(
        {"$and": [{"$match": {"reference": "r"}}, {"$match": {"destination": "a:b"}}]}
    ) == ("destination", "a:b")
    assert _account_of({"$match": {"account": "users:"}}) is None  # a pattern
    assert _account_of({"$or": [{"$match": {"account": "users:1"}}]}) is None
    assert _account_of({"$not": {"$match": {"account": "users:1"}}}) is None
    assert _account_of({"$match": {"reference": "users:1"}}) is None
    assert _account_of(None) is None
