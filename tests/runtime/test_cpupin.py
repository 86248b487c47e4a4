"""coffer.pin_to_one_cpu(): every thread of the process, and those started later, on one CPU.

Pinning is for the whole process, so the tests that pin run in a process of their own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError as PydanticValidationError

import coffer
from coffer.runtime import cpupin
from coffer.settings import Settings

linux_only = pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity") or not os.path.isdir("/proc/self/task"),
    reason="threads are pinned on Linux only",
)

PINNING = """
import json, os, threading
import coffer

stop = threading.Event()
before = threading.Thread(target=stop.wait)
before.start()
cpu = coffer.pin_to_one_cpu({cpu})
seen = {{}}
after = threading.Thread(target=lambda: seen.update(after=sorted(os.sched_getaffinity(0))))
after.start()
after.join()
tasks = {{
    task: sorted(os.sched_getaffinity(int(task))) for task in os.listdir("/proc/self/task")
}}
stop.set()
before.join()
print(json.dumps({{"cpu": cpu, "tasks": tasks, "after": seen["after"]}}))
"""


def _run_child(script: str) -> dict[str, Any]:
    """Run ``script`` in a Python process of its own; what it printed, as JSON."""
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def _pin_in_child(cpu: int | None) -> dict[str, Any]:
    return _run_child(PINNING.format(cpu=cpu))


@linux_only
def test_every_thread_before_and_after_is_pinned_to_the_current_cpu() -> None:
    result = _pin_in_child(None)
    cpu = result["cpu"]
    assert cpu in os.sched_getaffinity(0)
    tasks = result["tasks"]
    assert isinstance(tasks, dict) and len(tasks) >= 2  # the main thread and ``before``
    assert all(allowed == [cpu] for allowed in tasks.values()), tasks
    assert result["after"] == [cpu]


@linux_only
def test_a_chosen_cpu() -> None:
    chosen = max(os.sched_getaffinity(0))
    result = _pin_in_child(chosen)
    assert result["cpu"] == chosen
    assert result["after"] == [chosen]


@linux_only
def test_a_cpu_the_process_may_not_use_is_refused_and_nothing_changes() -> None:
    before = os.sched_getaffinity(0)
    outside = max(before) + 1
    with pytest.raises(ValueError, match=f"CPU {outside} is not one this process may run on"):
        coffer.pin_to_one_cpu(outside)
    assert os.sched_getaffinity(0) == before


def test_without_thread_affinity_nothing_is_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "sched_setaffinity", raising=False)
    assert cpupin.pin_to_one_cpu() is None


@linux_only
def test_the_current_cpu_is_read_from_proc() -> None:
    cpu = cpupin._current_cpu()
    assert cpu is not None and cpu in os.sched_getaffinity(0)


# -- HomeCpu: callers on one CPU only while they queue on a ledger ----------------------

two_cpus = pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="moving threads between CPUs needs two CPUs or more",
)

INTERRUPTS = """\
           CPU0       CPU1       CPU2
  0:         44          0          0   IO-APIC   2-edge      timer
 36:          0    1218350         10   PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0
 41:       1528          0          5   PCI-MSIX-0000:00:04.0   1-edge      virtio3-rx
 42:          0       3276          0   PCI-MSIX-0000:00:04.0   2-edge      virtio3-tx
NMI:          0          0          0   Non-maskable interrupts
LOC:     427692     344354     100000   Local timer interrupts
RES:     406064     615830     200000   Rescheduling interrupts
ERR:          0
"""


def test_device_interrupts_count_numbered_lines_only(tmp_path: Path) -> None:
    source = tmp_path / "interrupts"
    source.write_text(INTERRUPTS)
    assert cpupin.device_interrupts(str(source)) == {0: 1572, 1: 1221626, 2: 15}
    assert cpupin.device_interrupts(str(tmp_path / "missing")) == {}


@two_cpus
def test_auto_takes_the_quietest_cpu_no_other_process_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    allowed = sorted(os.sched_getaffinity(0))
    quiet, busy = allowed[-1], allowed[0]
    counts = dict.fromkeys(allowed, 1_000)
    counts[quiet], counts[busy] = 5, 10
    monkeypatch.setattr(cpupin, "device_interrupts", lambda: counts)
    monkeypatch.setattr(cpupin.tempfile, "gettempdir", lambda: str(tmp_path))
    first, second = cpupin.HomeCpu(), cpupin.HomeCpu()
    try:
        assert first._claim(set(allowed)) == quiet  # fewest device interrupts
        # The lock file is held: another claimant (as another process would) goes on.
        assert second._claim(set(allowed)) == busy
        assert (tmp_path / f"coffer-home-cpu-{quiet}.lock").exists()
    finally:
        for home in (first, second):
            home._forget_claim()
    third = cpupin.HomeCpu()  # the claims are released: the quiet CPU is free again
    try:
        assert third._claim(set(allowed)) == quiet
    finally:
        third._forget_claim()


HOME = """
import json, os, threading
from coffer.runtime import cpupin

home = cpupin.HomeCpu({cpu})
original = os.sched_getaffinity(0)
out = {{}}
saved = home.enter()
out["inside"] = sorted(os.sched_getaffinity(0))
out["nested"] = home.enter()
started = threading.Thread(target=lambda: out.update(started=sorted(os.sched_getaffinity(0))))
home.start(started)
started.join()
out["inside_after_start"] = sorted(os.sched_getaffinity(0))
home.leave(saved)
out["restored"] = os.sched_getaffinity(0) == original
narrow = {{min(original)}} if {cpu} != min(original) else {{max(original)}}
os.sched_setaffinity(0, narrow)
out["narrow_moved"] = home.enter()  # a thread on one CPU (pinned by its owner) stays
out["narrow_kept"] = os.sched_getaffinity(0) == narrow
os.sched_setaffinity(0, original)
stayer = threading.Thread(target=lambda: (home.stay(), out.update(stay=sorted(os.sched_getaffinity(0)))))
stayer.start()
stayer.join()
out["main_after"] = os.sched_getaffinity(0) == original
print(json.dumps(out))
"""


@two_cpus
def test_a_thread_goes_home_and_gets_its_cpus_back() -> None:
    cpu = max(os.sched_getaffinity(0))
    out = _run_child(HOME.format(cpu=cpu))
    assert out["inside"] == [cpu]
    assert out["nested"] is None  # already home: nothing to give back twice
    assert out["started"] == sorted(os.sched_getaffinity(0))  # a new thread: its creator's CPUs
    assert out["inside_after_start"] == [cpu]
    assert out["restored"] is True
    assert out["narrow_moved"] is None and out["narrow_kept"] is True
    assert out["stay"] == [cpu]
    assert out["main_after"] is True


def test_home_cpu_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cpupin.home_cpu("off") is None
    assert cpupin.home_cpu(" OFF ") is None
    auto = cpupin.home_cpu("auto")
    assert auto is not None and auto is cpupin.home_cpu("auto")  # one per process
    if hasattr(os, "sched_getaffinity"):
        outside = max(os.sched_getaffinity(0)) + 1
        with pytest.raises(ValueError, match=f"COFFER_HOME_CPU={outside} is not a CPU"):
            cpupin.home_cpu(str(outside))
    monkeypatch.setenv("COFFER_HOME_CPU", "fastest")
    with pytest.raises(PydanticValidationError, match="home_cpu"):
        Settings()


def test_without_thread_affinity_nobody_moves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "sched_setaffinity", raising=False)
    home = cpupin.HomeCpu(0)
    assert home.enter() is None
    home.stay()  # no error, nothing done


@two_cpus
def test_a_refused_move_turns_moving_off(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(pid: int, cpus: object) -> None:
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(os, "sched_setaffinity", refuse)
    home = cpupin.HomeCpu(max(os.sched_getaffinity(0)))
    before = os.sched_getaffinity(0)
    assert home.enter() is None
    assert home.enabled is False
    assert home.enter() is None
    assert os.sched_getaffinity(0) == before
