"""An embedding process keeps its scheduling and collector: ``import coffer`` and
``coffer.open()`` move no thread and retune nothing unless the settings ask; the home CPU
is on by default only where Coffer owns the process (``coffer serve``, ``coffer worker``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from coffer.settings import Settings, owned_process_settings

EMBED = textwrap.dedent(
    """
    import gc, json, os, sys
    before = (gc.get_threshold(), sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None)
    import coffer
    from coffer import Posting
    with coffer.open(sys.argv[1]) as c:
        ledger = c.ledger("main")
        ledger.post([Posting("world", "users:1", 5, "USD/2")])
        home = ledger._sequencer._home
    after = (gc.get_threshold(), sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None)
    print(json.dumps({"same": list(before) == list(after), "home": home is not None,
                      "frozen": gc.get_freeze_count()}))
    """
)


def test_open_changes_nothing_in_the_host_process(tmp_path: Path) -> None:
    script = tmp_path / "embed.py"
    script.write_text(EMBED)
    env = {"PATH": "/usr/bin:/bin", "COFFER_SIGNING_KEY_FILE": str(tmp_path / "key")}
    done = subprocess.run(
        [sys.executable, str(script), f"sqlite:///{tmp_path / 'c.db'}"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith('{"same": true, "home": false, "frozen": 0}'), done.stdout


def test_a_process_coffer_owns_has_the_home_cpu_unless_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COFFER_HOME_CPU", raising=False)
    assert Settings().home_cpu is None  # coffer.open(): off
    assert owned_process_settings(Settings()).home_cpu == "auto"
    assert owned_process_settings(Settings(home_cpu="off")).home_cpu == "off"
    assert owned_process_settings(Settings(home_cpu="1")).home_cpu == "1"
