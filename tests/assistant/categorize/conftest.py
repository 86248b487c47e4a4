from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from coffer.assistant.categorize.classifier import TextClassifier, load_or_train


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("categorizer-cache")


@pytest.fixture(scope="session")
def classifier(model_cache: Path) -> TextClassifier:
    return load_or_train(str(model_cache))


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch, model_cache: Path) -> Iterator[None]:
    from coffer.settings import get_settings

    monkeypatch.setenv("COFFER_ASSISTANT_MODEL_CACHE_DIR", str(model_cache))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
