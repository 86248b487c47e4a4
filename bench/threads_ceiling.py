"""The ceiling of the 64-thread design in CPython, without the ledger: 64 threads each hand
one request to an engine thread and wait for it, with a given amount of pure-Python work
per request on each side (busy loops standing in for validating, applying, encoding).

    ./dev bench threads_ceiling

Prints requests/s for several splits of work; compare with ledger_threads in the same hour.
"""

from __future__ import annotations

import collections
import statistics
import threading
import time


def spin(microseconds: float) -> None:
    if microseconds <= 0:
        return
    end = time.perf_counter() + microseconds / 1e6
    while time.perf_counter() < end:
        pass


def run(
    threads: int = 64, seconds: float = 3.0, caller_us: float = 0, engine_us: float = 0
) -> float:
    queued: collections.deque[threading.Lock] = collections.deque()
    cond = threading.Condition()
    stop = False
    done = [0] * threads

    def engine() -> None:
        while not stop:
            with cond:
                while not queued and not stop:
                    cond.wait(0.1)
                batch = list(queued)
                queued.clear()
            for _ in batch:
                spin(engine_us)
            for lock in batch:
                lock.release()

    def caller(index: int) -> None:
        count = 0
        while not stop:
            spin(caller_us)
            lock = threading.Lock()
            lock.acquire()
            with cond:
                queued.append(lock)
                cond.notify()
            lock.acquire()
            count += 1
        done[index] = count

    threading.Thread(target=engine, daemon=True).start()
    workers = [threading.Thread(target=caller, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    time.sleep(seconds)
    stop = True
    with cond:
        cond.notify_all()
    for worker in workers:
        worker.join(1)
    return sum(done) / seconds


def main() -> None:
    for caller_us, engine_us in ((0, 0), (20, 0), (20, 20), (40, 20)):
        runs = [run(caller_us=caller_us, engine_us=engine_us) for _ in range(3)]
        shown = ", ".join(f"{r:,.0f}" for r in runs)
        print(
            f"64 threads, {caller_us} µs per request in the caller, {engine_us} µs in the engine:"
            f" median {statistics.median(runs):,.0f} requests/s (runs: {shown})",
            flush=True,
        )


if __name__ == "__main__":
    main()
