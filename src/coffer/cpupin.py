"""Keeping a process that runs Coffer on one CPU (Linux).

CPython runs one thread at a time (the GIL). When many threads call the ledger at once
(64 callers of ``post()``, a server's thread pool), every transfer wakes its caller's thread
and hands the GIL over several times. With the threads spread over several CPUs, each
wake-up is an interrupt sent to another CPU (on a virtual machine, an exit to the
hypervisor) and the GIL then bounces between CPUs; on one CPU a wake-up is a local switch.
Measured on the 2-CPU machine of docs/performance.md: 64 threads x ``post()`` on PostgreSQL
1.09-1.54x faster pinned. The database server's processes are not affected: PostgreSQL
keeps the other CPUs.

What it costs: work that runs without the GIL (SQLite executing statements, hashing large
buffers) no longer overlaps the Python threads on another CPU. A process that wants more
than one CPU of Python runs several processes (each may pin itself to a CPU of its own).
"""

from __future__ import annotations

import os

_TASKS = "/proc/self/task"


def _current_cpu() -> int | None:
    """The CPU the calling thread runs on, from /proc (None if unknown)."""
    try:
        with open("/proc/thread-self/stat", encoding="ascii") as stat:
            text = stat.read()
    except OSError:
        return None
    # Field 39 (processor); the command name (field 2) may hold spaces, so count from
    # after its closing parenthesis, where field 3 starts.
    fields = text[text.rfind(")") + 2 :].split()
    try:
        return int(fields[36])
    except (IndexError, ValueError):
        return None


def pin_to_one_cpu(cpu: int | None = None) -> int | None:
    """Keep every thread of this process, and those it starts later, on one CPU.

    ``cpu``: the CPU to use (one of ``os.sched_getaffinity(0)``); by default the one the
    calling thread runs on now. Returns the CPU, or None where threads cannot be pinned
    (not Linux). ``coffer serve --pin-cpu`` calls it at start-up; a process that embeds
    Coffer and owns its interpreter may call it once, after start-up.

    Raises ValueError when ``cpu`` is not one this process may run on.
    """
    set_affinity = getattr(os, "sched_setaffinity", None)
    get_affinity = getattr(os, "sched_getaffinity", None)
    if set_affinity is None or get_affinity is None or not os.path.isdir(_TASKS):
        return None
    allowed = get_affinity(0)
    if cpu is None:
        current = _current_cpu()
        cpu = current if current in allowed else min(allowed)
    elif cpu not in allowed:
        raise ValueError(
            f"CPU {cpu} is not one this process may run on (allowed: {sorted(allowed)})"
        )
    # Threads inherit their creator's affinity: pinning every thread that exists now
    # pins those they start later too. sched_setaffinity takes a thread id on Linux.
    for task in os.listdir(_TASKS):
        try:
            set_affinity(int(task), {cpu})
        except ProcessLookupError:  # the thread ended meanwhile
            continue
    return cpu
