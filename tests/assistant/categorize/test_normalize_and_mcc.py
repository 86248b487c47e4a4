from __future__ import annotations

import pytest

from coffer.assistant.categorize import StatementLine, categorize
from coffer.assistant.categorize.mcc import known_codes, mcc_category
from coffer.assistant.categorize.merchants import dictionary_size, find_merchant
from coffer.assistant.categorize.normalize import clean_descriptor, fold, merchant_name
from coffer.assistant.taxonomy import CATEGORIES, primary_of


@pytest.mark.parametrize(
    ("description", "merchant"),
    [
        ("AMZN MKTP US*2K3L9 AMZN.COM/BILL WA", "Amazon"),
        ("CARD PAYMENT LIDL 4211 BERLIN DE", "Lidl"),
        ("SQ *BLUE BOTTLE COFFEE OAKLAND CA", "Blue Bottle"),
        ("PAYPAL *NETFLIX 4029357733", "Netflix"),
        ("UBER *EATS HELP.UBER.COM", "Uber Eats"),
        ("SEPA-LASTSCHRIFT Vodafone GmbH Kundennr 12345", "Vodafone"),
        ("PAIEMENT PAR CARTE X1234 CARREFOUR MARKET PARIS 03/04", "Carrefour"),
        ("支付宝-美团外卖", "美团"),
        ("財付通-滴滴出行", "Didi"),
        ("セブン－イレブン 新宿店", "7-Eleven"),
        ("MCDONALD'S F1234 LONDON GB", "McDonald's"),
    ],
)
def test_known_merchants_get_their_name(description: str, merchant: str) -> None:
    result = categorize([StatementLine("m", description, 100, "EUR")])[0]
    assert result.merchant == merchant


@pytest.mark.parametrize(
    ("description", "name"),
    [
        ("PURCHASE AUTHORIZED ON 03/04 JOES PIZZA 1234 NEW YORK NY S3820", "Joes Pizza"),
        ("TST* HAPPY LAMB HOT POT 0042", "Happy Lamb Hot"),
        ("KARTENZAHLUNG Baeckerei Krause GmbH BERLIN 04.03.2026", "Baeckerei Krause"),
        ("POS 1234 04MAR26 GREEN LEAF DELI LONDON GB", "Green Leaf Deli"),
        ("CB BOULANGERIE DU MARCHE 03/04 CARTE 1234", "Boulangerie Du Marche"),
    ],
)
def test_unknown_merchants_are_cleaned(description: str, name: str) -> None:
    assert merchant_name(description) == name


def test_boilerplate_is_stripped() -> None:
    assert clean_descriptor("CARD PAYMENT TO TESCO STORES ON 04-03-2026") == "TESCO STORES ON"
    assert "1234" not in clean_descriptor("VISA DEBIT XXXX1234 SHOP")
    assert fold("Café Größe ÅÉ") == "cafe grosse ae"
    assert fold("ＡＢＣ　セブン") == "abc セブン"


def test_brand_beats_generic_word() -> None:
    match = find_merchant(fold("HOTEL CHOCOLAT LONDON"))
    assert match is not None and match.name == "Hotel Chocolat"
    generic = find_merchant(fold("HOTEL ADLON BERLIN"))
    assert generic is not None and generic.name is None
    assert generic.detailed == "TRAVEL_LODGING"


def test_dictionary_is_large() -> None:
    assert dictionary_size() > 3000


def test_every_iso_mcc_maps_to_a_category() -> None:
    codes = known_codes()
    assert len(codes) >= 900
    for code in codes:
        found = mcc_category(code)
        assert found is not None, code
        assert found[0] in CATEGORIES
        assert 0 < found[1] <= 1


@pytest.mark.parametrize(
    ("code", "detailed"),
    [
        ("5411", "FOOD_AND_DRINK_GROCERIES"),
        ("5812", "FOOD_AND_DRINK_RESTAURANT"),
        ("5814", "FOOD_AND_DRINK_FAST_FOOD"),
        ("6011", "TRANSFER_OUT_WITHDRAWAL"),
        ("4121", "TRANSPORTATION_TAXIS_AND_RIDE_SHARES"),
        ("5541", "TRANSPORTATION_GAS"),
        ("3000", "TRAVEL_FLIGHTS"),
        ("3390", "TRAVEL_RENTAL_CARS"),
        ("3501", "TRAVEL_LODGING"),
        ("7011", "TRAVEL_LODGING"),
        ("4814", "RENT_AND_UTILITIES_TELEPHONE"),
        ("6300", "GENERAL_SERVICES_INSURANCE"),
        ("9311", "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT"),
        ("5912", "MEDICAL_PHARMACIES_AND_SUPPLEMENTS"),
        ("8021", "MEDICAL_DENTAL_CARE"),
        ("742", "MEDICAL_VETERINARY_SERVICES"),
    ],
)
def test_important_mccs(code: str, detailed: str) -> None:
    found = mcc_category(code)
    assert found is not None and found[0] == detailed


def test_bad_mccs_are_ignored() -> None:
    assert mcc_category(None) is None
    assert mcc_category("abcd") is None
    assert mcc_category("12345") is None
    assert primary_of(mcc_category("0001")[0]) == "GENERAL_SERVICES"  # type: ignore[index]


@pytest.mark.parametrize(
    ("description", "kind"),
    [
        ("KARTENZAHLUNG Blumen Schulz Kiel", "card"),
        ("POS DEBIT 03/02 MAPLE DINER", "card"),
        ("EFTPOS PURCHASE HARBOUR CAFE", "card"),
        ("微信支付-老刘烧烤", "card"),
        ("체크카드 새벽약국", "card"),
        ("SEPA-LASTSCHRIFT Stadtwerke Goslar Abschlag", "debit"),
        ("PRLV SEPA ASSURANCE DUPUIS", "debit"),
        ("口座振替 水道局", "debit"),
        ("Entgelt Kontoführung", ""),
        ("ZELLE PAYMENT TO ANNA LEE", ""),
    ],
)
def test_channel_of_a_line(description: str, kind: str) -> None:
    from coffer.assistant.categorize.normalize import channel

    assert channel(description) == kind
