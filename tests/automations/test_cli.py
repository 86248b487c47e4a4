"""``coffer automations ...`` on a SQLite database, with ``coffer worker --once``."""

from __future__ import annotations

import json
import os
from pathlib import Path

from typer.testing import CliRunner

from coffer.cli.main import app


def test_create_run_and_inspect(tmp_path: os.PathLike[str]) -> None:
    """On the suite's key files (tests/conftest.py)."""
    database = ["--database", f"sqlite:///{tmp_path}/c.db"]
    runner = CliRunner()
    definition = Path(tmp_path) / "automation.json"
    definition.write_text(
        json.dumps(
            {
                "name": "note",
                "definition": {
                    "trigger": {"type": "manual"},
                    "steps": [{"id": "note", "type": "set", "values": {"n": "=inputs.n * 2"}}],
                },
            }
        )
    )
    created = runner.invoke(app, ["automations", "create", str(definition), *database])
    assert created.exit_code == 0, created.output
    automation = json.loads(created.output)
    assert automation["secret"].startswith("whsec_")
    listed = runner.invoke(app, ["automations", "list", *database])
    assert [a["id"] for a in json.loads(listed.output)["data"]] == [automation["id"]]
    run = runner.invoke(
        app, ["automations", "run", automation["id"], "--inputs", '{"n": 21}', *database]
    )
    assert run.exit_code == 0, run.output
    run_id = json.loads(run.output)["id"]
    worked = runner.invoke(app, ["worker", "--once", *database])
    assert worked.exit_code == 0, worked.output
    shown = json.loads(
        runner.invoke(app, ["automations", "runs", "show", run_id, *database]).output
    )
    assert shown["status"] == "succeeded"
    assert shown["output"]["note"] == {"n": 42}
    paused = runner.invoke(app, ["automations", "pause", automation["id"], *database])
    assert json.loads(paused.output)["status"] == "paused"
    refused = runner.invoke(app, ["automations", "run", automation["id"], *database])
    assert refused.exit_code == 1 and "invalid_state" in refused.output
    bad = Path(tmp_path) / "bad.json"
    bad.write_text(
        json.dumps({"name": "bad", "definition": {"trigger": {"type": "manual"}, "steps": []}})
    )
    invalid = runner.invoke(app, ["automations", "create", str(bad), *database])
    assert invalid.exit_code != 0
