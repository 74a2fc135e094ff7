"""Every shipped issuer profile against a realistic fixture of its export."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from app.ingest import ColumnMapping, SignRule, list_profiles, load_profiles, parse_statement
from app.ingest.currency import CurrencyContext
from app.ingest.profiles import PROFILE_DIR, get_profile
from app.models import SkipKind
from tests.conftest import REPO_ROOT

BANKS = REPO_ROOT / "tests" / "fixtures" / "banks"
D = dt.date
REQUIRED_PROFILES = {
    "chase_credit",
    "chase_checking",
    "amex",
    "amex_extended",
    "capital_one",
    "discover",
    "citi",
    "bofa_credit",
    "bofa_checking",
    "wells_fargo",
    "apple_card",
    "barclays_us",
    "mint",
    "monzo",
    "dkb_legacy",
    "dkb",
    "ing_nl",
    "rbc",
}


def parse(name: str):
    return parse_statement((BANKS / name).read_bytes(), name)


def test_every_profile_file_is_valid_and_the_required_issuers_ship() -> None:
    ids = {p.id for p in load_profiles()}
    assert ids >= REQUIRED_PROFILES
    assert len(list(PROFILE_DIR.glob("*.json"))) == len(ids)
    for info in list_profiles():
        assert info.name and get_profile(info.id).name == info.name


def test_profiles_are_plain_mappings_that_survive_json() -> None:
    for profile in load_profiles():
        dumped = json.loads(json.dumps(profile.mapping.model_dump(mode="json")))
        assert ColumnMapping.model_validate(dumped) == profile.mapping


# (fixture, profile id, transaction count, [(row, date, amount, account, description)], skipped rows)
CASES = [
    (
        "Chase1234_Activity20240101_20240131_20240201.CSV",
        "chase_credit",
        9,
        [
            (2, D(2024, 1, 29), "-2.90", "Chase credit card 1234", "MTA*NYCT PAYGO"),
            (3, D(2024, 1, 29), "-2.90", "Chase credit card 1234", "MTA*NYCT PAYGO"),
            (4, D(2024, 1, 27), "1250.00", "Chase credit card 1234", "AUTOMATIC PAYMENT - THANK"),
            (7, D(2024, 1, 24), "21.49", "Chase credit card 1234", "AMZN Mktp US*RT5YH7HJ1"),
        ],
        {},
    ),
    (
        "Chase5678_Activity_20240131.CSV",
        "chase_checking",
        5,
        [
            (
                3,
                D(2024, 1, 29),
                "2100.00",
                "Chase checking 5678",
                "ACME CORP        PAYROLL                    PPD ID: 9111111101",
            ),
            (4, D(2024, 1, 26), "-150.00", "Chase checking 5678", "CHECK 1052"),
        ],
        {},
    ),
    (
        "activity.csv",
        "amex",
        5,
        [
            (
                2,
                D(2024, 1, 15),
                "-85.12",
                "Amex JANE DOE -••1007",
                "WHOLEFDS BKN 10213 BROOKLYN NY",
            ),
            (
                3,
                D(2024, 1, 14),
                "500.00",
                "Amex JANE DOE -••1007",
                "AUTOPAY PAYMENT RECEIVED - THANK YOU",
            ),
            (
                4,
                D(2024, 1, 12),
                "-23.40",
                "Amex JOHN DOE -••1015",
                "UBER   *TRIP HELP.UBER.COM CA",
            ),
        ],
        {},
    ),
    (
        "amex_extended.csv",
        "amex_extended",
        4,
        [
            (
                2,
                D(2024, 1, 19),
                "-54.21",
                "Amex JANE DOE -••1007",
                "TRADER JOE S #549 00NEW YORK          NY",
            ),
            (
                8,
                D(2024, 1, 18),
                "-17.80",
                "Amex JANE DOE -••1007",
                "LYFT   *RIDE SUN 8PM LYFT.COM            CA",
            ),
            (
                13,
                D(2024, 1, 16),
                "300.00",
                "Amex JANE DOE -••1007",
                "MOBILE PAYMENT - THANK YOU",
            ),
            (
                14,
                D(2024, 1, 12),
                "-231.18",
                "Amex JOHN DOE -••1015",
                "HOTEL LE GRAND PARIS",
            ),
        ],
        {},
    ),
    (
        "capital_one.csv",
        "capital_one",
        5,
        [
            (2, D(2024, 1, 28), "-41.20", "Capital One 1234", "SHELL OIL 57444213303"),
            (3, D(2024, 1, 26), "500.00", "Capital One 1234", "CAPITAL ONE AUTOPAY PYMT"),
            (4, D(2024, 1, 25), "-67.89", "Capital One 5678", "KROGER #123"),
        ],
        {},
    ),
    (
        "discover.csv",
        "discover",
        4,
        [
            (2, D(2024, 1, 5), "200.00", "Discover", "INTERNET PAYMENT - THANK YOU"),
            (3, D(2024, 1, 3), "-56.78", "Discover", "SAFEWAY #1234 OAKLAND CA"),
        ],
        {},
    ),
    (
        "citi.csv",
        "citi",
        4,
        [
            (2, D(2024, 1, 15), "500.00", "Citi JANE DOE", "ONLINE PAYMENT, THANK YOU"),
            (3, D(2024, 1, 12), "-142.57", "Citi JANE DOE", "COSTCO WHSE #0123 BROOKLYN NY"),
            (4, D(2024, 1, 10), "19.99", "Citi JOHN DOE", "AMAZON.COM*RT5YH7HJ1 AMZN.COM/BILLWA"),
        ],
        {6: (SkipKind.FILTERED, "Status is 'Pending'")},
    ),
    (
        "bofa_credit.csv",
        "bofa_credit",
        3,
        [(2, D(2024, 1, 12), "-15.49", "Bank of America credit card", "NETFLIX.COM 866-579-7172 CA")],
        {},
    ),
    (
        "bofa_checking.csv",
        "bofa_checking",
        4,
        [
            (
                9,
                D(2024, 1, 3),
                "-15.49",
                "Bank of America checking",
                "NETFLIX.COM DES:NETFLIX.C ID:XXXXX INDN:JANE DOE CO ID:XXXXX WEB",
            ),
            (
                11,
                D(2024, 1, 15),
                "-1250.00",
                "Bank of America checking",
                "RENT PAYMENT DES:WEB PMTS ID:XXXXX INDN:JANE DOE CO ID:XXXXX WEB",
            ),
        ],
        {8: (SkipKind.FILTERED, "balance or summary line (Beginning balance as of 01/01/2024)")},
    ),
    (
        "Checking1.csv",
        "wells_fargo",
        5,
        [
            (
                1,
                D(2024, 1, 5),
                "-42.17",
                "Wells Fargo",
                "PURCHASE AUTHORIZED ON 01/03 SAFEWAY #1234 OAKLAND CA S384003123456789 CARD 1234",
            ),
            (2, D(2024, 1, 4), "1850.00", "Wells Fargo", "ACME CORP PAYROLL 240104 XXXXX1234 JANE DOE"),
        ],
        {},
    ),
    (
        "apple_card.csv",
        "apple_card",
        4,
        [
            (
                2,
                D(2024, 1, 10),
                "-9.99",
                "Apple Card Jane Doe",
                "APPLE.COM/BILL ONE APPLE PARK WAY 866-712-7753 CUPERTINO 95014 CA USA",
            ),
            (
                3,
                D(2024, 1, 8),
                "250.00",
                "Apple Card Jane Doe",
                "ACH DEPOSIT INTERNET TRANSFER FROM ACCOUNT ENDING IN 1234",
            ),
            (
                4,
                D(2024, 1, 6),
                "-32.45",
                "Apple Card John Doe",
                "UBER *EATS PENDING 1455 MARKET ST SAN FRANCISCO 94103 CA USA",
            ),
        ],
        {},
    ),
    (
        "barclays_us.csv",
        "barclays_us",
        3,
        [
            (6, D(2024, 10, 30), "-23.45", "Barclays US", "AMAZON.COM*2K4LM1QX2 AMZN.COM/BILLWA"),
            (7, D(2024, 10, 28), "200.00", "Barclays US", "Payment Received"),
        ],
        {},
    ),
    (
        "mint_transactions.csv",
        "mint",
        5,
        [
            (2, D(2024, 1, 5), "-85.12", "CREDIT CARD", "WHOLEFDS BKN 10213 BROOKLYN NY"),
            (3, D(2024, 1, 4), "2450.00", "Checking", "ACME CORP PAYROLL PPD ID: 9111111101"),
            (4, D(2024, 1, 3), "500.00", "CREDIT CARD", "PAYMENT THANK YOU"),
            (5, D(2024, 1, 3), "-500.00", "Checking", "ONLINE PAYMENT TO CREDIT CARD"),
        ],
        {},
    ),
    (
        "monzo.csv",
        "monzo",
        4,
        [
            (2, D(2024, 1, 3), "-4.35", "Monzo", "PRET A MANGER LONDON GBR"),
            (4, D(2024, 1, 5), "-200.00", "Monzo", "Holiday pot"),  # no Description: falls back to Name
            (5, D(2024, 1, 13), "-3.10", "Monzo", "CAFE NERO PARIS FRA"),
        ],
        {},
    ),
    (
        "dkb_legacy.csv",
        "dkb_legacy",
        3,
        [
            (9, D(2022, 1, 28), "-45.67", "DKB (before 2023)", "REWE Markt GmbH REWE SAGT DANKE 12345678"),
            (10, D(2022, 1, 27), "2850.00", "DKB (before 2023)", "ACME GmbH Lohn, Gehalt, Rente"),
            (
                11,
                D(2022, 1, 3),
                "-1150.00",
                "DKB (before 2023)",
                "Müller Hausverwaltung Miete Januar Wohnung 3. OG",
            ),
        ],
        {8: (SkipKind.FILTERED, "zero amount")},
    ),
    (
        "dkb_card_legacy.csv",
        "dkb_card_legacy",
        3,
        [(10, D(2022, 1, 14), "-19.50", "DKB credit card (before 2023)", "STEAMGAMES.COM 4259522985")],
        {},
    ),
    (
        "dkb_2023.csv",
        "dkb",
        4,
        [
            (7, D(2023, 10, 30), "-45.67", "DKB", "REWE Markt GmbH REWE SAGT DANKE 12345678"),
            (8, D(2023, 10, 27), "2850.00", "DKB", "ACME GmbH Gehalt Oktober 2023"),  # money in: the payer
            (9, D(2023, 10, 2), "-1150.00", "DKB", "Müller Hausverwaltung Miete Oktober\nWohnung 3. OG"),
            (11, D(2023, 10, 1), "-12.50", "DKB", "Spotify AB Premium 🎧 Oktober"),
        ],
        {6: (SkipKind.FILTERED, "Status is 'Vorgemerkt'")},
    ),
    (
        "ing_nl.csv",
        "ing_nl",
        3,
        [
            (
                2,
                D(2024, 1, 31),
                "-23.45",
                "ING NL12INGB••4567",
                "Albert Heijn 1234 Pasvolgnr: 001 30-01-2024 18:22 Transactie: AB1234 Term: 123456 Apple Pay",
            ),
            (
                3,
                D(2024, 1, 25),
                "2100.00",
                "ING NL12INGB••4567",
                "ACME B.V. Naam: ACME B.V. Omschrijving: Salaris januari IBAN: NL91ABNA0417164300",
            ),
        ],
        {},
    ),
    (
        "ing_nl_2019.csv",
        "ing_nl",
        2,
        [
            (
                2,
                D(2019, 4, 15),
                "-13.60",
                "ING NL12INGB••4567",
                "NS GROEP IZ NS REIZIGERS Naam: NS GROEP IZ NS REIZIGERS Omschrijving: Reizen op rekening",
            )
        ],
        {},
    ),
    (
        "rbc.csv",
        "rbc",
        5,
        [
            (
                2,
                D(2024, 1, 2),
                "-4.50",
                "RBC Chequing ••8901",
                "Interac purchase - 1234 TIM HORTONS #12",
            ),
            (
                4,
                D(2024, 1, 15),
                "-33.78",
                "RBC MasterCard ••5678",
                "AMAZON.COM*RT5YH7HJ1 Foreign Currency-USD 25.00 @ 1.3512",
            ),
            (5, D(2024, 1, 20), "-100.00", "RBC US Dollar ••6789", "e-Transfer sent JANE DOE"),
        ],
        {},
    ),
    (
        "revolut.csv",
        "revolut",
        3,
        [
            (2, D(2024, 1, 2), "500.00", "Revolut Current", "Top-Up by *1234"),
            (4, D(2024, 1, 5), "-100.50", "Revolut Current", "Exchanged to EUR"),  # net = Amount - Fee
        ],
        {
            5: (SkipKind.FILTERED, "State is 'PENDING'"),
            6: (SkipKind.FILTERED, "State is 'DECLINED'"),
            7: (SkipKind.FILTERED, "State is 'REVERTED'"),
        },
    ),
]


@pytest.mark.parametrize(
    ("fixture", "profile_id", "count", "expected", "skipped"), CASES, ids=[c[0] for c in CASES]
)
def test_fixture_is_recognised_and_parsed(fixture, profile_id, count, expected, skipped) -> None:
    parsed = parse(fixture)
    assert parsed.profile_id == profile_id
    assert parsed.layout_name == get_profile(profile_id).name
    assert parsed.confident, parsed.uncertain_reasons
    assert len(parsed.transactions) == count
    by_row = {t.source.row: t for t in parsed.transactions}
    for row, date, amount, account, description in expected:
        txn = by_row[row]
        assert (txn.date, txn.amount, txn.account, txn.description) == (
            date,
            Decimal(amount),
            account,
            description,
        )
    assert {s.row: (s.kind, s.reason) for s in parsed.skipped} == skipped
    assert parsed.rows_read == count + len(skipped)
    assert all(t.source.file_sha256 == parsed.file_sha256 for t in parsed.transactions)


def test_signed_inverted_profiles_make_purchases_negative() -> None:
    for name in ("activity.csv", "discover.csv", "apple_card.csv", "amex_extended.csv"):
        parsed = parse(name)
        assert parsed.mapping.sign is SignRule.SIGNED_INVERTED
        is_payment = [any(w in t.description for w in ("PAYMENT", "DEPOSIT")) for t in parsed.transactions]
        payments = [t for t, paid in zip(parsed.transactions, is_payment, strict=True) if paid]
        purchases = [t for t, paid in zip(parsed.transactions, is_payment, strict=True) if not paid]
        assert payments and all(t.amount > 0 for t in payments), name
        assert any(t.amount < 0 for t in purchases), name


def test_posted_dates_and_bank_categories_are_kept() -> None:
    chase = parse("Chase1234_Activity20240101_20240131_20240201.CSV")
    first = chase.transactions[0]
    assert (first.date, first.posted_date, first.bank_category) == (D(2024, 1, 29), D(2024, 1, 30), "Travel")
    payment = next(t for t in chase.transactions if t.source.row == 4)
    assert payment.bank_category is None  # an empty category cell is no category
    apple = parse("apple_card.csv")
    assert apple.transactions[0].posted_date == D(2024, 1, 11)


def test_per_row_and_per_column_currencies() -> None:
    monzo = parse("monzo.csv")
    assert {t.currency for t in monzo.transactions} == {"GBP"}  # the account currency, not the local one
    rbc = parse("rbc.csv")
    assert [t.currency for t in rbc.transactions] == ["CAD", "CAD", "CAD", "USD", "CAD"]
    dkb = parse("dkb_2023.csv")
    assert {t.currency for t in dkb.transactions} == {"EUR"}


def test_capital_one_sign_rule_and_citi_negative_credit_column() -> None:
    assert parse("capital_one.csv").mapping.sign is SignRule.DEBIT_CREDIT_UNSIGNED
    citi = parse("citi.csv")
    assert citi.mapping.sign is SignRule.DEBIT_CREDIT_ABS
    # Citi's credit column is already negative: the refund must come out positive, not doubled negative.
    refund = next(t for t in citi.transactions if t.source.row == 4)
    assert refund.amount == Decimal("19.99")


def test_preambles_encodings_and_notes() -> None:
    legacy = parse("dkb_legacy.csv")
    assert legacy.encoding == "cp1252"
    assert legacy.header_row == 7
    assert any("Windows-1252" in n for n in legacy.notes)
    assert parse("dkb_2023.csv").encoding == "utf-8-sig"
    barclays = parse("barclays_us.csv")
    assert barclays.header_row == 5 and any("line 5" in n for n in barclays.notes)


def test_weak_header_needs_confirmation_by_the_data() -> None:
    # Date,Description,Amount is Amex's basic export, but also many others' layout.
    amex = parse("amex_export.csv")
    assert amex.profile_id == "amex"
    assert next(t for t in amex.transactions if "PAYMENT" in t.description).amount == Decimal("250.00")
    other = parse_statement(
        (BANKS / "ambiguous_dates.csv").read_bytes(),
        "ambiguous_dates.csv",
        currency=CurrencyContext(home="USD"),
    )
    assert other.profile_id is None
    assert any("American Express" in n for n in other.notes)
    # Amex's own file name is enough on its own.
    renamed = parse_statement((BANKS / "ambiguous_dates.csv").read_bytes(), "activity (3).csv")
    assert renamed.profile_id == "amex"


def test_fingerprint_is_stable_across_files_of_one_layout() -> None:
    assert parse("ing_nl.csv").header_fingerprint != parse("ing_nl_2019.csv").header_fingerprint
    again = parse_statement((BANKS / "citi.csv").read_bytes().replace(b"142.57", b"1.00"), "other.csv")
    assert again.header_fingerprint == parse("citi.csv").header_fingerprint


def test_a_spreadsheet_resave_changing_the_date_format_is_still_read() -> None:
    parsed = parse("capital_one_excel.csv")
    assert parsed.profile_id == "capital_one" and parsed.confident
    assert parsed.mapping.date_format == "MM/DD/YYYY"
    assert [(t.date, t.amount) for t in parsed.transactions] == [
        (D(2024, 1, 28), Decimal("-41.20")),
        (D(2024, 1, 26), Decimal("500.00")),
        (D(2024, 1, 15), Decimal("-67.89")),
    ]
    assert any("re-saved by a spreadsheet" in note for note in parsed.notes)
    assert parsed.transactions[0].account == "Capital One 1234"
