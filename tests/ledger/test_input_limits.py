"""Limits on what callers write (addresses, asset scales, metadata, timestamps, scripts),
and one bad request in a sequencer batch failing only itself."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

import coffer
from coffer import Posting
from coffer.errors import CofferError, InvalidAccount, InvalidAsset, ValidationError
from coffer.ledger import journal as J
from coffer.ledger.batch_writes import Batch
from coffer.ledger.store import WriteStore
from coffer.numscript.errors import NumscriptLimitExceeded
from coffer.settings import Settings

USD = "USD/2"


def pay(destination: str = "users:1", amount: int = 100, asset: str = USD) -> list[Posting]:
    return [Posting("world", destination, amount, asset)]


def test_asset_scale_is_at_most_38(coffer_db: Any) -> None:
    ledger = coffer_db.ledger("main")
    for asset in ("USD/999999", "USD/39", "USD/100"):
        with pytest.raises(InvalidAsset, match="at most 38"):
            ledger.post(pay(asset=asset))
    assert ledger.post(pay(asset="ETH/38")).postings[0].asset == "ETH/38"
    assert ledger.post(pay(asset="ETH/18")).postings[0].asset == "ETH/18"


def test_account_addresses_are_bounded(database_url: str) -> None:
    settings = Settings(max_account_length=40, max_account_segments=4)
    with coffer.open(database_url, settings=settings) as instance:
        ledger = instance.ledger("main")
        with pytest.raises(InvalidAccount, match="max_account_length"):
            ledger.post(pay("a" * 41))
        with pytest.raises(InvalidAccount, match="max_account_segments"):
            ledger.post(pay("a:b:c:d:e"))
        with pytest.raises(InvalidAccount):
            ledger.post(pay("users::1"))  # an empty segment
        with pytest.raises(InvalidAccount, match="max_account_length"):
            ledger.set_account_metadata("b" * 41, {"k": "v"})
        assert ledger.post(pay("a:b:c:d")).postings[0].destination == "a:b:c:d"
        assert ledger.transactions().data[0].id == 0  # nothing else was written


def test_metadata_is_bounded(database_url: str) -> None:
    settings = Settings(max_metadata_keys=3, max_metadata_key_length=8, max_metadata_value_bytes=32)
    with coffer.open(database_url, settings=settings) as instance:
        ledger = instance.ledger("main")
        for metadata, match in (
            ({f"k{i}": "v" for i in range(4)}, "max_metadata_keys"),
            ({"k" * 9: "v"}, "max_metadata_key_length"),
            ({"k": "x" * 33}, "max_metadata_value_bytes"),
            ({"k": "é" * 17}, "max_metadata_value_bytes"),  # 34 bytes in UTF-8
            ({"": "v"}, "max_metadata_key_length"),
        ):
            with pytest.raises(ValidationError, match=match):
                ledger.post(pay(), metadata=metadata)
        tx = ledger.post(pay(), metadata={"k": "x" * 32})
        with pytest.raises(ValidationError, match="max_metadata_value_bytes"):
            ledger.set_transaction_metadata(tx.id, {"k": "x" * 33})
        with pytest.raises(ValidationError, match="max_metadata_keys"):
            ledger.set_account_metadata("users:1", {f"k{i}": "v" for i in range(4)})
        script = (
            'send [USD/2 1] (source = @world destination = @a)\nset_tx_meta("k", "'
            + ("x" * 40)
            + '")'
        )
        with pytest.raises(ValidationError, match="max_metadata_value_bytes"):
            ledger.run(script)
        assert len(ledger.transactions().data) == 1


def test_lone_surrogates_never_reach_the_database(coffer_db: Any) -> None:
    ledger = coffer_db.ledger("main")
    for metadata in ({"k": "\ud800"}, {"\udc00": "v"}, {"k": "a\udfffb"}):
        with pytest.raises(ValidationError, match="not valid Unicode"):
            ledger.post(pay(), metadata=metadata)
    with pytest.raises(ValidationError, match="not valid Unicode"):
        ledger.set_account_metadata("users:1", {"k": "\ud800"})
    assert ledger.transactions().data == []
    assert ledger.post(pay(), metadata={"k": "\U0001f600"}).metadata == {"k": "\U0001f600"}


def test_timestamps_are_in_a_sane_range(coffer_db: Any) -> None:
    ledger = coffer_db.ledger("main")
    for year in (1, 1969, 3000, 9999):
        with pytest.raises(ValidationError, match="out of range"):
            ledger.post(pay(), timestamp=datetime(year, 6, 1, tzinfo=UTC))
        with pytest.raises(ValidationError, match="out of range"):
            ledger.run(
                "send [USD/2 1] (source = @world destination = @a)",
                timestamp=datetime(year, 6, 1, tzinfo=UTC),
            )
    when = datetime(2020, 1, 2, tzinfo=UTC)
    assert ledger.post(pay(), timestamp=when).timestamp == when


def test_scripts_are_bounded_by_the_settings(database_url: str) -> None:
    settings = Settings(numscript_max_allotment_parts=10, numscript_max_nesting=8)
    with coffer.open(database_url, settings=settings) as instance:
        ledger = instance.ledger("main")
        parts = " ".join(f"1/11 to @d{i}" for i in range(10)) + " remaining to @d10"
        wide = f"send [USD/2 110] (source = @world destination = {{ {parts} }})"
        with pytest.raises(NumscriptLimitExceeded, match="numscript_max_allotment_parts"):
            ledger.run(wide)
        deep = "send [USD/2 1] (source = " + "{ " * 9 + "@world" + " }" * 9 + " destination = @a)"
        with pytest.raises(NumscriptLimitExceeded, match="numscript_max_nesting"):
            ledger.run(deep)
        # a script writes no account a caller could not: the ledger's limits apply to it
        with pytest.raises(InvalidAsset):
            ledger.run("send [USD/123 1] (source = @world destination = @a)")
        assert ledger.transactions().data == []


# -- one bad request fails only itself ---------------------------------------------------------


def _concurrently(ledger: Any, poison_index: int, count: int = 24) -> list[Any]:
    """Post ``count`` transactions from as many threads at once; the one at
    ``poison_index`` carries the metadata the injected fault refuses."""
    results: list[Any] = [None] * count
    barrier = threading.Barrier(count)

    def post(index: int) -> None:
        metadata = {"poison": "yes"} if index == poison_index else {"n": str(index)}
        barrier.wait()
        try:
            results[index] = ledger.post(pay(f"users:{index}"), metadata=metadata)
        except CofferError as error:
            results[index] = error

    threads = [threading.Thread(target=post, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _check_only_the_poison_failed(ledger: Any, results: list[Any], poison_index: int) -> None:
    failed = [i for i, result in enumerate(results) if isinstance(result, CofferError)]
    assert failed == [poison_index], results
    stored = ledger.transactions(page_size=100).data
    assert len(stored) == len(results) - 1
    assert all("poison" not in tx.metadata for tx in stored)
    assert ledger.balance(f"users:{poison_index}", USD) == 0
    assert ledger.balance("users:0" if poison_index else "users:1", USD) == 100


def test_a_request_that_breaks_applying_fails_alone(coffer_db: Any, monkeypatch: Any) -> None:
    ledger = coffer_db.ledger("main")
    ledger.post(pay("warm"))  # the state is loaded
    encode = J.metadata_text

    def fragile(metadata: Any) -> str:
        if metadata and "poison" in metadata:
            raise RuntimeError("this metadata cannot be encoded")
        return encode(metadata)

    monkeypatch.setattr(J, "metadata_text", fragile)
    results = _concurrently(ledger, poison_index=5)
    monkeypatch.setattr(J, "metadata_text", encode)
    stored = ledger.transactions(page_size=100).data
    assert [tx for tx in stored if tx.postings[0].destination == "warm"]
    failed = [i for i, result in enumerate(results) if isinstance(result, CofferError)]
    assert failed == [5], results
    assert len(stored) == len(results)  # the warm-up and every innocent request
    assert ledger.balance("users:5", USD) == 0
    assert coffer_db.verify().ok


def test_a_request_the_database_refuses_fails_alone(database_url: str, monkeypatch: Any) -> None:
    # Writes go through WriteStore.write on both backends (no pipelined statements).
    settings = Settings(pg_in_flight=0, pg_lead_chunk=0)
    write = WriteStore.write

    def refusing(self: WriteStore, batch: Batch) -> None:
        if any("poison" in str(row) for row in batch.writes.transactions):
            raise RuntimeError("the database refused a row of this batch")
        write(self, batch)

    monkeypatch.setattr(WriteStore, "write", refusing)
    with coffer.open(database_url, settings=settings) as instance:
        ledger = instance.ledger("main")
        results = _concurrently(ledger, poison_index=0)
        _check_only_the_poison_failed(ledger, results, 0)
        monkeypatch.setattr(WriteStore, "write", write)
        assert instance.verify().ok
