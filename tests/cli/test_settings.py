"""docs/settings.md is the table ``coffer settings`` generates from the Settings fields."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from coffer.cli.main import app
from coffer.cli.settings import markdown
from coffer.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_the_committed_settings_page_is_the_generated_one() -> None:
    assert DOCS.read_text(encoding="utf-8") == markdown(), (
        "docs/settings.md is stale: run `coffer settings --markdown docs/settings.md`"
    )


def test_every_setting_has_a_description_and_a_row() -> None:
    text = markdown()
    for name, field in Settings.model_fields.items():
        assert field.description, name
        assert f"`COFFER_{name.upper()}`" in text


def test_the_command_prints_and_writes_the_table(tmp_path: Path) -> None:
    runner = CliRunner()
    printed = runner.invoke(app, ["settings"])
    assert printed.exit_code == 0 and "COFFER_PG_LEAD_CHUNK" in printed.output
    target = tmp_path / "settings.md"
    written = runner.invoke(app, ["settings", "--markdown", str(target)])
    assert written.exit_code == 0
    assert target.read_text(encoding="utf-8") == markdown()
