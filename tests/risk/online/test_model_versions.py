"""Model versions: a trained folder registered as a platform's version (window, held-out
metrics, features), listed and read through the service, the API and the CLI, activated
(decisions record the version that scored them), rolled back; other platforms unaffected."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.risk.online.conftest import World
from tests.risk.online.test_endpoints import ALL, api  # noqa: F401 (the fixture)
from typer.testing import CliRunner

from coffer.cli.main import app
from coffer.errors import RiskModelMissing, RiskModelPathRefused, RiskNotFound
from coffer.risk.features import FEATURE_NAMES
from coffer.risk.online import RiskService
from coffer.settings import Settings

pytestmark = pytest.mark.slow  # simulates and trains a small model once (about 10 s)
ADMIN = "analyst@example.org"
P = "plat_default"
runner = CliRunner()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("risk-model")
    simulate = ["simulate", "--output-dir", str(folder), "--seed", "3", "--customers", "120"]
    simulate += ["--days", "30", "--fraud-rate", "0.01", "--patterns", "1"]
    for command in (
        simulate,
        ["train", "--input", str(folder / "train.jsonl"), "--model-dir", str(folder / "m1")],
    ):
        result = runner.invoke(app, ["risk", *command], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return folder / "m1"


@pytest.fixture
def settings(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The model root holds every test's folders (the module's model and tmp_path)."""
    return Settings(
        signing_key_file=str(tmp_path / "signing.key"),
        risk_model_dir=str(tmp_path / "no-model"),
        risk_model_root=str(tmp_path_factory.getbasetemp()),
    )


def test_register_activate_score_and_roll_back(
    world: World, risk: RiskService, model_dir: Path, tmp_path: Path
) -> None:
    second = tmp_path / "m2"
    shutil.copytree(model_dir, second)
    one = risk.register_model(P, str(model_dir), actor=ADMIN)
    two = risk.register_model(P, str(second), actor=ADMIN)
    assert (one["version"], two["version"]) == (1, 2)
    assert one["feature_names"] == list(FEATURE_NAMES)
    assert "validation" in one["metrics"]  # measured on the held-out part
    assert one["training_window"]["start"] < one["training_window"]["end"]
    assert [v["id"] for v in risk.model_versions(P)] == [two["id"], one["id"]]
    assert not any(v["active"] for v in risk.model_versions(P))
    # without an active version the default model scores (none here: the expert rules)
    world.transfer(1_000)
    assert risk.decisions(P)[0][0]["model_version"] == "none"
    risk.activate_model(P, one["id"], actor=ADMIN)
    world.transfer(1_000)
    assert risk.decisions(P)[0][0]["model_version"] == one["id"]
    assert risk.model_info(P)["scoring_version"] == one["id"]
    risk.activate_model(P, two["id"], actor=ADMIN)
    world.transfer(1_000)
    assert risk.decisions(P)[0][0]["model_version"] == two["id"]
    assert [v["active"] for v in risk.model_versions(P)] == [True, False]
    back = risk.rollback_model(P, actor=ADMIN)
    assert back["id"] == one["id"] and back["active"]
    world.transfer(1_000)
    assert risk.decisions(P)[0][0]["model_version"] == one["id"]
    # another platform sees none of it
    assert risk.model_versions("plat_other") == []
    with pytest.raises(RiskNotFound):
        risk.model_version("plat_other", one["id"])
    with pytest.raises(RiskNotFound):
        risk.rollback_model("plat_other", actor=ADMIN)


def test_a_folder_without_a_model_is_refused(risk: RiskService, tmp_path: Path) -> None:
    with pytest.raises(RiskModelMissing):
        risk.register_model(P, str(tmp_path), actor=ADMIN)
    for bad in ("0" * 1500, "a\x00b"):  # names the system refuses: the same clear error
        with pytest.raises(RiskModelMissing):
            risk.register_model(P, bad, actor=ADMIN)
    assert risk.model_versions(P) == []


def test_model_versions_over_http_and_cli(
    api: TestClient,  # noqa: F811
    model_dir: Path,
    database_url: str,
) -> None:
    headers = {"Authorization": f"Bearer {ALL}"}
    made = api.post(
        "/api/risk/v1/models/versions", headers=headers, json={"model_dir": str(model_dir)}
    )
    assert made.status_code == 201, made.text
    version_id = made.json()["id"]
    listed = api.get("/api/risk/v1/models/versions", headers=headers).json()["data"]
    assert [v["id"] for v in listed] == [version_id]
    active = api.post(f"/api/risk/v1/models/versions/{version_id}/activate", headers=headers)
    assert active.status_code == 200 and active.json()["active"] is True
    other = {**headers, "x-platform": "plat_other"}
    assert api.get(f"/api/risk/v1/models/versions/{version_id}", headers=other).status_code == 404
    outside = api.post(
        "/api/risk/v1/models/versions", headers=headers, json={"model_dir": "/nonexistent"}
    )
    assert outside.status_code == 400
    assert outside.json()["error"]["code"] == "risk_model_path_refused"
    missing = api.post(
        "/api/risk/v1/models/versions", headers=headers, json={"model_dir": "no-such-model"}
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "risk_model_missing"
    shown = runner.invoke(
        app, ["risk", "models", "list", "--database", database_url], catch_exceptions=False
    )
    assert shown.exit_code == 0 and version_id in shown.output
    policy = runner.invoke(
        app,
        ["risk", "review-policy", "--set", "escalate", "--database", database_url],
        catch_exceptions=False,
    )
    assert policy.exit_code == 0 and '"escalate"' in policy.output


def test_only_folders_under_the_model_root_are_registered(
    risk: RiskService, model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.getbasetemp()
    relative = model_dir.relative_to(root)
    made = risk.register_model(P, str(relative), actor=ADMIN)  # relative to the root
    assert made["model_dir"] == str(model_dir.resolve())
    # outside the root: refused the same way whether the folder exists or not
    for outside in ("/etc", "/nonexistent", str(root / ".." / ".."), f"{relative}/../../../.."):
        with pytest.raises(RiskModelPathRefused) as refused:
            risk.register_model(P, outside, actor=ADMIN)
        assert "model root" in str(refused.value) and "/etc" not in str(refused.value)
    escape = root / "escape"
    if not escape.exists():
        escape.symlink_to("/", target_is_directory=True)
    with pytest.raises(RiskModelPathRefused):  # a link leading out of the root
        risk.register_model(P, "escape/etc", actor=ADMIN)
    assert len(risk.model_versions(P)) == 1


def test_without_a_model_root_only_the_cli_registers_by_path(
    risk: RiskService, model_dir: Path
) -> None:
    risk.settings = risk.settings.model_copy(update={"risk_model_root": None})
    with pytest.raises(RiskModelPathRefused, match="COFFER_RISK_MODEL_ROOT"):
        risk.register_model(P, str(model_dir), actor=ADMIN)
    made = risk.register_model(P, str(model_dir), actor=ADMIN, anywhere=True)  # the CLI
    assert made["model_dir"] == str(model_dir.resolve())
