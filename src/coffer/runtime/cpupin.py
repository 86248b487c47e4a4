"""Keeping the threads that call Coffer's ledgers on one CPU (Linux).

Two ways: :class:`HomeCpu` moves callers to one CPU only while they queue on a ledger (on
by default where Coffer owns the process, ``coffer serve`` and ``coffer worker``; off in
an embedding process unless its settings set ``home_cpu``); :func:`pin_to_one_cpu`,
opt-in, keeps the whole process there for good.

CPython runs one thread at a time (the GIL). When many threads call the ledger at once
(64 callers of ``post()``, a server's thread pool), every transfer wakes its caller's thread
and hands the GIL over several times. With the threads spread over several CPUs, each
wake-up is an interrupt sent to another CPU (on a virtual machine, an exit to the
hypervisor) and the GIL then bounces between CPUs; on one CPU a wake-up is a local switch.
On a 2-CPU machine, 64 threads x ``post()`` on PostgreSQL run faster pinned (figures:
docs/performance.md). The database server's processes are not affected: PostgreSQL
keeps the other CPUs.

What pinning the whole process costs: work that runs without the GIL (SQLite executing
statements, hashing large buffers) no longer overlaps the Python threads on another CPU. A
process that wants more than one CPU of Python runs several processes (each may pin itself
to a CPU of its own). :class:`HomeCpu` leaves such work where it is: a caller alone (one
``post_many`` at a time) is never moved, nor is SQLite's writer thread, and each process
takes a home CPU of its own while there are CPUs no other process has taken.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading

_TASKS = "/proc/self/task"
log = logging.getLogger(__name__)


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


def device_interrupts(path: str = "/proc/interrupts") -> dict[int, int]:
    """Device interrupts served so far per CPU, from /proc/interrupts (empty if unknown)."""
    try:
        with open(path, encoding="ascii", errors="replace") as source:
            header = source.readline().split()
            cpus = [int(name[3:]) for name in header if name.startswith("CPU")]
            counts = dict.fromkeys(cpus, 0)
            for line in source:
                name, _, rest = line.partition(":")
                if not name.strip().isdigit():
                    continue  # timer, rescheduling, function call interrupts: not devices
                for cpu, value in zip(cpus, rest.split(), strict=False):
                    if not value.isdigit():
                        break
                    counts[cpu] += int(value)
    except (OSError, ValueError):
        return {}
    return counts


class HomeCpu:
    """One CPU where the threads that queue on the ledgers of this process run while they
    wait on each other (``COFFER_HOME_CPU``, on by default).

    A caller of ``post()`` that finds the ledger busy (another caller is applying a batch,
    or requests are queued) moves to the home CPU for the length of the call and gets its
    own CPU affinity back before it returns. The threads that hand the GIL to one another
    at every transfer are then woken on the CPU they run on, without an interrupt to
    another CPU, as with :func:`pin_to_one_cpu`, but only while they are the ledger's, and
    never while a caller is alone (one ``post()`` or ``post_many`` at a time keeps its CPU).
    The database server and the process's other threads keep every CPU.

    ``cpu``: the home CPU, or None to choose it when the first caller finds a ledger busy
    (see :meth:`_claim`). Nothing is moved where affinity cannot be set (not Linux), for a
    thread that may run on one CPU only or not on the home CPU, and after the system
    refused a change once.
    """

    def __init__(self, cpu: int | None = None) -> None:
        self.cpu = cpu
        self._home: set[int] = set() if cpu is None else {cpu}
        self._local = threading.local()  # the affinity a moved thread had before
        self._choosing = threading.Lock()
        self._claim_fd: int | None = None  # the lock file claiming the CPU chosen for auto
        self.enabled = hasattr(os, "sched_setaffinity") and hasattr(os, "sched_getaffinity")

    def enter(self) -> set[int] | None:
        """Move the calling thread to the home CPU; return the affinity to give it back
        (:meth:`leave`), or None when it was not moved."""
        if not self.enabled or getattr(self._local, "saved", None) is not None:
            return None  # unavailable, or this thread is home already (a nested call)
        try:
            allowed = os.sched_getaffinity(0)
            if len(allowed) < 2 or not self._choose(allowed):
                return None  # pinned already (pin_to_one_cpu), or kept off the home CPU
            os.sched_setaffinity(0, self._home)
        except OSError as exc:  # the CPU went offline or out of this process's cpuset
            self._disable(exc)
            return None
        self._local.saved = allowed
        return allowed

    def _choose(self, allowed: set[int]) -> bool:
        """Choose the home CPU if need be; whether a thread allowed ``allowed`` may go."""
        if self.cpu is None:
            with self._choosing:
                if self.cpu is None:
                    self.cpu = self._claim(allowed)
                    self._home = {self.cpu}
        return self.cpu in allowed

    def _claim(self, allowed: set[int]) -> int:
        """The CPU for ``auto``: of those ``allowed``, the one that has served the fewest
        device interrupts (disk and network completions would interrupt the GIL's holder)
        that no other process has claimed as its home (a lock file per CPU in the temporary
        folder, held until the process ends), else the one the caller runs on."""
        import fcntl  # here: Unix only, and only where affinity can be set (enabled)

        interrupts = device_interrupts()
        for cpu in sorted(allowed, key=lambda c: (interrupts.get(c, 0), c)):
            path = os.path.join(tempfile.gettempdir(), f"coffer-home-cpu-{cpu}.lock")
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o666)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            self._claim_fd = fd
            return cpu
        current = _current_cpu()
        return current if current is not None and current in allowed else min(allowed)

    def _forget_claim(self) -> None:
        """In a forked child: the parent keeps its claim, the child chooses anew."""
        fd, self._claim_fd = self._claim_fd, None
        if fd is not None:
            os.close(fd)  # the parent's lock stays: it is held by the parent's descriptor
            self.cpu = None
            self._home = set()
        self._local = threading.local()
        self._choosing = threading.Lock()

    def leave(self, saved: set[int]) -> None:
        """Give the calling thread back the affinity :meth:`enter` returned."""
        self._local.saved = None
        self._move(saved)

    def stay(self) -> None:
        """Keep the calling thread on the home CPU for good (a thread of the ledger's own
        that hands batches to the callers, such as PostgreSQL's writer)."""
        if self.enter() is not None:
            self._local.saved = None  # nothing to give back

    def start(self, thread: threading.Thread) -> None:
        """Start ``thread`` with the affinity the calling thread had before :meth:`enter`
        (a new thread inherits its creator's)."""
        saved: set[int] | None = getattr(self._local, "saved", None)
        if saved is None:
            thread.start()
            return
        self._move(saved)
        try:
            thread.start()
        finally:
            if self.enabled:
                self._move(self._home)

    def _move(self, cpus: set[int]) -> None:
        """Set the calling thread's affinity; a refusal turns moving off."""
        try:
            os.sched_setaffinity(0, cpus)
        except OSError as exc:
            self._disable(exc)

    def _disable(self, exc: OSError) -> None:
        if self.enabled:
            self.enabled = False
            log.warning("coffer: threads stay where they are (home CPU %s: %s)", self.cpu, exc)


_homes: dict[str, HomeCpu | None] = {}
_homes_lock = threading.Lock()


def _after_fork() -> None:
    global _homes_lock
    _homes_lock = threading.Lock()
    for home in _homes.values():
        if home is not None:
            home._forget_claim()


_fork_hook = False  # registered with the first home CPU: importing changes nothing


def home_cpu(setting: str) -> HomeCpu | None:
    """The process's :class:`HomeCpu` for a ``COFFER_HOME_CPU`` value: ``auto`` (chosen
    when a ledger is first busy, see :meth:`HomeCpu._claim`), a CPU number, or ``off``
    (None). One per value, shared by every ledger of the process: the GIL is the
    process's."""
    value = setting.strip().lower()
    if value == "off":
        return None
    global _fork_hook
    with _homes_lock:
        if not _fork_hook and hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_after_fork)
            _fork_hook = True
        home = _homes.get(value)
        if home is None:
            cpu = None if value == "auto" else int(value)
            allowed = getattr(os, "sched_getaffinity", None)
            if cpu is not None and allowed is not None and cpu not in allowed(0):
                raise ValueError(
                    f"COFFER_HOME_CPU={cpu} is not a CPU this process may run on "
                    f"(allowed: {sorted(allowed(0))}); use auto, off or one of those"
                )
            home = _homes[value] = HomeCpu(cpu)
        return home
