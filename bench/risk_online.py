"""The online risk check: wallet transfers with the check on vs off (target: >= 0.8x), and
the online decision's latency at 1,000 decisions/s (target: p99 < 5 ms), in the same run.

    python bench/risk_online.py [--backend sqlite|postgresql] [--transfers 4000]
        [--batch 50] [--threads 4] [--rounds 3] [--decisions 5000] [--rate 1000]
        [--model-dir DIR | --no-model] [--profile] [--check-process]

Transfers: ``--threads`` threads each hand ``Wallets.transfer_many`` batches of ``--batch``
transfers between random wallets (as the HTTP fast path batches concurrent requests), with
the risk check registered (``on``) or not (``off``), alternately for ``--rounds`` rounds
each; the figure is the median throughput of each and their ratio.

Latency: one movement at a time handed to the check on an open-loop schedule of ``--rate``
per second, then at 90% of the highest rate the machine sustains (measured back to back
just before) (each decision starts at its scheduled time, or at once when late), with its
latency from the scheduled start, so queueing behind slow decisions counts. The decision is
the whole check: features from the shared state, the model (trees, isolation forest, and an
explanation from the review threshold), the platform's rules (three CEL rules here), lists,
and the rows it hands to the wallets.

By default a model is trained first on a small simulation (``coffer risk simulate`` and
``train``, about a minute), so the decision includes the model; ``--no-model`` measures the
rules-only cold start.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from common import fresh_database, signing_key_env, verified_company_wallet

PII_KEY = "22" * 32
P = "plat_default"


def train(folder: Path) -> Path:
    from typer.testing import CliRunner

    from coffer.cli.main import app

    runner = CliRunner()
    for args in (
        [
            "simulate",
            "--output-dir",
            str(folder),
            "--seed",
            "3",
            "--customers",
            "300",
            "--days",
            "40",
            "--patterns",
            "2",
        ],
        ["train", "--input", str(folder / "train.jsonl"), "--model-dir", str(folder / "model")],
    ):
        result = runner.invoke(app, ["risk", *args], catch_exceptions=False)
        if result.exit_code != 0:
            raise SystemExit(result.output)
    return folder / "model"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--transfers", type=int, default=4000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--wallets", type=int, default=200)
    parser.add_argument("--decisions", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--model-dir", default=None)
    parser.add_argument("--no-model", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the decisions")
    parser.add_argument(
        "--check-process",
        action="store_true",
        help="decide in the check's own process (COFFER_RISK_CHECK_PROCESS)",
    )
    args = parser.parse_args()
    with signing_key_env(), tempfile.TemporaryDirectory() as scratch:
        model_dir: str | None = args.model_dir
        if model_dir is None and not args.no_model:
            started = time.perf_counter()
            model_dir = str(train(Path(scratch)))
            print(f"trained a model in {time.perf_counter() - started:.0f} s", flush=True)
        with fresh_database(args.backend) as url:
            run(url, model_dir or str(Path(scratch) / "none"), args)


def run(url: str, model_dir: str, args: argparse.Namespace) -> None:
    import coffer
    from coffer.risk.online import open_risk
    from coffer.settings import Settings
    from coffer.wallets import WalletSettings, open_wallets
    from coffer.wallets import schemas as S
    from coffer.wallets.checks import Movement

    settings = Settings(risk_model_dir=model_dir, risk_check_process=args.check_process)
    book = coffer.open(url, settings=settings)
    platform = open_wallets(book, WalletSettings(pii_key=PII_KEY, pii_key_id="bench"))
    wallets = platform.wallets
    made = [verified_company_wallet(platform, index) for index in range(args.wallets)]
    customers = [customer for customer, _ in made]
    ids = [wallet for _, wallet in made]
    risk = open_risk(platform, settings)
    for name, expression, action in (
        ("large_payout", "tx.kind == 'payout' && tx.amount > 5000000", "review"),
        ("blocked_country", "tx.ip_country == 'KP'", "block"),
        ("fast_burst", "features.customer_count_1h > 1000.0", "review"),
    ):
        risk.save_rule(P, name=name, expression=expression, action=action, actor="bench")
    platform.core.checks.unregister("risk")
    print(
        f"backend {args.backend}, model: {risk.online.model_version}, check in "
        + ("its own process" if args.check_process else "the transfers' process"),
        flush=True,
    )

    def transfers(count: int) -> float:
        rng = random.Random(7)
        batches = []
        for _ in range(count // args.batch):
            batch = []
            for _ in range(args.batch):
                a, b = rng.sample(ids, 2)
                batch.append(
                    (
                        S.TransferCreate(
                            debited_wallet_id=a,
                            credited_wallet_id=b,
                            amount=rng.randint(100, 5000),
                            currency="EUR",
                            metadata={"device_id": f"d{a[-4:]}", "ip_country": "FR"},
                        ),
                        None,
                    )
                )
            batches.append(batch)
        lock = threading.Lock()

        def worker() -> None:
            while True:
                with lock:
                    if not batches:
                        return
                    batch = batches.pop()
                for result in wallets.transfer_many(batch):
                    if isinstance(result, Exception):
                        with lock:
                            refused[result.code] = refused.get(result.code, 0) + 1

        threads = [threading.Thread(target=worker) for _ in range(args.threads)]
        started = time.perf_counter()
        cpu_started = time.process_time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        cpu_per_transfer.append((time.process_time() - cpu_started) / count * 1000)
        return count / (time.perf_counter() - started)

    refused: dict[str, int] = {}
    cpu_per_transfer: list[float] = []
    transfers(args.batch * args.threads * 2)  # warm up (caches, statement shapes)
    off, on = [], []
    cpu_off: list[float] = []
    cpu_on: list[float] = []
    for round_index in range(args.rounds):  # alternate which goes first
        for checked in (False, True) if round_index % 2 == 0 else (True, False):
            if checked:
                platform.core.checks.register(risk)
                on.append(transfers(args.transfers))
                cpu_on.append(cpu_per_transfer[-1])
                platform.core.checks.unregister("risk")
            else:
                off.append(transfers(args.transfers))
                cpu_off.append(cpu_per_transfer[-1])
    median_off, median_on = statistics.median(off), statistics.median(on)
    print(
        f"transfers, check off: median {median_off:,.0f}/s (runs: "
        + ", ".join(f"{v:,.0f}" for v in off)
        + ")",
        flush=True,
    )
    print(
        f"transfers, check on:  median {median_on:,.0f}/s (runs: "
        + ", ".join(f"{v:,.0f}" for v in on)
        + ")",
        flush=True,
    )
    print(f"ratio on/off: {median_on / median_off:.2f}x (target >= 0.8x)", flush=True)
    c_off, c_on = statistics.median(cpu_off), statistics.median(cpu_on)
    print(
        f"CPU per transfer (this process, ledger sequencer included): off {c_off:.3f} ms, "
        f"on {c_on:.3f} ms; throughput per CPU second on/off: {c_off / c_on:.2f}x",
        flush=True,
    )
    if refused:
        print(f"refused transfers (counted in the rate): {refused}", flush=True)

    rng = random.Random(11)
    serial = iter(range(10**9))

    def movement() -> Movement:
        a, b = rng.sample(range(len(ids)), 2)
        return Movement(
            kind=rng.choice(("transfer", "transfer", "payment", "payout")),
            id=f"bench{next(serial)}",
            platform_id=P,
            wallet_id=ids[a],
            customer_id=customers[a],
            amount=rng.randint(100, 500_000),
            currency="EUR",
            counterparty=customers[b],
            context={"device_id": f"d{a}", "ip_country": rng.choice(("FR", "FR", "DE", "US"))},
        )

    def open_loop(rate: float, count: int) -> None:
        interval = 1.0 / rate
        latencies = []
        cpu_started = time.process_time()
        scheduled = time.perf_counter() + 0.05
        for _ in range(count):
            item = movement()
            now = time.perf_counter()
            if now < scheduled:
                time.sleep(scheduled - now)
            risk.check([item])
            latencies.append(time.perf_counter() - scheduled)
            scheduled += interval
        cpu_ms = (time.process_time() - cpu_started) / count * 1000
        latencies.sort()
        p50 = latencies[len(latencies) // 2] * 1000
        p99 = latencies[int(len(latencies) * 0.99)] * 1000
        achieved = count / (latencies[-1] + (count - 1) * interval)
        print(
            f"decisions at {rate:,.0f}/s offered ({achieved:,.0f}/s achieved): p50 {p50:.2f} ms, "
            f"p99 {p99:.2f} ms, max {latencies[-1] * 1000:.2f} ms; "
            f"p99 / 5 ms target: {p99 / 5:.2f}x (target < 1); CPU {cpu_ms:.3f} ms a decision; "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )

    open_loop(args.rate, args.decisions)
    # the highest rate this machine sustains now: back to back (closed loop), then the
    # open-loop latencies at 90% of it (a sustained rate, not a growing queue)
    count = max(args.decisions // 2, 500)
    started = time.perf_counter()
    for _ in range(count):
        risk.check([movement()])
    capacity = count / (time.perf_counter() - started)
    print(f"decisions back to back: {capacity:,.0f}/s (one thread)", flush=True)
    open_loop(0.9 * capacity, args.decisions)
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(count):
            risk.check([movement()])
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    risk.close()
    book.close()


if __name__ == "__main__":
    main()
