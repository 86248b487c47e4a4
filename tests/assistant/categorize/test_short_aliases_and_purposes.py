from __future__ import annotations

from collections.abc import Sequence

import pytest

from coffer.assistant.categorize import StatementLine, categorize
from coffer.assistant.categorize.aliases import is_short, stands_alone
from coffer.assistant.categorize.merchants import _shop_words
from coffer.assistant.categorize.pipeline import Predictor


def detailed(description: str, mcc: str | None = None) -> tuple[str | None, str | None]:
    result = categorize([StatementLine("t", description, 2500, "EUR", "debit", mcc)])[0]
    return result.detailed, result.merchant


@pytest.mark.parametrize(
    ("description", "brand", "category"),
    [
        ("DD EE LIMITED", "EE", "RENT_AND_UTILITIES_TELEPHONE"),
        ("DIRECT DEBIT O2 MOBILE", "O2", "RENT_AND_UTILITIES_TELEPHONE"),
        ("CARD PAYMENT TO BP CONNECT M4 ON 15-11", "BP", "TRANSPORTATION_GAS"),
        ("CARD PAYMENT TO 3 MOBILE TOP UP ON 10-11", None, "RENT_AND_UTILITIES_TELEPHONE"),
        ("SEPA LASTSCHRIFT CZ ZORGVERZEKERAAR", "CZ", "GENERAL_SERVICES_INSURANCE"),
        ("CVS/PHARMACY #1234 BOSTON MA", "CVS", "MEDICAL_PHARMACIES_AND_SUPPLEMENTS"),
        # everyday words ("his", "nos", "but") name their brand only at the head
        ("ZELLE TO ANNA FOR HIS BIRTHDAY", None, "TRANSFER_OUT_ACCOUNT_TRANSFER"),
        ("VIREMENT POUR NOS VACANCES MARIE", None, "TRANSFER_OUT_ACCOUNT_TRANSFER"),
        ("PRLV SEPA NOS COMUNICACOES", "NOS", "RENT_AND_UTILITIES_TELEPHONE"),
        ("CB BUT 12/11 LYON", "But", "HOME_IMPROVEMENT_FURNITURE"),
    ],
)
def test_short_aliases_that_stand_alone_name_their_brand(
    description: str, brand: str | None, category: str
) -> None:
    found, merchant = detailed(description)
    assert found == category
    if brand is not None or category.startswith("TRANSFER"):
        assert merchant == brand


@pytest.mark.parametrize(
    ("description", "brand"),
    [
        ("Platba kartou ROHLIK.CZ PRAHA", "CZ"),  # a domain suffix
        ("PEKARNA U KOSTELA PRAHA CZ", "CZ"),  # a country code after the place
        ("KARTENZAHLUNG BLUMEN-EE KIEL", "EE"),  # inside a compound
        ("CB PIZZA-BP 12/11 METZ", "BP"),
        ("WWW.SHOP-EE.COM ORDER 123", "EE"),
    ],
)
def test_short_aliases_inside_domains_compounds_and_places_do_not(
    description: str, brand: str
) -> None:
    found, merchant = detailed(description)
    assert merchant != brand
    assert found not in ("GENERAL_SERVICES_INSURANCE", "RENT_AND_UTILITIES_TELEPHONE")
    assert found != "TRANSPORTATION_GAS"


def test_stands_alone_rules() -> None:
    assert is_short("bp") and is_short("o2") and not is_short("shell") and not is_short("ee x")
    assert stands_alone("bp", "CARD PAYMENT TO BP CONNECT", "bp connect")
    assert stands_alone("bp", "SQ *BP 1234", "bp")
    assert not stands_alone("bp", "CB PIZZA-BP METZ", "pizza bp metz")
    assert not stands_alone("o2", "WWW.SHOP.O2", "shop")
    assert stands_alone("cz", "CZ ZORGVERZEKERAAR", "cz zorgverzekeraar")
    assert not stands_alone("cz", "PEKARNA PRAHA CZ", "pekarna praha cz")


class _ClubMinded(Predictor):
    """A classifier that always leans to the association's side."""

    def predict(self, lines: Sequence[StatementLine]) -> list[tuple[str, float]]:
        return [("GOVERNMENT_AND_NON_PROFIT_OTHER_GOVERNMENT_AND_NON_PROFIT", 0.9) for _ in lines]


_GYMS_AND_CLUBS = (
    "Lastschrift Fitnessstudio Muskelwerk Mitgliedsbeitrag 11/2026",
    "SEPA-LASTSCHRIFT Kraftwerk Fitnessstudio Chemnitz Mitgliedsbeitrag 04/2026",
    "PRLV SEPA SALLE DE SPORT ZEN COTISATION MARS",
    "ACH DEBIT IRONWORKS STRENGTH CLUB MEMBERSHIP",
    "PRLV SEPA CLUB DE TENNIS COTISATION ANNUELLE",
    "Lastschrift Sportverein TSV Eintracht Mitgliedsbeitrag 2027",
    "デビット スポーツクラブ 月会費",
)


@pytest.mark.parametrize("predictor", [None, _ClubMinded()], ids=["rules", "club-minded"])
def test_a_trade_word_wins_over_a_membership_fee(predictor: Predictor | None) -> None:
    lines = [StatementLine(str(i), d, 3990, "EUR") for i, d in enumerate(_GYMS_AND_CLUBS)]
    results = categorize(lines, predictor=predictor)
    assert [r.detailed for r in results] == ["PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS"] * len(lines)


def test_a_membership_fee_alone_stays_with_the_association() -> None:
    assert detailed("Lastschrift Kleingartenverein Mitgliedsbeitrag 2027")[0] == (
        "GOVERNMENT_AND_NON_PROFIT_OTHER_GOVERNMENT_AND_NON_PROFIT"
    )


def test_a_shop_word_inside_a_longer_one_does_not_count() -> None:
    generic, trades = _shop_words("ironworks strength club")
    assert generic | trades == {"PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS"}
    generic, _ = _shop_words("ironworks club")
    assert generic == {"ENTERTAINMENT_OTHER_ENTERTAINMENT"}


def test_kanji_words_read_in_the_japanese_sense_in_a_japanese_line() -> None:
    assert detailed("デビット ヤマダ酒店")[0] == "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR"
    assert detailed("消费 锦江酒店 上海")[0] == "TRAVEL_LODGING"


def test_a_strong_mcc_of_the_same_primary_names_the_detailed_category() -> None:
    assert detailed("DEBIT CARD PURCHASE TONY'S PIZZERIA STATEN ISLAND NY", "5814")[0] == (
        "FOOD_AND_DRINK_FAST_FOOD"
    )
    assert detailed("DEBIT CARD PURCHASE TONY'S PIZZERIA STATEN ISLAND NY")[0] == (
        "FOOD_AND_DRINK_RESTAURANT"
    )
    # a coffee shop files under fast food too: its own trade stays
    assert detailed("KARTENZAHLUNG Kaffeehaus Lindner Dresden", "5814")[0] == (
        "FOOD_AND_DRINK_COFFEE"
    )
