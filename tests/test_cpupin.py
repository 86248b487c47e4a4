"""coffer.pin_to_one_cpu(): every thread of the process, and those started later, on one CPU.

Pinning is for the whole process, so the tests that pin run in a process of their own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import coffer
from coffer import cpupin

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


def _pin_in_child(cpu: int | None) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PINNING.format(cpu=cpu)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    result: dict[str, object] = json.loads(out)
    return result


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
