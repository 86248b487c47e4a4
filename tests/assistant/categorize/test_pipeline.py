from __future__ import annotations

import pytest

from coffer.assistant.categorize import StatementLine, categorize


def one(
    description: str,
    direction: str = "debit",
    mcc: str | None = None,
    amount: int = 2500,
    currency: str = "EUR",
) -> tuple[str | None, str | None, str]:
    result = categorize([StatementLine("t", description, amount, currency, direction, mcc)])[0]
    return result.primary, result.detailed, result.source


@pytest.mark.parametrize(
    "description",
    [
        "ATM WITHDRAWAL 1234 MAIN ST",
        "Geldautomat Sparkasse Berlin 03.04",
        "RETRAIT DAB 03/04 PARIS 11",
        "PRELIEVO BANCOMAT MILANO",
        "REINTEGRO CAJERO MADRID",
        "Geldopname Amsterdam Centraal",
        "WYPŁATA Z BANKOMATU WARSZAWA",
        "ATM取款 招商银行",
        "取现 工商银行",
        "CASH WITHDRAWAL BARCLAYS",
    ],
)
def test_atm_withdrawal(description: str) -> None:
    assert one(description)[1] == "TRANSFER_OUT_WITHDRAWAL"


@pytest.mark.parametrize(
    "description",
    [
        "ACME CORP PAYROLL PPD ID: 123",
        "LOHN/GEHALT 03/2026 Muster GmbH",
        "VIREMENT SALAIRE MARS ACME SA",
        "NOMINA MARZO ACME SL",
        "STIPENDIO MARZO",
        "SALARIS maart",
        "WYNAGRODZENIE ZA 03/2026",
        "代发工资",
        "工资 腾讯科技",
        "給与 カブシキガイシャ",
    ],
)
def test_salary(description: str) -> None:
    assert one(description, "credit", amount=300000)[1] == "INCOME_WAGES"


def test_refund_keeps_the_merchants_category() -> None:
    assert one("AMAZON.COM REFUND", "credit")[1] == "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES"
    assert one("Erstattung ZALANDO SE", "credit")[0] == "GENERAL_MERCHANDISE"
    assert one("退款-盒马鲜生", "credit")[1] == "FOOD_AND_DRINK_GROCERIES"
    refund = categorize([StatementLine("r", "REFUND PIZZERIA NAPOLI", 900, "EUR", "credit")])[0]
    assert refund.primary == "FOOD_AND_DRINK"
    assert refund.source.startswith("refund+")


def test_person_to_person_transfers() -> None:
    assert one("ZELLE TO JOHN SMITH", "debit")[1] == "TRANSFER_OUT_ACCOUNT_TRANSFER"
    assert one("ZELLE FROM JOHN SMITH", "credit")[1] == "TRANSFER_IN_ACCOUNT_TRANSFER"
    assert one("Überweisung an Max Mustermann", "debit")[1] == "TRANSFER_OUT_ACCOUNT_TRANSFER"
    assert (
        one("VIR SEPA RECU DE M. DUPONT REMBOURSEMENT", "credit")[1]
        == "TRANSFER_IN_ACCOUNT_TRANSFER"
    )
    assert one("BIZUM ENVIADO A MARIA", "debit")[0] == "TRANSFER_OUT"
    assert one("微信转账 张伟", "credit")[0] == "TRANSFER_IN"


def test_savings_moves() -> None:
    assert one("TRANSFER TO SAVINGS 1234", "debit")[1] == "TRANSFER_OUT_SAVINGS"
    assert one("Umbuchung auf Tagesgeld", "debit")[1] == "TRANSFER_OUT_SAVINGS"
    assert one("VIREMENT DEPUIS LIVRET A", "credit")[1] == "TRANSFER_IN_SAVINGS"
    assert one("余额宝转入", "debit")[1] == "TRANSFER_OUT_SAVINGS"


def test_taxes_and_tax_refunds() -> None:
    assert (
        one("Finanzamt Berlin Einkommensteuer 2025", "debit")[1]
        == "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT"
    )
    assert one("IRS USATAXPYMT 2026", "debit")[0] == "GOVERNMENT_AND_NON_PROFIT"
    assert one("DGFIP IMPOT 2026", "debit")[0] == "GOVERNMENT_AND_NON_PROFIT"
    assert one("个人所得税", "debit")[0] == "GOVERNMENT_AND_NON_PROFIT"
    assert one("IRS TREAS 310 TAX REF", "credit")[1] == "INCOME_TAX_REFUND"
    assert one("Finanzamt Berlin Erstattung", "credit")[1] == "INCOME_TAX_REFUND"
    assert one("TAXI MILANO", "debit")[0] == "TRANSPORTATION"


def test_insurance_gym_telecom() -> None:
    assert one("SEPA-LASTSCHRIFT ALLIANZ VERSICHERUNGS-AG")[1] == "GENERAL_SERVICES_INSURANCE"
    assert one("GEICO *AUTO 800-841-3000 DC")[1] == "GENERAL_SERVICES_INSURANCE"
    assert one("中国平安保险")[1] == "GENERAL_SERVICES_INSURANCE"
    assert one("PUREGYM LTD MEMBERSHIP")[1] == "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS"
    assert one("McFit GmbH Mitgliedsbeitrag")[1] == "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS"
    assert one("Fitnessstudio Sonnenschein")[1] == "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS"
    assert one("VERIZON WRLS P1234-01")[1] == "RENT_AND_UTILITIES_TELEPHONE"
    assert one("PRLV SEPA FREE MOBILE")[1] == "RENT_AND_UTILITIES_TELEPHONE"
    assert one("中国移动话费充值")[1] == "RENT_AND_UTILITIES_TELEPHONE"


@pytest.mark.parametrize(
    ("description", "primary"),
    [
        ("支付宝-美团外卖", "FOOD_AND_DRINK"),
        ("财付通-滴滴出行", "TRANSPORTATION"),
        ("微信支付-瑞幸咖啡", "FOOD_AND_DRINK"),
        ("京东商城 订单", "GENERAL_MERCHANDISE"),
        ("淘宝 购物", "GENERAL_MERCHANDISE"),
        ("盒马鲜生", "FOOD_AND_DRINK"),
        ("星巴克 上海", "FOOD_AND_DRINK"),
        ("中国石化加油站", "TRANSPORTATION"),
        ("房租 3月", "RENT_AND_UTILITIES"),
        ("信用卡还款 招商银行", "LOAN_PAYMENTS"),
        ("国家电网 电费", "RENT_AND_UTILITIES"),
    ],
)
def test_chinese_lines(description: str, primary: str) -> None:
    assert one(description, currency="CNY")[0] == primary


def test_fees_rent_and_loans() -> None:
    assert one("OVERDRAFT FEE")[1] == "BANK_FEES_OVERDRAFT_FEES"
    assert one("Kontoführungsentgelt 03/2026")[0] == "BANK_FEES"
    assert one("Miete Wohnung Hauptstr. 5")[1] == "RENT_AND_UTILITIES_RENT"
    assert one("LOYER MARS")[1] == "RENT_AND_UTILITIES_RENT"
    assert one("ENTERPRISE RENT-A-CAR")[0] == "TRAVEL"
    assert one("MORTGAGE PAYMENT WELLS FARGO")[1] == "LOAN_PAYMENTS_MORTGAGE_PAYMENT"
    assert one("CHASE CREDIT CRD AUTOPAY")[1] == "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"


def test_mcc_decides_an_unknown_merchant() -> None:
    assert one("XYZ HOLDINGS 1234", mcc="5812")[1] == "FOOD_AND_DRINK_RESTAURANT"
    assert one("XYZ HOLDINGS 1234", mcc="6011")[1] == "TRANSFER_OUT_WITHDRAWAL"
    assert one("QWERTY 55", mcc="3058")[1] == "TRAVEL_FLIGHTS"


def test_without_a_signal_it_abstains() -> None:
    primary, detailed, source = one("QWXZ 8842")
    assert (primary, detailed, source) == (None, None, "abstain")


def test_one_result_per_line_in_order() -> None:
    lines = [StatementLine(str(i), f"LIDL {i}", 100, "EUR") for i in range(50)]
    results = categorize(lines)
    assert [r.id for r in results] == [str(i) for i in range(50)]


@pytest.mark.parametrize(
    ("description", "direction", "primary"),
    [
        ("Снятие наличных банкомат Сбербанк", "debit", "TRANSFER_OUT"),
        ("Зарплата ООО Ромашка", "credit", "INCOME"),
        ("PIX TRANSFERENCIA JOAO", "debit", "TRANSFER_OUT"),
        ("Аптека 36,6", "debit", "MEDICAL"),
        ("스타벅스 강남점", "debit", "FOOD_AND_DRINK"),
        ("مطعم الشام", "debit", "FOOD_AND_DRINK"),
        ("GS25 역삼점", "debit", "GENERAL_MERCHANDISE"),
    ],
)
def test_more_languages(description: str, direction: str, primary: str) -> None:
    assert one(description, direction)[0] == primary


def test_unexplained_credit_is_a_transfer_in() -> None:
    result = categorize([StatementLine("c", "12345 67890", 500, "EUR", "credit")])[0]
    assert (result.detailed, result.source) == ("TRANSFER_IN_ACCOUNT_TRANSFER", "default:credit")


@pytest.mark.parametrize(
    ("description", "detailed"),
    [
        ("KARTENZAHLUNG Zahnzentrum Mitte Berlin", "MEDICAL_DENTAL_CARE"),
        ("Kartenzahlung Quick Reifendiscount Ulm", "GENERAL_SERVICES_AUTOMOTIVE"),
        ("CARD PAYMENT TO TALKMOBILE ON 01-03-2026", "RENT_AND_UTILITIES_TELEPHONE"),
        ("KARTENZAHLUNG Spielothekenbetrieb Merkur", "ENTERTAINMENT_CASINOS_AND_GAMBLING"),
        ("KARTENZAHLUNG Cityparkhaus Nord Hamburg", "TRANSPORTATION_PARKING"),
    ],
)
def test_trade_stems_inside_unknown_names(description: str, detailed: str) -> None:
    _, found, source = one(description)
    assert (found, source) == (detailed, "stem")


def test_stem_gives_way_to_a_disagreeing_mcc() -> None:
    assert one("KARTENZAHLUNG Zahnzentrum Mitte Berlin", mcc="5411")[0] == "FOOD_AND_DRINK"


def test_a_purchase_through_paypal_is_not_a_transfer() -> None:
    assert one("PAYPAL *KLANGWERK OPTIK 4029357733")[1] == "MEDICAL_EYE_CARE"
    assert one("PAYPAL TRANSFER TO J SMITH")[0] == "TRANSFER_OUT"


def test_a_one_word_brand_gives_way_to_the_lines_trade() -> None:
    # "Edison" (a utility) is the town; a disagreeing MCC sets a one-word brand aside too.
    grocery = one("POS PURCHASE NAMASTE PLAZA INDIAN GROCERY EDISON NJ", currency="USD")
    assert grocery[1] == "FOOD_AND_DRINK_GROCERIES"
    assert one("KARTENZAHLUNG Elektro Brenner GmbH Passau", mcc="5732")[0] == "GENERAL_MERCHANDISE"
    # A brand the shop words agree with, or only purpose words beside it, keeps its category.
    assert one("McFit GmbH Mitgliedsbeitrag")[0] == "PERSONAL_CARE"


def test_disagreeing_shop_words_are_settled_by_the_mcc() -> None:
    assert one("PAYPAL *ENERGIE FITNESS 555", mcc="7997")[0] == "PERSONAL_CARE"
    assert one("Kartenzahlung Gasthaus Zur Linde Ettlingen", mcc="5812")[0] == "FOOD_AND_DRINK"
    assert one("Kartenzahlung Gasthaus Zur Linde Ettlingen", mcc="7011")[0] == "TRAVEL"


def test_purpose_words_in_a_merchants_name_give_way_to_its_mcc() -> None:
    assert one("COMPRA HIPER RENT SEVILLA", mcc="7513")[1] == "TRAVEL_RENTAL_CARS"
    assert one("ACH DEBIT LITTLE ACORNS DAYCARE", mcc="8351")[0] == "GENERAL_SERVICES"
    assert one("VIR SEPA EMIS LOYER MAI M DURAND")[1] == "RENT_AND_UTILITIES_RENT"
    assert one("Übertrag vom Tagesgeldkonto", "credit")[1] == "TRANSFER_IN_SAVINGS"


@pytest.mark.parametrize(
    "description",
    [
        "Kartenzahlung Zur Alten Post Bad Tölz",
        "PAGAMENTO POS 0205 DA MIMMO NAPOLI",
        "CARD PAYMENT TO THE KINGS HEAD ON 02-05",
        "SQ *JUAREZ BROS MEXICAN Houston TX",
        "PAGO TARJETA 0304 TABERNA EL BURLADERO SEVILLA",
    ],
)
def test_inn_pub_and_cuisine_names_are_restaurants(description: str) -> None:
    assert one(description)[1] == "FOOD_AND_DRINK_RESTAURANT"


@pytest.mark.parametrize(
    ("description", "direction", "primary"),
    [
        # Money between people keeps its transfer category whatever it paid for.
        ("VIR INST RECU DE MME JULIE PETIT MOTIF PIZZA SAMEDI", "credit", "TRANSFER_IN"),
        ("ZELLE PAYMENT TO KEVIN PARK BURGER NIGHT", "debit", "TRANSFER_OUT"),
        # A place named after a preposition is not the shop's trade.
        ("CB LAVERIE DU MARCHE 04/03 AMIENS", "debit", "PERSONAL_CARE"),
        ("KARTENZAHLUNG Friseur am Rathaus Bochum", "debit", "PERSONAL_CARE"),
        # Tax agencies of more countries; a tax preparer is not a tax.
        ("SKATTEETATEN RESTSKATT 2025", "debit", "GOVERNMENT_AND_NON_PROFIT"),
        ("LIBERTY TAX PREP SERVICE", "debit", "GENERAL_SERVICES"),
        ("SEPA-LASTSCHRIFT Mercedes-Benz Bank Leasingrate", "debit", "LOAN_PAYMENTS"),
    ],
)
def test_people_places_and_purposes(description: str, direction: str, primary: str) -> None:
    assert one(description, direction)[0] == primary
