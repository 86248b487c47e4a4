"""Shared helpers for benchmarks: fresh databases, medians, output."""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

PG_ADMIN = os.environ.get("COFFER_BENCH_PG", "postgresql://root@127.0.0.1:5432/postgres")


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    """Yield a URL of a new, empty database (dropped afterwards), with a witness folder of
    its own (a new database's ledgers would conflict with another's published checkpoints)."""
    with tempfile.TemporaryDirectory() as folder, _own_witness(folder):
        if backend == "sqlite":
            yield f"sqlite:///{folder}/bench.db"
            return
        name = f"coffer_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _own_witness(folder: str) -> Iterator[None]:
    """COFFER_WITNESS_DIR set to ``folder``/witness while the database lives (unless the
    caller set it), for settings read from the environment."""
    from coffer.settings import get_settings

    if "COFFER_WITNESS_DIR" in os.environ:
        yield
        return
    os.environ["COFFER_WITNESS_DIR"] = os.path.join(folder, "witness")
    get_settings.cache_clear()
    try:
        yield
    finally:
        del os.environ["COFFER_WITNESS_DIR"]
        get_settings.cache_clear()


@contextmanager
def signing_key_env() -> Iterator[None]:
    with tempfile.TemporaryDirectory() as folder:
        os.environ["COFFER_SIGNING_KEY_FILE"] = f"{folder}/signing.key"
        yield


def eur_wallet(wallets: Any, name: str, amount: int) -> str:
    """A new customer's EUR wallet on ``wallets`` (a WalletPlatform), credited ``amount``
    cents straight through the ledger (as a bank pay-in would)."""
    from coffer.wallets import currencies, templates
    from coffer.wallets import schemas as W

    customer = wallets.wallets.create_customer(W.CustomerCreate(kind="natural", name=name))
    created = wallets.wallets.create_wallet(W.WalletCreate(customer_id=customer.id, currency="EUR"))
    if amount:
        wallets.core.ledger.run(
            templates.PAYIN,
            vars={
                "external": "external:bench",
                "wallet": f"wallets:{created.id}",
                "amount": currencies.monetary("EUR", amount),
            },
        )
    return str(created.id)


def verified_company_wallet(platform: Any, index: int, cents: int = 10_000_000) -> tuple[str, str]:
    """(customer id, wallet id) of a new KYC-verified company with a EUR wallet on
    ``platform`` (a WalletPlatform), credited ``cents`` straight through the ledger."""
    from coffer.wallets import currencies, templates
    from coffer.wallets import schemas as W

    wallets = platform.wallets
    customer = wallets.create_customer(W.CustomerCreate(kind="legal", name=f"Company {index}"))
    wallets.submit_kyc_document(
        customer.id,
        W.KycDocumentCreate(type="registration_proof", name="kbis.pdf", level="verified"),
    )
    wallet = wallets.create_wallet(W.WalletCreate(customer_id=customer.id, currency="EUR"))
    platform.core.ledger.run(
        templates.PAYIN,
        vars={
            "external": "external:bench",
            "wallet": f"wallets:{wallet.id}",
            "amount": currencies.monetary("EUR", cents),
        },
    )
    return str(customer.id), str(wallet.id)


def median(values: list[float]) -> float:
    return statistics.median(values)


def report(name: str, runs: list[float], unit: str) -> None:
    shown = ", ".join(f"{v:,.0f}" for v in runs)
    print(f"{name}: median {median(runs):,.0f} {unit} (runs: {shown})", flush=True)


@contextmanager
def checkout(ref: str) -> Iterator[str]:
    """Yield the ``src`` folder of a temporary git worktree of ``ref`` (removed after)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    folder = tempfile.mkdtemp(prefix="coffer-against-")
    subprocess.run(
        ["git", "-C", root, "worktree", "add", "--detach", "--force", folder, ref],
        check=True,
        capture_output=True,
    )
    try:
        yield os.path.join(folder, "src")
    finally:
        subprocess.run(
            ["git", "-C", root, "worktree", "remove", "--force", folder],
            check=False,
            capture_output=True,
        )


def run_one(script: str, src: str | None, args: list[str]) -> float:
    """Run ``script`` (a bench of this folder) once with ``--runs 1`` in a new process,
    importing Coffer from ``src`` (None: this checkout); the median it printed."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = src
    here = os.path.dirname(os.path.abspath(__file__))
    output = subprocess.run(
        [sys.executable, os.path.join(here, script), "--runs", "1", *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    found = re.search(r"median ([\d,]+)", output)
    assert found is not None, output
    return float(found.group(1).replace(",", ""))


def against(script: str, ref: str, runs: int, args: list[str], name: str, unit: str) -> None:
    """Run ``script`` as it is now and with Coffer at git ``ref``, alternately, each run
    in a fresh process; print both medians and their ratio."""
    now, before = [], []
    with checkout(ref) as src:
        for _ in range(runs):
            before.append(run_one(script, src, args))
            now.append(run_one(script, None, args))
    report(f"{name} (now)", now, unit)
    report(f"{name} (at {ref})", before, unit)
    print(f"ratio now / {ref}: {median(now) / median(before):.2f}", flush=True)


def with_and_without(
    script: str, flag: str, runs: int, args: list[str], name: str, unit: str
) -> None:
    """Run ``script`` with and without ``flag``, alternately, each run in a fresh process;
    print both medians and their ratio."""
    on, off = [], []
    for _ in range(runs):
        off.append(run_one(script, None, args))
        on.append(run_one(script, None, [*args, flag]))
    report(f"{name} ({flag})", on, unit)
    report(f"{name} (without {flag})", off, unit)
    print(f"ratio {flag} / without: {median(on) / median(off):.2f}", flush=True)


def add_tuning_arguments(parser: argparse.ArgumentParser) -> None:
    """--tune-gc, --pin-cpu and --compare-pin, as the ledger benches take them."""
    parser.add_argument(
        "--tune-gc", action="store_true", help="call coffer.tune_gc() first, as a server does"
    )
    parser.add_argument(
        "--pin-cpu",
        action="store_true",
        help="call coffer.pin_to_one_cpu() first, as coffer serve --pin-cpu does",
    )
    parser.add_argument(
        "--compare-pin",
        action="store_true",
        help="run each run in a new process, alternately with and without --pin-cpu",
    )


def apply_tuning(args: argparse.Namespace) -> tuple[str, list[str]]:
    """Tune this process as ``args`` ask; (a suffix for the figures' names, the flags that
    ask the same of a bench run in another process)."""
    import coffer

    suffix = ""
    flags: list[str] = []
    if args.tune_gc:
        coffer.tune_gc()
        suffix += ", coffer.tune_gc()"
        flags.append("--tune-gc")
    if args.pin_cpu:
        suffix += f", pinned to CPU {coffer.pin_to_one_cpu()}"
        flags.append("--pin-cpu")
    return suffix, flags


def compare(script: str, args: argparse.Namespace, extra: list[str], name: str, unit: str) -> None:
    """``--compare-pin``: with and without --pin-cpu; else ``--against``: now and at a ref."""
    if args.compare_pin:
        with_and_without(script, "--pin-cpu", args.runs, extra, name, unit)
    else:
        against(script, args.against, args.runs, extra, name, unit)


# -- console page benches (console_pages, console_domain_pages) --------------------------

CONSOLE_PASSWORD = "bench operator password 9731"


def timed(call: Any, count: int) -> list[float]:
    """``count`` calls of ``call``, each one's time in ms."""
    out = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        out.append((time.perf_counter() - began) * 1000)
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def ok(response: Any) -> Any:
    """A page or API answer that must be 200."""
    assert response.status_code == 200, response.text[:300]
    return response


def analyze(book: Any, backend: str) -> None:
    """On PostgreSQL, the statistics autovacuum keeps on a table this size (a bulk load
    outruns it)."""
    if backend == "postgresql":
        with book.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")


@contextmanager
def console_and_api(book: Any, scope: str) -> Iterator[tuple[Any, dict[str, str]]]:
    """A client of the app on ``book`` signed in to the console as a viewer, and the
    headers of an API client holding ``scope`` (the reference's caller)."""
    from starlette.testclient import TestClient

    from coffer.api import create_app
    from coffer.api.auth import create_client
    from coffer.api.settings import ApiSettings
    from coffer.identity.operators.service import create_operator

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from tests.web.conftest import sign_in_console

    with book.engine.begin() as connection:
        create_operator(
            connection, email="bench@example.com", role="viewer", password=CONSOLE_PASSWORD
        )
    credentials = create_client(book.engine, "bench", (scope,))
    app = create_app(book, api_settings=ApiSettings(run_worker=False))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        assert sign_in_console(client, "bench@example.com", CONSOLE_PASSWORD).status_code == 303
        token = client.post(
            "/api/auth/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": credentials.client_id,
                "client_secret": credentials.client_secret,
            },
        ).json()["access_token"]
        yield client, {"Authorization": f"Bearer {token}"}


def print_figures(heading: str, figures: dict[str, list[float]], reference: str) -> None:
    """p50 and p95 of each page, and its p95 as a ratio to ``reference``'s."""
    base = p95(figures[reference])
    print(heading)
    print(f"{'page':<42} {'p50':>8} {'p95':>8} {'p95 / reference':>16}")
    for name, values in figures.items():
        print(
            f"{name:<42} {statistics.median(values):8.1f} {p95(values):8.1f}"
            f" {p95(values) / base:16.2f}"
        )


def console_bench(doc: str, size: str, default: int, run: Any) -> None:
    """The command line of a console page bench: ``--<size>``, ``--requests`` and
    ``--backend``; ``run(backend, size, requests)`` for each backend."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(f"--{size}", type=int, default=default)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    os.environ.setdefault("COFFER_JWT_KEY_FILE", os.path.join(tempfile.mkdtemp(), "jwt.keys"))
    with signing_key_env():
        for backend in backends:
            run(backend, getattr(args, size), args.requests)
