"""Bank templates for the synthetic statement lines (see ``synthetic``)."""

from __future__ import annotations

# Card payments and direct debits with a merchant {M}, per locale.
CARD_TEMPLATES: dict[str, list[str]] = {
    "us": [
        "{M} #{STORE} {CITY} {ST}",
        "PURCHASE AUTHORIZED ON {MM}/{DD} {M} {CITY} {ST} S{NUM} CARD {CARD}",
        "POS DEBIT {M} {CITY} {ST}",
        "CHECKCARD {MM}{DD} {M} {CITY} {ST} {NUM}",
        "SQ *{M} {CITY} {ST}",
        "DEBIT CARD PURCHASE {M}",
        "TST* {M} {CITY} {ST}",
        "{M} {CITY} {ST}",
        "ACH DEBIT {M} PAYMENT {NUM}",
        "RECURRING PAYMENT AUTHORIZED ON {MM}/{DD} {M} {ST}",
        "{M}",
        "PAYPAL *{M} {NUM}",
    ],
    "gb": [
        "CARD PAYMENT TO {M} ON {DD}-{MM}-{YYYY}",
        "{M} {CITY} GB",
        "CONTACTLESS {M} {CITY}",
        "POS {CARD} {DD}{MON}{YY} {M} {CITY} GB",
        "DIRECT DEBIT PAYMENT TO {M} REF {REF}",
        "{M}",
        "DD {M} {REF}",
        "VISA DEBIT {M} {CITY}",
        "CARD PAYMENT {M} {CITY}",
        "{M} ON {DD} {MON} CLP",
        "BILL PAYMENT TO {M} REFERENCE {NUM}",
        "APPLE PAY {M} {CITY}",
    ],
    "de": [
        "KARTENZAHLUNG {M} {CITY} {DD}.{MM}.{YYYY}",
        "{M}//{CITY}/DE {DD}.{MM}.{YYYY} um 12:{DD}:00 Kartenzahlung",
        "SEPA-LASTSCHRIFT {M} MREF {REF} CRED DE{NUM}",
        "Lastschrift {M} Rechnung {NUM}",
        "GIROCARD {M} {CITY}",
        "VISA {M} {CITY} DE",
        "Kartenzahlung girocard {M} {CITY}",
        "FOLGELASTSCHRIFT {M} Kundennr {NUM}",
        "{M} {CITY}",
        "EC-KARTENZAHLUNG {M} {DD}.{MM}",
        "Basislastschrift {M} Vertrag {NUM}",
        "{M} SAGT DANKE",
    ],
    "fr": [
        "PAIEMENT PAR CARTE X{CARD} {M} {CITY} {DD}/{MM}",
        "CB {M} {DD}{MM}{YY} CARTE {CARD}",
        "PRLV SEPA {M} {REF}",
        "ACHAT CB {M} {DD}.{MM}.{YY}",
        "CARTE X{CARD} {DD}/{MM} {M}",
        "PRELEVEMENT {M} ECHEANCE {MM}/{YYYY}",
        "PAIEMENT CB {M} {CITY}",
        "{M} {CITY} FR",
        "CB*{CARD} {M}",
        "PRLV {M} FACTURE {NUM}",
        "{M}",
        "PAIEMENT SANS CONTACT {M} {CITY}",
    ],
    "es": [
        "COMPRA TARJ. {CARD} {M} {CITY} ES",
        "PAGO CON TARJETA {M} {CITY}",
        "COMPRA EN {M}, CON LA TARJETA : {CARD} EL {DD}-{MM}-{YYYY}",
        "ADEUDO RECIBO {M} {REF}",
        "COMPRA {M} {CITY}",
        "RECIBO {M} Nº {NUM}",
        "{M} {CITY}",
        "PAGO MOVIL EN {M}",
        "TARJETA {CARD} {M}",
        "ADEUDO SEPA {M}",
        "{M}",
        "COMPRA INTERNET {M}",
    ],
    "it": [
        "PAGAMENTO POS {M} {CITY} {DD}/{MM}/{YYYY}",
        "PAGAMENTO CARTA {M} {CITY}",
        "ACQUISTO {M} {CITY} CARTA {CARD}",
        "ADDEBITO SDD {M} {REF}",
        "PAGAMENTO CONTACTLESS {M}",
        "{M} {CITY} ITA",
        "ADDEBITO DIRETTO {M} FATTURA {NUM}",
        "PAG. POS {M}",
        "{M}",
        "OPERAZIONE CARTA {CARD} {M} {CITY}",
        "PAGAMENTO {M} {DD}/{MM}",
        "APPLE PAY {M} {CITY}",
    ],
    "nl": [
        "BEA, Betaalpas {M},PAS{CARD} NR:{REF}, {DD}.{MM}.{YY} {CITY}",
        "{M} {CITY} NLD",
        "Betaalautomaat {M} {CITY}",
        "SEPA Incasso algemeen doorlopend Incassant: {M} Kenmerk: {REF}",
        "BEA {M} {CITY}",
        "Pinbetaling {M} {CITY}",
        "{M} {CITY}",
        "Incasso {M} factuur {NUM}",
        "iDEAL {M} {REF}",
        "Betaling {M}",
        "{M}",
        "Apple Pay {M} {CITY}",
    ],
    "pl": [
        "Zakup przy użyciu karty {M} {CITY}",
        "Płatność kartą {M} {CITY} POL",
        "TRANSAKCJA KARTĄ {M} {CITY}",
        "Polecenie zapłaty {M} {REF}",
        "BLIK płatność {M}",
        "{M} {CITY}",
        "Płatność kartą {DD}.{MM}.{YYYY} {M}",
        "ZAKUP {M} K.{CARD}",
        "{M}",
        "Płatność internetowa {M}",
        "Obciążenie {M} faktura {NUM}",
        "Płatność Apple Pay {M}",
    ],
    "zh": [
        "支付宝-{M}",
        "财付通-{M}",
        "微信支付-{M}",
        "银联消费 {M}",
        "消费 {M}",
        "{M}",
        "快捷支付-{M}",
        "POS消费 {M} {CITY}",
        "扫码支付 {M}",
        "网上支付-{M}",
        "{CITY}{M}",
        "银联在线 {M}",
    ],
    "ja": [
        "{M}",
        "VISAデビット {M}",
        "カード {M}",
        "デビット {M} {CITY}",
        "口座振替 {M}",
        "{CITY} {M}",
        "JCB {M}",
        "QUICPay {M}",
        "iD {M}",
        "PayPay {M}",
        "楽天ペイ {M}",
        "{M} {CITY}店",
    ],
}

D, C = "debit", "credit"
_T = list[tuple[str, str]]

# Lines without a merchant, per detailed category ("any": every locale). Even-numbered
# templates train, odd-numbered ones are held out.
OTHER_TEMPLATES: dict[str, dict[str, _T]] = {
    "INCOME_WAGES": {
        "any": [
            ("SALARY {EMP} {MONTH}", C),
            ("LOHN/GEHALT {EMP} {MONTH}", C),
            ("VIREMENT SALAIRE {EMP}", C),
            ("NOMINA {EMP} {MONTH}", C),
            ("STIPENDIO {EMP} {MONTH}", C),
            ("SALARIS {EMP}", C),
            ("WYNAGRODZENIE {EMP} {MONTH}", C),
            ("代发工资 {CEMP}", C),
            ("{EMP} PAYROLL PPD ID: {NUM}", C),
            ("工资 {CEMP}", C),
            ("BGC {EMP} SALARY", C),
            ("給与 {CEMP}", C),
            ("{EMP} DIRECT DEP", C),
            ("GEHALT {MONTH} {EMP}", C),
            ("PAYROLL {EMP} {REF}", C),
            ("奖金 {CEMP}", C),
        ]
    },
    "INCOME_DIVIDENDS": {
        "any": [
            ("DIVIDEND {EMP} {REF}", C),
            ("Dividende {EMP} ISIN {REF}", C),
            ("DIVIDENDO {EMP}", C),
            ("Ertragsgutschrift {EMP}", C),
            ("股息 {CEMP}", C),
            ("DIV PAYMENT {EMP}", C),
            ("Dividendengutschrift {EMP}", C),
            ("分红 {CEMP}", C),
        ]
    },
    "INCOME_INTEREST_EARNED": {
        "any": [
            ("INTEREST PAID", C),
            ("Zinsen Habenzinsen {MONTH}", C),
            ("INTERETS CREDITEURS", C),
            ("INTERESES A SU FAVOR", C),
            ("利息", C),
            ("INTEREST EARNED {MONTH}", C),
            ("Rente spaarrekening", C),
            ("结息", C),
            ("Zinsgutschrift Tagesgeld", C),
            ("INTERESSI CREDITORI", C),
        ]
    },
    "INCOME_RETIREMENT_PENSION": {
        "any": [
            ("DRV BUND RENTE {MONTH}", C),
            ("PENSION {EMP}", C),
            ("CNAV RETRAITE {MONTH}", C),
            ("PENSION JUBILACION INSS", C),
            ("INPS PENSIONE {MONTH}", C),
            ("SVB AOW {MONTH}", C),
            ("ZUS EMERYTURA {MONTH}", C),
            ("养老金 {MONTH}", C),
            ("年金 {MONTH}", C),
            ("RETIREMENT ANNUITY {EMP}", C),
        ]
    },
    "INCOME_TAX_REFUND": {
        "any": [
            ("IRS TREAS 310 TAX REF", C),
            ("Finanzamt {CITY} Steuererstattung", C),
            ("DGFIP REMBOURSEMENT IMPOT", C),
            ("AEAT DEVOLUCION IRPF", C),
            ("HMRC TAX REFUND", C),
            ("退税 {CITY}税务局", C),
            ("Belastingdienst teruggaaf", C),
            ("RIMBORSO IRPEF 730", C),
            ("Urzad Skarbowy zwrot podatku", C),
            ("STATE TAX REFUND", C),
        ]
    },
    "INCOME_UNEMPLOYMENT": {
        "any": [
            ("Bundesagentur fur Arbeit ALG {MONTH}", C),
            ("POLE EMPLOI ARE {MONTH}", C),
            ("FRANCE TRAVAIL ALLOCATION", C),
            ("SEPE PRESTACION DESEMPLEO", C),
            ("INPS NASPI {MONTH}", C),
            ("UWV WW UITKERING", C),
            ("EDD UI BENEFIT", C),
            ("失业金 {CITY}", C),
            ("DWP JOBSEEKERS ALLOWANCE", C),
            ("Arbeitslosengeld {MONTH}", C),
        ]
    },
    "INCOME_OTHER_INCOME": {
        "any": [
            ("Familienkasse Kindergeld", C),
            ("CAF ALLOCATIONS FAMILIALES", C),
            ("SSA TREAS 310 XXSOC SEC", C),
            ("Unterhalt {PERSON}", C),
            ("CHILD BENEFIT HMRC", C),
            ("Mieteinnahme {PERSON}", C),
            ("补贴 {CITY}", C),
            ("ALIMONY {PERSON}", C),
            ("Kinderbijslag SVB", C),
            ("CASHBACK REWARD", C),
        ]
    },
    "TRANSFER_IN_CASH_ADVANCES_AND_LOANS": {
        "any": [
            ("LOAN DISBURSEMENT {BANK}", C),
            ("Auszahlung Darlehen {BANK}", C),
            ("PRET PERSONNEL DEBLOCAGE", C),
            ("CASH ADVANCE {BANK}", C),
            ("贷款发放 {BANK}", C),
            ("PRESTAMO ABONO {BANK}", C),
            ("Kreditauszahlung {NUM}", C),
            ("借呗放款", C),
        ]
    },
    "TRANSFER_IN_DEPOSIT": {
        "any": [
            ("ATM DEPOSIT {CITY}", C),
            ("Bareinzahlung {BANK} {CITY}", C),
            ("VERSEMENT ESPECES {CITY}", C),
            ("MOBILE DEPOSIT REF {NUM}", C),
            ("现金存入", C),
            ("INGRESO EN EFECTIVO", C),
            ("Scheckeinreichung {NUM}", C),
            ("CHEQUE DEPOSIT", C),
            ("入金 ATM", C),
            ("REMISE CHEQUE {NUM}", C),
        ]
    },
    "TRANSFER_IN_INVESTMENT_AND_RETIREMENT_FUNDS": {
        "any": [
            ("VANGUARD SELL {REF}", C),
            ("Trade Republic Auszahlung", C),
            ("DEGIRO WITHDRAWAL", C),
            ("ROBINHOOD TRANSFER", C),
            ("基金赎回 {CEMP}", C),
            ("Scalable Capital Verkauf", C),
        ]
    },
    "TRANSFER_IN_SAVINGS": {
        "any": [
            ("TRANSFER FROM SAVINGS {NUM}", C),
            ("Umbuchung vom Tagesgeld", C),
            ("VIREMENT DEPUIS LIVRET A", C),
            ("TRASPASO DESDE CUENTA AHORRO", C),
            ("余额宝转出", C),
            ("From Savings Pot", C),
            ("Overboeking van spaarrekening", C),
            ("零钱通转出", C),
        ]
    },
    "TRANSFER_IN_ACCOUNT_TRANSFER": {
        "any": [
            ("Überweisung von {PERSON}", C),
            ("VIR SEPA RECU DE {PERSON}", C),
            ("ZELLE FROM {PERSON}", C),
            ("TRANSFERENCIA DE {PERSON}", C),
            ("转账 {CPERSON}", C),
            ("BONIFICO DA {PERSON}", C),
            ("FASTER PAYMENT FROM {PERSON}", C),
            ("Overboeking van {PERSON}", C),
            ("PRZELEW OD {PERSON}", C),
            ("BIZUM DE {PERSON}", C),
            ("VENMO CASHOUT", C),
            ("微信转账 {CPERSON}", C),
            ("振込 {JPERSON}", C),
            ("Gutschrift {PERSON}", C),
            ("TRANSFER FROM {PERSON} REF {REF}", C),
            ("他行汇入 {CPERSON}", C),
        ]
    },
    "TRANSFER_IN_OTHER_TRANSFER_IN": {
        "any": [
            ("MISC CREDIT {REF}", C),
            ("CREDIT ADJUSTMENT", C),
            ("Gutschrift Korrektur", C),
            ("REGULARISATION CREDIT", C),
            ("其他收入", C),
            ("ABONO VARIOS", C),
        ]
    },
    "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS": {
        "any": [
            ("VANGUARD BUY {REF}", D),
            ("Trade Republic Einzahlung", D),
            ("Sparplan ETF {REF}", D),
            ("DEGIRO DEPOSIT", D),
            ("ACORNS INVEST", D),
            ("基金申购 {CEMP}", D),
            ("Wertpapierkauf {REF}", D),
            ("COINBASE PURCHASE", D),
            ("BETTERMENT DEPOSIT", D),
            ("ASSURANCE VIE VERSEMENT", D),
        ]
    },
    "TRANSFER_OUT_SAVINGS": {
        "any": [
            ("TRANSFER TO SAVINGS {NUM}", D),
            ("Umbuchung auf Tagesgeld", D),
            ("VIREMENT VERS LIVRET A", D),
            ("TRASPASO A CUENTA AHORRO", D),
            ("余额宝转入", D),
            ("Round up to Savings Pot", D),
            ("Overboeking naar spaarrekening", D),
            ("零钱通转入", D),
            ("Sparen Dauerauftrag", D),
            ("GIROCONTO RISPARMIO", D),
        ]
    },
    "TRANSFER_OUT_WITHDRAWAL": {
        "any": [
            ("ATM WITHDRAWAL {CITY}", D),
            ("Geldautomat {BANK} {CITY}", D),
            ("RETRAIT DAB {CITY} {DD}/{MM}", D),
            ("REINTEGRO CAJERO {CITY}", D),
            ("PRELIEVO BANCOMAT {CITY}", D),
            ("Geldopname {CITY}", D),
            ("WYPLATA Z BANKOMATU {CITY}", D),
            ("ATM取款 {CITY}", D),
            ("取现 {CITY}", D),
            ("CASH WITHDRAWAL {BANK}", D),
            ("Bargeldauszahlung {CITY}", D),
            ("ATM引出", D),
        ]
    },
    "TRANSFER_OUT_ACCOUNT_TRANSFER": {
        "any": [
            ("Überweisung an {PERSON}", D),
            ("VIR SEPA EMIS VERS {PERSON}", D),
            ("ZELLE TO {PERSON}", D),
            ("TRANSFERENCIA A {PERSON}", D),
            ("转账给 {CPERSON}", D),
            ("BONIFICO A {PERSON}", D),
            ("FASTER PAYMENT TO {PERSON}", D),
            ("Overboeking naar {PERSON}", D),
            ("PRZELEW DO {PERSON}", D),
            ("BIZUM A {PERSON}", D),
            ("VENMO PAYMENT {PERSON}", D),
            ("微信红包 {CPERSON}", D),
            ("振込 {JPERSON}", D),
            ("Dauerauftrag an {PERSON}", D),
            ("STANDING ORDER {PERSON}", D),
            ("跨行转出 {CPERSON}", D),
        ]
    },
    "TRANSFER_OUT_OTHER_TRANSFER_OUT": {
        "any": [
            ("MISC DEBIT {REF}", D),
            ("DEBIT ADJUSTMENT", D),
            ("Belastung Korrektur", D),
            ("REGULARISATION DEBIT", D),
            ("其他支出", D),
            ("CARGO VARIOS", D),
        ]
    },
    "LOAN_PAYMENTS_CAR_PAYMENT": {
        "any": [
            ("AUTO LOAN PAYMENT {BANK}", D),
            ("Autokredit Rate {NUM}", D),
            ("VW Leasing {NUM}", D),
            ("CREDIT AUTO ECHEANCE", D),
            ("车贷还款", D),
            ("FINANZIAMENTO AUTO RATA", D),
            ("CAR FINANCE {EMP}", D),
            ("LEASING {EMP}", D),
        ]
    },
    "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT": {
        "any": [
            ("CREDIT CARD PAYMENT {BANK}", D),
            ("Kreditkartenabrechnung {MONTH}", D),
            ("信用卡还款 {BANK}", D),
            ("AMEX EPAYMENT ACH PMT", D),
            ("CHASE CREDIT CRD AUTOPAY", D),
            ("PAYMENT THANK YOU", C),
            ("LIQUIDACION TARJETA CREDITO", D),
            ("SALDO CARTA DI CREDITO", D),
            ("花呗还款", D),
            ("BARCLAYCARD PAYMENT", D),
        ]
    },
    "LOAN_PAYMENTS_PERSONAL_LOAN_PAYMENT": {
        "any": [
            ("LOAN REPAYMENT {BANK}", D),
            ("Ratenkredit Tilgung {NUM}", D),
            ("ECHEANCE PRET {NUM}", D),
            ("CUOTA PRESTAMO {NUM}", D),
            ("贷款还款", D),
            ("RATA PRESTITO {NUM}", D),
            ("KLARNA PAYMENT", D),
            ("借呗还款", D),
        ]
    },
    "LOAN_PAYMENTS_MORTGAGE_PAYMENT": {
        "any": [
            ("MORTGAGE PAYMENT {BANK}", D),
            ("Baufinanzierung Rate {NUM}", D),
            ("PRET IMMOBILIER ECHEANCE", D),
            ("CUOTA HIPOTECA {NUM}", D),
            ("房贷还款", D),
            ("RATA MUTUO {NUM}", D),
            ("HYPOTHEEK {BANK}", D),
            ("住宅ローン返済", D),
        ]
    },
    "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT": {
        "any": [
            ("NAVIENT STUDENT LOAN", D),
            ("SLC STUDENT LOANS COMPANY", D),
            ("NELNET LOAN PAYMENT", D),
            ("BAFOG Rueckzahlung Bundesverwaltungsamt", D),
            ("DUO STUDIESCHULD", D),
            ("助学贷款还款", D),
        ]
    },
    "LOAN_PAYMENTS_OTHER_PAYMENT": {
        "any": [
            ("DEBT PAYMENT {EMP}", D),
            ("Inkasso {EMP} Forderung", D),
            ("RECOUVREMENT {EMP}", D),
            ("PAGO DEUDA {EMP}", D),
            ("债务还款", D),
            ("DEBT COLLECTION {EMP}", D),
        ]
    },
    "BANK_FEES_ATM_FEES": {
        "any": [
            ("ATM FEE", D),
            ("NON-NETWORK ATM FEE {CITY}", D),
            ("Entgelt Fremdautomat", D),
            ("FRAIS RETRAIT DAB", D),
            ("COMISION CAJERO", D),
            ("取现手续费", D),
        ]
    },
    "BANK_FEES_FOREIGN_TRANSACTION_FEES": {
        "any": [
            ("FOREIGN TRANSACTION FEE", D),
            ("Auslandseinsatzentgelt", D),
            ("FRAIS OPERATION ETRANGER", D),
            ("NON-STERLING TRANSACTION FEE", D),
            ("COMISION CAMBIO DIVISA", D),
            ("货币转换费", D),
        ]
    },
    "BANK_FEES_INSUFFICIENT_FUNDS": {
        "any": [
            ("NSF FEE", D),
            ("RETURNED ITEM FEE", D),
            ("Entgelt Rücklastschrift", D),
            ("FRAIS REJET PRELEVEMENT", D),
            ("INSUFFICIENT FUNDS FEE", D),
            ("COMISION DEVOLUCION RECIBO", D),
        ]
    },
    "BANK_FEES_INTEREST_CHARGE": {
        "any": [
            ("INTEREST CHARGE ON PURCHASES", D),
            ("Sollzinsen {MONTH}", D),
            ("AGIOS {MONTH}", D),
            ("PURCHASE INTEREST CHARGE", D),
            ("循环利息", D),
            ("INTERESES DEUDORES", D),
        ]
    },
    "BANK_FEES_OVERDRAFT_FEES": {
        "any": [
            ("OVERDRAFT FEE", D),
            ("Überziehungsentgelt", D),
            ("COMMISSION D INTERVENTION", D),
            ("OVERDRAFT CHARGE {MONTH}", D),
            ("COMISION DESCUBIERTO", D),
            ("透支费", D),
        ]
    },
    "BANK_FEES_OTHER_BANK_FEES": {
        "any": [
            ("MONTHLY SERVICE FEE", D),
            ("Kontoführungsentgelt {MONTH}", D),
            ("FRAIS TENUE DE COMPTE", D),
            ("COMISION MANTENIMIENTO", D),
            ("账户管理费", D),
            ("CANONE CONTO {MONTH}", D),
            ("ACCOUNT FEE", D),
            ("年费", D),
            ("Kosten betaalrekening", D),
            ("Opłata za prowadzenie rachunku", D),
        ]
    },
    "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT": {
        "any": [
            ("IRS USATAXPYMT {NUM}", D),
            ("Finanzamt {CITY} Steuernummer {NUM}", D),
            ("DGFIP IMPOT {NUM}", D),
            ("AEAT IMPUESTOS MODELO 130", D),
            ("HMRC SELF ASSESSMENT", D),
            ("个人所得税 {CITY}", D),
            ("COUNCIL TAX {CITY}", D),
            ("F24 AGENZIA ENTRATE", D),
            ("Belastingdienst aanslag {NUM}", D),
            ("住民税 {CITY}", D),
        ]
    },
    "RENT_AND_UTILITIES_RENT": {
        "any": [
            ("Miete {MONTH} {PERSON}", D),
            ("RENT {MONTH} {PERSON}", D),
            ("LOYER {MONTH}", D),
            ("ALQUILER {MONTH} {PERSON}", D),
            ("房租 {CPERSON}", D),
            ("AFFITTO {MONTH}", D),
            ("Huur {MONTH}", D),
            ("CZYNSZ {MONTH}", D),
            ("家賃 {MONTH}", D),
            ("STANDING ORDER RENT {PERSON}", D),
        ]
    },
}
