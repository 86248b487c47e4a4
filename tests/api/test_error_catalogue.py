"""docs/errors.md is generated from the error tree and kept in step with it."""

from __future__ import annotations

from coffer.api import error_catalogue
from coffer.errors import error_classes


def test_the_committed_catalogue_is_the_generated_one() -> None:
    committed = error_catalogue.DOC.read_text(encoding="utf-8")
    assert committed == error_catalogue.render(), (
        "docs/errors.md is out of date: python -m coffer.api.error_catalogue --write"
    )
    assert error_catalogue.main(["--check"]) == 0


def test_every_error_has_a_unique_code_a_status_when_and_what_to_do() -> None:
    error_catalogue.import_every_module()
    classes = error_classes()
    seen: set[str] = set()
    for cls in classes:
        assert cls.code not in seen and cls.code.islower()
        seen.add(cls.code)
        assert 400 <= cls.status < 600
        assert error_catalogue._when(cls), f"{cls.__name__} has no docstring (when)"
        assert cls.hint, f"{cls.__name__} has no hint"
    assert {"incorrect_number", "insufficient_funds", "decryption_failed"} <= seen
