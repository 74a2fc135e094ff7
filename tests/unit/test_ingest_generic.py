"""Layouts no profile knows: roles from header words and values, inferred conventions reported."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.ingest import IngestError, SignRule, parse_statement
from app.ingest.currency import CurrencyContext, CurrencySource
from app.ingest.generic import balance_sign, role_name, sign_evidence
from app.ingest.statement import GENERIC_HEADERLESS_LAYOUT, GENERIC_LAYOUT
from app.models import SkipKind
from tests.conftest import REPO_ROOT

BANKS = REPO_ROOT / "tests" / "fixtures" / "banks"
D = dt.date


def parse_fixture(name: str, home: str = "USD"):
    """These files name no currency: the home currency stands in for the one the user gives."""
    return parse_statement((BANKS / name).read_bytes(), name, currency=CurrencyContext(home=home))


def parse_text(text: str, name: str = "export.csv", encoding: str = "utf-8", home: str = "USD"):
    return parse_statement(text.encode(encoding), name, currency=CurrencyContext(home=home))


def amounts(parsed) -> list[Decimal]:
    return [t.amount for t in parsed.transactions]


def test_headerless_commbank_style_file_reads_day_first_from_the_whole_column() -> None:
    parsed = parse_fixture("CSVData.csv")
    assert parsed.layout_name == GENERIC_HEADERLESS_LAYOUT and parsed.profile_id is None
    assert parsed.mapping.date_format == "DD/MM/YYYY"
    assert [t.date for t in parsed.transactions][:2] == [D(2024, 3, 12), D(2024, 3, 11)]
    assert parsed.transactions[-1].date == D(2024, 2, 15)
    assert amounts(parsed)[:2] == [Decimal("-12.50"), Decimal("1500.00")]
    assert [t.source.row for t in parsed.transactions] == list(range(1, 15))
    assert not parsed.confident  # no header: the roles are a guess the user should confirm
    assert parsed.columns == [f"Column {n}" for n in range(1, 5)]


def test_french_semicolon_export_with_comma_decimals_and_space_thousands() -> None:
    parsed = parse_fixture("releve_boursorama.csv", home="EUR")
    assert parsed.layout_name == GENERIC_LAYOUT
    assert parsed.mapping.decimal == "," and parsed.mapping.date_format == "YYYY-MM-DD"
    assert parsed.mapping.date == "dateOp" and parsed.mapping.posted_date == "dateVal"
    assert amounts(parsed) == [Decimal("-23.45"), Decimal("2450.00"), Decimal("-19.99")]
    assert parsed.transactions[0].description == "CARTE 28/01/24 MONOPRIX PARIS 11"
    assert parsed.transactions[0].bank_category == "Alimentation"
    assert parsed.transactions[0].currency == "EUR"
    assert parsed.currency_source is CurrencySource.HOME  # a ';' file is no proof of euros
    assert parsed.confident, parsed.uncertain_reasons


def test_card_export_sign_is_inferred_from_payments_and_refunds_and_reported() -> None:
    parsed = parse_fixture("card_export.csv")
    assert parsed.mapping.sign is SignRule.SIGNED_INVERTED
    assert any("inferred" in note for note in parsed.notes)
    by_text = {t.description: t.amount for t in parsed.transactions}
    assert by_text["PAYMENT - THANK YOU"] == Decimal("800.00")
    assert by_text["TARGET 00012345 REFUND"] == Decimal("19.99")
    assert by_text["WHOLE FOODS MARKET #10213"] == Decimal("-64.20")


def test_bank_export_with_signed_amounts_is_left_as_is() -> None:
    parsed = parse_text(
        "Date,Description,Amount\n"
        "2024-02-01,PAYROLL ACME,2000.00\n2024-02-02,ONLINE PAYMENT TO CARD,-300.00\n2024-02-03,GROCER,-40.00\n"
    )
    assert parsed.mapping.sign is SignRule.SIGNED
    assert amounts(parsed) == [Decimal("2000.00"), Decimal("-300.00"), Decimal("-40.00")]


def test_all_positive_amounts_are_kept_as_given_and_flagged() -> None:
    """Invoices and deposits are all positive too: without a sign of a card, nothing is flipped."""
    parsed = parse_text("Date,Merchant,Amount\n2024-02-01,GROCER,40.00\n2024-02-02,CINEMA,12.00\n")
    assert parsed.mapping.sign is SignRule.SIGNED
    assert amounts(parsed) == [Decimal("40.00"), Decimal("12.00")]
    assert not parsed.confident
    assert any("every amount is positive" in r for r in parsed.uncertain_reasons)


def test_all_positive_amounts_of_a_card_statement_are_purchases() -> None:
    parsed = parse_text(
        "Date,Merchant,Card Used,Amount\n2024-02-01,GROCER,**** 1234,40.00\n2024-02-02,CINEMA,**** 1234,12.00\n"
    )
    assert parsed.mapping.sign is SignRule.SIGNED_INVERTED
    assert amounts(parsed) == [Decimal("-40.00"), Decimal("-12.00")]
    assert not parsed.confident
    assert any("masked card numbers" in note for note in parsed.notes)


def test_running_balance_decides_the_sign() -> None:
    parsed = parse_text(
        "Date,Description,Amount,Balance\n"
        "2024-02-01,GROCER,40.00,960.00\n2024-02-02,CINEMA,12.00,948.00\n"
        "2024-02-03,REFUND GROCER,-5.00,953.00\n2024-02-04,RENT,500.00,453.00\n"
    )
    assert parsed.mapping.sign is SignRule.SIGNED_INVERTED
    assert any("running balance" in note for note in parsed.notes)
    assert amounts(parsed) == [Decimal("-40.00"), Decimal("-12.00"), Decimal("5.00"), Decimal("-500.00")]


def test_ambiguous_dates_are_flagged_not_guessed_silently() -> None:
    parsed = parse_fixture("ambiguous_dates.csv")
    assert not parsed.confident
    assert any("day/month" in reason for reason in parsed.uncertain_reasons)


def test_debit_credit_pair_and_bad_rows_are_reported_with_row_numbers() -> None:
    parsed = parse_fixture("bank_with_bad_rows.csv")
    assert (parsed.mapping.debit, parsed.mapping.credit) == ("Debit", "Credit")
    assert amounts(parsed) == [Decimal("1000.00"), Decimal("-54.20"), Decimal("-12.30")]
    invalid = {s.row: s.reason for s in parsed.skipped if s.kind is SkipKind.INVALID}
    assert invalid == {
        4: "date '02/30/2024' is not a valid MM/DD/YYYY date",
        5: "amount 'abc' is not a number",
    }
    assert parsed.skipped[0].raw.startswith("02/30/2024,IMPOSSIBLE DATE STORE")


def test_german_savings_bank_export_status_by_value_and_two_digit_years() -> None:
    parsed = parse_fixture("sparkasse_like.csv")
    assert parsed.mapping.date_format == "DD.MM.YY"
    assert [t.date for t in parsed.transactions] == [D(2024, 1, 30), D(2024, 1, 26)]
    assert parsed.transactions[0].description == "EDEKA CENTER 2024-01-29T18:22 Debitk.1 2027-12"
    assert parsed.transactions[0].account == "sparkasse_like DE••4931"  # only the last four digits
    assert [(s.row, s.kind, s.reason) for s in parsed.skipped] == [
        (4, SkipKind.FILTERED, "Info is 'Umsatz vorgemerkt'")
    ]


def test_dutch_af_bij_indicator_column() -> None:
    parsed = parse_text(
        "Datum;Omschrijving;Bedrag;Af/Bij\n"
        "15-01-2024;Jumbo Utrecht;12,30;Af\n16-01-2024;Salaris;1.800,00;Bij\n17-01-2024;Huur;950,00;Af\n",
        home="EUR",
    )
    assert parsed.mapping.sign is SignRule.UNSIGNED_PLUS_INDICATOR
    assert parsed.mapping.date_format == "DD-MM-YYYY"
    assert amounts(parsed) == [Decimal("-12.30"), Decimal("1800.00"), Decimal("-950.00")]
    assert parsed.transactions[0].currency == "EUR"


def test_dr_cr_indicator_column() -> None:
    parsed = parse_text(
        "Posting Date,Narrative,Amount,DR/CR\n"
        "03/01/2024,TESCO STORES 2041,25.10,DR\n03/02/2024,SALARY,2100.00,CR\n03/15/2024,TFL TRAVEL,7.40,DR\n"
    )
    assert amounts(parsed) == [Decimal("-25.10"), Decimal("2100.00"), Decimal("-7.40")]


def test_fee_column_and_per_row_currency() -> None:
    parsed = parse_text(
        "Date,Description,Amount,Fee,Currency,Status\n"
        "2024-03-01,Card payment Lidl,-20.00,0.00,EUR,completed\n"
        "2024-03-02,ATM withdrawal,-100.00,2.00,CHF,completed\n"
        "2024-03-03,Hotel hold,-80.00,0.00,EUR,pending\n"
    )
    # Nothing shows whether the fee is already in the amount (Stripe's and Wise's are): kept as given, and asked.
    assert parsed.mapping.fee is None
    assert [(t.amount, t.currency) for t in parsed.transactions] == [
        (Decimal("-20.00"), "EUR"),
        (Decimal("-100.00"), "CHF"),
    ]
    assert not parsed.confident and any("'Fee'" in reason for reason in parsed.uncertain_reasons)
    assert [(s.row, s.reason) for s in parsed.skipped] == [(4, "Status is 'pending'")]


def test_a_fee_is_taken_off_only_when_the_running_balance_moves_by_the_net() -> None:
    rows = "2024-03-01,Card payment,-20.00,1.00,979.00\n2024-03-02,Transfer in,100.00,0.50,1078.50\n"
    rows += "2024-03-03,Card payment,-5.00,0.25,1073.25\n"
    net = parse_text("Date,Description,Amount,Fee,Balance\n2024-02-29,Opening,0.00,0.00,1000.00\n" + rows)
    assert net.mapping.fee == "Fee"
    assert amounts(net) == [Decimal("-21.00"), Decimal("99.50"), Decimal("-5.25")]
    gross = parse_text(
        "Date,Description,Amount,Fee,Balance\n"
        "2024-03-01,Card payment,-20.00,1.00,980.00\n2024-03-02,Transfer in,100.00,0.50,1080.00\n"
        "2024-03-03,Card payment,-5.00,0.25,1075.00\n"
    )
    assert gross.mapping.fee is None and gross.confident
    assert amounts(gross) == [Decimal("-20.00"), Decimal("100.00"), Decimal("-5.00")]


def test_spanish_header_and_balance_and_zero_rows() -> None:
    parsed = parse_text(
        "Fecha;Concepto;Importe;Saldo\n"
        "02/01/2024;Saldo anterior;0,00;1.000,00\n"
        "15/01/2024;MERCADONA VALENCIA;-45,20;954,80\n"
        "25/01/2024;NOMINA EMPRESA SL;1.500,00;2.454,80\n",
        "movimientos.csv",
    )
    assert parsed.mapping.date_format == "DD/MM/YYYY"
    assert amounts(parsed) == [Decimal("-45.20"), Decimal("1500.00")]
    assert parsed.skipped[0].kind is SkipKind.FILTERED
    assert parsed.transactions[0].account == "movimientos"


def test_tab_delimited_with_a_preamble() -> None:
    parsed = parse_text(
        "Account statement\nAccount:\tNL00BANK0123456789\n\n"
        "Date\tDescription\tAmount\n2024-01-05\tBOOKSHOP\t-12.00\n2024-01-06\tREFUND BOOKSHOP\t12.00\n"
    )
    assert parsed.delimiter == "\t" and parsed.header_row == 4
    assert [t.source.row for t in parsed.transactions] == [5, 6]


def test_unnamed_columns_are_found_by_value_and_flagged() -> None:
    parsed = parse_text("When,What,HowMuch\n2024-01-05,BOOKSHOP,-12.00\n2024-01-06,CAFE,-3.00\n")
    assert (parsed.mapping.date, parsed.mapping.amount, parsed.mapping.description) == (
        "When",
        "HowMuch",
        ["What"],
    )
    assert not parsed.confident
    assert len(parsed.uncertain_reasons) == 3


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Date,Description,Note\n01/02/2024,GROCERY,weekly\n", "no column of amounts"),
        ("Description,Amount\nGROCERY,-1.00\nCAFE,-2.00\n", "no column of dates"),
        ("just some words\nand more words\n", "no table of transactions"),
    ],
)
def test_files_without_dates_or_amounts_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(IngestError) as caught:
        parse_text(text, "mystery.csv")
    assert caught.value.filename == "mystery.csv"
    assert fragment in caught.value.message


def test_no_amounts_fixture_names_the_file() -> None:
    with pytest.raises(IngestError, match=r"^no_amounts\.csv: no column of amounts"):
        parse_fixture("no_amounts.csv")


def test_role_names_fold_case_accents_and_units() -> None:
    assert role_name("Betrag (€)") == "betrag"
    assert role_name("Trans. Date") == "trans date"
    assert role_name("Libellé") == "libelle"
    assert role_name("Zahlungsempfänger*in") == "zahlungsempfanger in"


def test_sign_evidence_and_balance_helpers() -> None:
    texts = ["PAYMENT - THANK YOU", "GROCER", "CINEMA"]
    assert sign_evidence(texts, [Decimal(-100), Decimal(20), Decimal(10)]) == "inverted"
    assert sign_evidence(texts, [Decimal(100), Decimal(-20), Decimal(-10)]) == "normal"
    assert sign_evidence(["GROCER", "CINEMA"], [Decimal(20), Decimal(10)]) is None
    newest_first = [Decimal("-5"), Decimal("10"), Decimal("-3")]
    balances = [Decimal("102"), Decimal("107"), Decimal("97")]
    assert balance_sign(newest_first, balances) == 1
    assert balance_sign([-a for a in newest_first], balances) == -1
    assert balance_sign([Decimal(1), Decimal(2)], [None, None]) is None


def test_decimal_mark_is_decided_per_column() -> None:
    # The debit column holds only whole numbers; the credit column's "1.234,50" settles the mark.
    parsed = parse_text("Date;Text;Debit;Credit\n2024-01-02;Rent;950;\n2024-01-03;Salary;;1.234,50\n")
    assert parsed.mapping.decimal == ","
    assert amounts(parsed) == [Decimal("-950.00"), Decimal("1234.50")]
    clash = parse_text("Date;Text;Debit;Credit\n2024-01-02;Rent;12,50;\n2024-01-03;Salary;;3.20\n")
    assert any("different decimal marks" in r for r in clash.uncertain_reasons)


def test_a_running_balance_one_row_contradicts_is_named_in_a_note_and_the_rows_kept() -> None:
    parsed = parse_text(
        "Date,Description,Amount,Balance\n"
        "2025-05-01,BOOKSHOP,-18.20,481.80\n2025-05-02,WAGES,1900.00,2381.80\n"
        "2025-05-03,LANDLORD,-950.00,1431.80\n2025-05-04,NEWSAGENT,-3.10,1328.70\n"
        "2025-05-05,NEWSAGENT,-3.10,1325.60\n"
    )
    assert amounts(parsed) == [
        Decimal("-18.20"),
        Decimal("1900.00"),
        Decimal("-950.00"),
        Decimal("-3.10"),
        Decimal("-3.10"),
    ]
    jumped = Decimal("1328.70") - Decimal("1431.80")  # where the amount says -3.10
    [note] = [note for note in parsed.notes if "running balance" in note]
    assert f"line 5: it moves by {jumped}, the amount is -3.10" in note
    assert "3 of 4 rows" in note and "agree with the running balance" not in note


def test_whole_yen_amounts_in_a_headerless_debit_credit_pair_are_signed_by_the_balance() -> None:
    # Whole numbers as long as identifiers: the running balance, not the look of cents, decides.
    parsed = parse_text(
        "2025/06/02,ATM,20000,,380000\n2025/06/10,KYUYO,,310000,690000\n2025/06/12,KONBINI,864,,689136\n",
        home="JPY",
    )
    assert amounts(parsed) == [Decimal(-20000), Decimal(310000), Decimal(-864)]
    assert not parsed.skipped


def test_japanese_bank_headers_name_their_columns() -> None:
    parsed = parse_text(
        "日付,摘要,お支払金額,お預り金額,差引残高\n"
        "2025/06/02,ATM引出,20000,,380000\n2025/06/10,給与,,310000,690000\n2025/06/12,コンビニ,864,,689136\n",
        home="JPY",
    )
    assert (parsed.mapping.date, parsed.mapping.description) == ("日付", ["摘要"])
    assert (parsed.mapping.debit, parsed.mapping.credit, parsed.mapping.balance) == (
        "お支払金額",
        "お預り金額",
        "差引残高",
    )
    assert amounts(parsed) == [Decimal(-20000), Decimal(310000), Decimal(-864)]
    assert parsed.confident
