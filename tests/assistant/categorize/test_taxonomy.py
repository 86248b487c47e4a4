from __future__ import annotations

from coffer.assistant.taxonomy import (
    CATEGORIES,
    DETAILED_CATEGORIES,
    PRIMARY_CATEGORIES,
    detailed_of,
    other_of,
    primary_of,
)


def test_sixteen_primaries_and_104_detailed() -> None:
    assert len(PRIMARY_CATEGORIES) == 16
    assert len(DETAILED_CATEGORIES) == 104
    assert len(set(DETAILED_CATEGORIES)) == 104


def test_every_detailed_belongs_to_its_primary() -> None:
    for name, category in CATEGORIES.items():
        assert category.primary in PRIMARY_CATEGORIES
        assert name.startswith(category.primary + "_")
        assert primary_of(name) == category.primary
        assert category.description


def test_each_primary_has_details_and_a_catch_all() -> None:
    for primary in PRIMARY_CATEGORIES:
        assert detailed_of(primary)
        assert primary_of(other_of(primary)) == primary


def test_the_issue_conventions_exist() -> None:
    for name in (
        "TRANSFER_OUT_WITHDRAWAL",
        "TRANSFER_IN_ACCOUNT_TRANSFER",
        "TRANSFER_OUT_SAVINGS",
        "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT",
        "INCOME_TAX_REFUND",
        "GENERAL_SERVICES_INSURANCE",
        "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
        "RENT_AND_UTILITIES_TELEPHONE",
    ):
        assert name in CATEGORIES
