"""How long the largest scripts the Numscript limits accept hold a ledger, and what they do
to another ledger's writes.

Figures, as ratios to references measured in the same run:

1. per worst-case script (at the default limits: a 1,000-way allotment, a source nested
   to the depth limit, a program of the largest size made of sends): the time its
   evaluation holds the sequencer (``execute``) and its parse, each as a multiple of a
   one-posting transaction's ``ledger.post`` latency;
2. the median and 99th-percentile latency of one-posting transactions on ledger ``other``
   while a thread runs worst-case scripts on ledger ``main`` back to back, as ratios to the
   same latencies while that thread posts the same postings directly (no script): what
   the scripts add over the money movements themselves.

    ./dev bench numscript_bounds [--seconds 3] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable

import coffer
from coffer import Posting
from coffer.numscript import execute, parse
from coffer.numscript.limits import DEFAULT_LIMITS
from common import fresh_database, signing_key_env


def allotment(parts: int, salt: int = 0) -> str:
    lines = "\n".join(f"1/{parts} to @d:{salt}:{i}" for i in range(parts))
    return f"send [USD/2 {parts * 100}] (source = @world destination = {{ {lines} }})"


def nested(depth: int, salt: int = 0) -> str:
    inner = "{ " * depth + "@world" + " }" * depth
    return f"send [USD/2 1] (source = {inner} destination = @n:{salt})"


def many_sends(budget: int, salt: int = 0) -> str:
    line = f"send [USD/2 1] (source = @world destination = @s:{salt})\n"
    return line * (budget // len(line))


def worst_cases(salt: int) -> dict[str, str]:
    limits = DEFAULT_LIMITS
    return {
        f"{limits.max_allotment_parts}-way allotment": allotment(limits.max_allotment_parts, salt),
        f"nested {limits.max_nesting - 2} deep": nested(limits.max_nesting - 2, salt),
        f"{limits.max_source_bytes:,}-byte program": many_sends(
            limits.max_source_bytes - 100, salt
        ),
    }


def post_latencies(ledger: coffer.Ledger, seconds: float) -> list[float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    index = 0
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        ledger.post([Posting("world", f"users:{index % 100}", 1, "USD/2")])
        latencies.append(time.perf_counter() - started)
        index += 1
    return latencies


def p99(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.99)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    with signing_key_env(), fresh_database(args.backend) as url, coffer.open(url) as c:
        main_ledger, other = c.ledger("main"), c.ledger("other")
        post_latencies(other, 0.5)  # warm up (and build the Numscript parser)
        main_ledger.run("send [USD/2 1] (source = @world destination = @warm)")
        baseline = post_latencies(other, args.seconds)
        reference = statistics.median(baseline)
        print(f"reference: one-posting ledger.post median {reference * 1e3:.2f} ms")
        for name, text in worst_cases(0).items():
            started = time.perf_counter()
            program = parse(text)
            parsed = time.perf_counter() - started
            started = time.perf_counter()
            execute(program)
            ran = time.perf_counter() - started
            print(
                f"{name}: execute {ran / reference:.1f}x reference ({ran * 1e3:.1f} ms), "
                f"parse {parsed / reference:.1f}x ({parsed * 1e3:.0f} ms, outside the sequencer)"
            )
        plain = {name: execute(parse(text)).postings for name, text in worst_cases(0).items()}
        direct = _loaded(
            other,
            args.seconds,
            lambda salt: [
                main_ledger.post([Posting(p.source, p.destination, p.amount, p.asset) for p in ps])
                for ps in plain.values()
            ],
        )
        scripted = _loaded(
            other,
            args.seconds,
            lambda salt: [main_ledger.run(text) for text in worst_cases(salt).values()],
        )
        print(
            f"ledger 'other' while 'main' runs the worst-case scripts: median "
            f"{statistics.median(scripted) / statistics.median(direct):.2f}x, p99 "
            f"{p99(scripted) / p99(direct):.2f}x its latencies while 'main' posts the same "
            f"postings directly (p99 {p99(direct) * 1e3:.1f} -> {p99(scripted) * 1e3:.1f} ms; "
            f"alone: {p99(baseline) * 1e3:.1f} ms)"
        )


def _loaded(other: coffer.Ledger, seconds: float, load: Callable[[int], object]) -> list[float]:
    """Latencies on ``other`` while another thread calls ``load(salt)`` back to back."""
    stop = threading.Event()

    def work() -> None:
        salt = 1
        while not stop.is_set():
            load(salt)
            salt += 1

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        return post_latencies(other, seconds)
    finally:
        stop.set()
        thread.join()


if __name__ == "__main__":
    main()
