"""Spending policies under concurrency: 64 movements at once against a limit that fits
exactly k of them: exactly k pass, on SQLite and PostgreSQL, in one process and in two
sharing the database; the leases of a process and what they counted."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from tests.automations.conftest import PLATFORM, Clock, new_wallet
from tests.automations.test_spending_policies import policy

from coffer.automations.policies import SpendingPolicyCheck, open_spending_policies
from coffer.automations.policies import schemas as S
from coffer.automations.policies import tables as T
from coffer.automations.policies.errors import SpendingPolicyRefused
from coffer.automations.policies.rules import PolicyRules
from coffer.db.engine import create_engine
from coffer.errors import CofferError
from coffer.wallets import WalletPlatform
from coffer.wallets import schemas as W
from coffer.wallets.checks import Movement

MOVEMENTS = 64


@pytest.mark.parametrize("limit", ["amount", "count"])
def test_64_concurrent_transfers_exactly_k_pass(wallets: WalletPlatform, limit: str) -> None:
    policies = open_spending_policies(wallets)
    alice = new_wallet(wallets, "Alice Martin", 1_000_000)
    bob = new_wallet(wallets, "Bob Stone")
    k = 11
    window = (
        {"window": "day", "amount": k * 250 + 249}
        if limit == "amount"
        else {
            "window": "day",
            "count": k,
        }
    )
    made = policies.create(
        PLATFORM,
        S.SpendingPolicyCreate(
            name="k fit",
            wallet_id=alice.id,
            rules=PolicyRules(currency="EUR", limits=[window]),
        ),
    )

    def move(n: int) -> W.Transfer | CofferError:
        try:
            return wallets.wallets.transfer(
                W.TransferCreate(
                    debited_wallet_id=alice.id,
                    credited_wallet_id=bob.id,
                    amount=250,
                    currency="EUR",
                ),
                idempotency_key=f"concurrent-{limit}-{n}",
            )
        except CofferError as error:
            return error

    with ThreadPoolExecutor(max_workers=MOVEMENTS) as pool:
        results = list(pool.map(move, range(MOVEMENTS)))
    passed = [r for r in results if isinstance(r, W.Transfer)]
    refused = [r for r in results if isinstance(r, SpendingPolicyRefused)]
    assert (len(passed), len(refused)) == (k, MOVEMENTS - k), results
    assert wallets.wallets.wallet(bob.id).balance == k * 250
    usage = policies.usage(PLATFORM, made.id).windows[0]
    assert (usage.amount_used, usage.count_used) == (k * 250, k)
    assert len(policies.decisions(PLATFORM, made.id, limit=100).data) == MOVEMENTS - k


def _movements(wallet: W.Wallet, count: int, amount: int) -> list[Movement]:
    return [
        Movement(
            kind="transfer",
            id=f"tr_{n}",
            platform_id=PLATFORM,
            wallet_id=wallet.id,
            customer_id=wallet.customer_id,
            amount=amount,
            currency="EUR",
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("limit", ["amount", "count"])
def test_two_processes_never_pass_the_last_slot(
    wallets: WalletPlatform, database_url: str, limit: str
) -> None:
    """Two checks with their own engine, leases and cache (two processes sharing one
    database) judge 64 movements at once against a limit that fits exactly k."""
    policies = open_spending_policies(wallets)
    alice = new_wallet(wallets, "Alice Martin")
    k = 11
    window = (
        {"window": "day", "amount": k * 250 + 249}
        if limit == "amount"
        else {"window": "day", "count": k}
    )
    made = policy(policies, alice.id, limits=[window])
    if database_url.startswith("postgresql"):
        database_url += "?options=-csynchronous_commit%3Doff"
    other_engine = create_engine(make_url(database_url), sqlite_synchronous="NORMAL")
    other = SpendingPolicyCheck(other_engine)
    checks = [policies.check, other]
    try:
        with ThreadPoolExecutor(max_workers=MOVEMENTS) as pool:
            verdicts = list(
                pool.map(
                    lambda n, movement: checks[n % 2].check([movement])[0],
                    range(MOVEMENTS),
                    _movements(alice, MOVEMENTS, 250),
                )
            )
        assert [v.outcome for v in verdicts].count("allow") == k
        other.close()
        policies.close()
        usage = policies.usage(PLATFORM, made.id).windows[0]
        assert (usage.amount_used, usage.count_used) == (k * 250, k)
        with wallets.coffer.engine.connect() as connection:
            reserved = connection.execute(
                sa.select(
                    T.spending_policy_usage.c.amount_reserved,
                    T.spending_policy_usage.c.count_reserved,
                )
            ).all()
        assert reserved == [(0, 0)]
    finally:
        other_engine.dispose()


def test_leases_count_in_memory_and_reach_the_rows(wallets: WalletPlatform) -> None:
    """Far from its limit a window is counted from this process's lease: the row hears
    the counts when asked (usage) or closed; a released movement counts nowhere; another
    process sees the counts and respects the lease."""
    policies = open_spending_policies(wallets)
    alice = new_wallet(wallets, "Alice Martin")
    made = policy(policies, alice.id, limits=[{"window": "day", "amount": 16_000}])
    check = policies.check
    first = check.check(_movements(alice, 1, 100))  # under the row: a lease of 15,900/16
    assert first[0].outcome == "allow" and check.leases
    verdicts = check.check(_movements(alice, 9, 100))  # from the lease (993 free)
    assert [v.outcome for v in verdicts] == ["allow"] * 9
    released = verdicts[-1].release
    assert released is not None
    released(None)  # that one did not happen after all
    usage = policies.usage(PLATFORM, made.id).windows[0]
    assert (usage.amount_used, usage.count_used) == (900, 9)
    other = SpendingPolicyCheck(wallets.coffer.engine)
    # the other process may use what is neither used nor leased here
    leased = 16_000 - 900
    assert [v.outcome for v in other.check(_movements(alice, 1, leased))] == ["block"]
    policies.close()  # this process gives its lease back
    assert [v.outcome for v in other.check(_movements(alice, 1, leased))] == ["allow"]
    other.close()
    assert policies.usage(PLATFORM, made.id).windows[0].amount_used == 16_000


def _rows(wallets: WalletPlatform) -> dict[str, tuple[int, int, int]]:
    U = T.spending_policy_usage
    with wallets.coffer.engine.connect() as connection:
        found = connection.execute(
            sa.select(U.c.window_start, U.c.amount_used, U.c.count_used, U.c.amount_reserved)
        ).all()
    return {str(row[0]): (int(row[1]), int(row[2]), int(row[3])) for row in found}


def test_a_short_lease_is_topped_up_before_it_runs_out(wallets: WalletPlatform) -> None:
    """A lease in use with less than half of its grant free gets another share of what
    is left (in the background tick): the next movements need no row."""
    policies = open_spending_policies(wallets)
    alice = new_wallet(wallets, "Alice Martin")
    made = policy(policies, alice.id, limits=[{"window": "day", "amount": 16_000}])
    check = policies.check
    check.check(_movements(alice, 1, 100))  # by the row: a lease of 15,900 // 16 = 993
    check.check(_movements(alice, 9, 100))  # from the lease: 93 free, short
    assert [short for _, short in check.leases.held()] == [True]
    check.sync()
    check.renew()  # what the tick does: 93 + (16,000 - 1,000 - 93) // 16 free
    assert [short for _, short in check.leases.held()] == [False]
    reconciled: list[int] = []
    reconcile = check._reconcile
    check._reconcile = lambda items, ahead=None: reconciled.append(len(items))  # type: ignore[method-assign]
    verdicts = check.check(_movements(alice, 10, 100))
    assert [v.outcome for v in verdicts] == ["allow"] * 10 and reconciled == []
    check._reconcile = reconcile  # type: ignore[method-assign]
    policies.close()
    assert list(_rows(wallets).values()) == [(2_000, 20, 0)]
    assert policies.usage(PLATFORM, made.id).windows[0].amount_used == 2_000


def test_the_next_window_is_leased_before_it_starts(wallets: WalletPlatform, clock: Clock) -> None:
    """Seconds before midnight the tick takes the next day's lease of a window in use, so
    the first movements after midnight are counted from it, in the new day's row."""
    clock.set(datetime(2026, 3, 11, 23, 59, 58, tzinfo=UTC))
    policies = open_spending_policies(wallets, lambda: clock().timestamp())
    alice = new_wallet(wallets, "Alice Martin")
    policy(policies, alice.id, limits=[{"window": "day", "amount": 16_000, "count": 100}])
    check = policies.check
    check.check(_movements(alice, 1, 100))  # the 11th, by its row
    check.renew()
    assert sorted(key[2] for key, _ in check.leases.held()) == ["2026-03-11", "2026-03-12"]
    clock.advance(seconds=3)  # the 12th
    reconciled: list[int] = []
    reconcile = check._reconcile
    check._reconcile = lambda items, ahead=None: reconciled.append(len(items))  # type: ignore[method-assign]
    assert [v.outcome for v in check.check(_movements(alice, 3, 100))] == ["allow"] * 3
    assert reconciled == []
    check._reconcile = reconcile  # type: ignore[method-assign]
    policies.close()
    assert _rows(wallets) == {"2026-03-11": (100, 1, 0), "2026-03-12": (300, 3, 0)}
