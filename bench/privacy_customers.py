"""What per-customer data keys cost a customer read: GET-customer reads per second of
customers sealed by their own data keys (one more query, one key unwrap) against customers
sealed by the master key directly (as rows written before data keys are), in the same run,
alternating, on one database.

    ./dev bench privacy_customers [--backend sqlite|postgresql] [--customers 300] [--runs 5]

Prints each side's median reads per second and the ratio (data keys / master key).
"""

from __future__ import annotations

import argparse
import json
import time

import sqlalchemy as sa

import coffer
from coffer.wallets import WalletPlatform, WalletSettings, open_wallets
from coffer.wallets import schemas as S
from common import fresh_database, median, report, signing_key_env

KEY = "11" * 32


def _legacy(platform: WalletPlatform, engine: sa.Engine, count: int) -> list[str]:
    encrypt = platform.core.cipher.encrypt
    rows = [
        {
            "id": f"cus_legacy{n:06d}",
            "n": encrypt(f"Person {n}", context="customer.name"),
            "e": encrypt(f"p{n}@example.org", context="customer.email"),
            "m": json.dumps({"phone": f"+33 6 00 00 {n:04d}"}),
        }
        for n in range(count)
    ]
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO wallet_customers (id, kind, kyc_level, name_enc, email_enc, "
                "metadata, created_at, updated_at) VALUES (:id, 'natural', 'none', :n, :e, :m, 1, 1)"
            ),
            rows,
        )
    return [str(row["id"]) for row in rows]


def _reads_per_second(platform: WalletPlatform, ids: list[str]) -> float:
    started = time.perf_counter()
    for customer_id in ids:
        platform.wallets.customer(customer_id)
    return len(ids) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with signing_key_env(), fresh_database(args.backend) as url, coffer.open(url) as instance:
        settings = WalletSettings(pii_key=KEY, pii_key_id="bench", cache_seconds=0)
        platform = open_wallets(instance, settings)
        keyed = [
            platform.wallets.create_customer(
                S.CustomerCreate(
                    kind="natural",
                    name=f"Person {n}",
                    email=f"p{n}@example.org",
                    metadata={"phone": f"+33 6 00 00 {n:04d}"},
                )
            ).id
            for n in range(args.customers)
        ]
        legacy = _legacy(platform, instance.engine, args.customers)
        _reads_per_second(platform, keyed[:50] + legacy[:50])  # warm up
        with_keys: list[float] = []
        master_only: list[float] = []
        for run in range(args.runs):
            order = [(with_keys, keyed), (master_only, legacy)]
            for runs, ids in order if run % 2 == 0 else order[::-1]:
                runs.append(_reads_per_second(platform, ids))
    report(f"customer reads, data keys ({args.backend})", with_keys, "reads/s")
    report(f"customer reads, master key only ({args.backend})", master_only, "reads/s")
    print(f"ratio data keys / master key: {median(with_keys) / median(master_only):.2f}x")


if __name__ == "__main__":
    main()
