"""The identify step and the whole-file evidence behind an unknown layout, file by file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.ingest import IngestError, SignRule, parse_statement
from app.ingest.currency import CurrencyContext
from app.ingest.evidence import balance_fit, complementary, direction_pair, file_order, money_likeness
from app.ingest.identify import GENERIC_HEADERLESS_LAYOUT, GENERIC_LAYOUT
from app.ingest.statement import ParsedStatement
from app.store import Store


def parse(text: str, name: str = "export.csv", encoding: str = "utf-8") -> ParsedStatement:
    return parse_statement(text.encode(encoding), name, currency=CurrencyContext(home="EUR"))


def money(parsed: ParsedStatement) -> list[tuple[dt.date, Decimal]]:
    return [(t.date, t.amount) for t in parsed.transactions]


def test_a_profile_is_used_only_when_its_sample_rows_read() -> None:
    """Amex's header in another order (its columns relabelled): the profile's Date column holds text."""
    text = (
        "Description,Date,Card Member,Account #,Amount\n"
        "01/05/2024,CORNER GROCER,J DOE,-41004,12.50\n"
        "01/07/2024,CITY CINEMA,J DOE,-41004,9.00\n"
        "01/09/2024,BOOK SHOP,J DOE,-41004,20.00\n"
    )
    parsed = parse(text, "activity.csv")
    assert parsed.profile_id is None and parsed.layout_name == GENERIC_LAYOUT
    assert any("looks like American Express" in note or "looks like Amex" in note for note in parsed.notes)
    assert [d for d, _ in money(parsed)] == [dt.date(2024, 1, 5), dt.date(2024, 1, 7), dt.date(2024, 1, 9)]
    assert any("sample rows read" in line for line in parsed.evidence)


def test_a_verified_profile_names_its_evidence() -> None:
    text = (
        "Date,Description,Card Member,Account #,Amount\n"
        "01/05/2024,CORNER GROCER,J DOE,-41004,12.50\n"
        "01/07/2024,AUTOPAY PAYMENT - THANK YOU,J DOE,-41004,-100.00\n"
    )
    parsed = parse(text, "activity.csv")
    assert parsed.profile_id == "amex"
    assert any("2 of 2 sample rows read" in line for line in parsed.evidence)


def test_headerless_withdrawal_deposit_balance_file_imports_every_deposit() -> None:
    """date, description, withdrawal, deposit, balance, newest first: the balance says which is which."""
    text = (
        "03/04/2024,PAYCHECK ACME,,2000.00,2950.00\n"
        "03/02/2024,GROCER,45.50,,950.00\n"
        "03/01/2024,RENT,1000.00,,995.50\n"
        "02/28/2024,COFFEE,4.50,,1995.50\n"
    )
    parsed = parse(text, "checking.csv")
    assert parsed.layout_name == GENERIC_HEADERLESS_LAYOUT
    assert (
        parsed.mapping is not None
        and parsed.mapping.debit == "Column 3"
        and parsed.mapping.credit == "Column 4"
    )
    assert [a for _, a in money(parsed)] == [
        Decimal("2000.00"),
        Decimal("-45.50"),
        Decimal("-1000.00"),
        Decimal("-4.50"),
    ]
    assert any("fill each other's gaps" in line and "running balance" in line for line in parsed.evidence)


def test_a_headerless_balance_column_is_never_the_amount() -> None:
    text = (
        "2024-03-01,GROCER,-45.50,954.50\n"
        "2024-03-02,SALARY,2000.00,2954.50\n"
        "2024-03-03,RENT,-1000.00,1954.50\n"
    )
    parsed = parse(text)
    assert [a for _, a in money(parsed)] == [Decimal("-45.50"), Decimal("2000.00"), Decimal("-1000.00")]
    assert parsed.mapping is not None and parsed.mapping.balance == "Column 4"


@pytest.mark.parametrize(
    ("debit", "credit"),
    [("D", "C"), ("DR", "CR"), ("Debit", "Credit"), ("Af", "Bij"), ("S", "H"), ("Soll", "Haben")],
)
def test_indicator_columns_in_any_language_sign_unsigned_amounts(debit: str, credit: str) -> None:
    text = (
        f"Datum;Omschrijving;Richting code;Bedrag\n"
        f"01-03-2024;Winkel;{debit};45,50\n02-03-2024;Salaris;{credit};2000,00\n03-03-2024;Cafe;{debit};12,00\n"
    )
    parsed = parse(text)
    assert parsed.mapping is not None and parsed.mapping.sign is SignRule.UNSIGNED_PLUS_INDICATOR
    assert [a for _, a in money(parsed)] == [Decimal("-45.50"), Decimal("2000.00"), Decimal("-12.00")]


def test_a_signed_debit_column_is_not_negated_again() -> None:
    text = "Date,Description,Debits(-),Credits(+)\n2024-03-01,GROCER,$-25.00,\n2024-03-02,SALARY,,$100.00\n"
    parsed = parse(text)
    assert [a for _, a in money(parsed)] == [Decimal("-25.00"), Decimal("100.00")]


def test_identifiers_never_win_the_amount() -> None:
    """A card number (even written as money), a check number and a column of zeros lose to the real amount."""
    text = (
        "2024-03-01,-4514010000000000.00,1001,0.00,GROCER,-45.50\n"
        "2024-03-02,-4514010000000000.00,1002,0.00,CINEMA,-12.25\n"
        "2024-03-03,-4514010000000000.00,1003,0.00,REFUND,5.00\n"
    )
    parsed = parse(text)
    assert [a for _, a in money(parsed)] == [Decimal("-45.50"), Decimal("-12.25"), Decimal("5.00")]


def test_a_semicolon_file_with_decimal_commas_is_not_split_on_commas() -> None:
    text = "1234567;SHOP A;02.07.2013;-5,99;EUR\n1234567;SHOP B;21.06.2013;+30,99;EUR\n1234567;SHOP C;19.02.2013;-22,69;EUR\n"
    parsed = parse(text)
    assert parsed.delimiter == ";"
    assert [a for _, a in money(parsed)] == [Decimal("-5.99"), Decimal("30.99"), Decimal("-22.69")]
    assert any("would split its decimal commas" in line for line in parsed.evidence)


def test_amounts_with_a_currency_word_and_odd_dates_are_read() -> None:
    text = (
        "Datum;Text;Belopp\n2024:03:01;ICA;-144,75 kr\n2024:03:02;Lön;25 000,00 kr\n2024:03:05;SL;-39,00 kr\n"
    )
    parsed = parse(text)
    assert money(parsed) == [
        (dt.date(2024, 3, 1), Decimal("-144.75")),
        (dt.date(2024, 3, 2), Decimal("25000.00")),
        (dt.date(2024, 3, 5), Decimal("-39.00")),
    ]


def test_header_cells_that_only_look_like_amounts_are_a_header() -> None:
    text = "Buchungstag;Text;VWZ1;VWZ2;Betrag\n01.03.2024;Miete;Ref 1;;-800,00\n02.03.2024;Lohn;Ref 2;;2.100,00\n"
    parsed = parse(text)
    assert parsed.header_row == 1
    assert [a for _, a in money(parsed)] == [Decimal("-800.00"), Decimal("2100.00")]


def test_ragged_rows_are_aligned_to_the_header_not_refused() -> None:
    text = (
        "Datum;Betrag;Text\n"
        "2024-03-01;-10,00;Shop;spilled;over\n"
        "2024-03-02;20,00\n"
        "2024-03-03;-5,00;Cafe;more\n"
    )
    parsed = parse(text)
    assert [a for _, a in money(parsed)] == [Decimal("-10.00"), Decimal("20.00"), Decimal("-5.00")]


def test_unescaped_inner_quotes_keep_the_field_whole() -> None:
    text = (
        'Date,Payee,Description,Amount\n2024-03-01,"UAB "Pieno kelias"","card "x" payment",-8.45\n'
        '2024-03-02,"Shop ""A"", ""B""","=HYPERLINK(""http://e"",""x"")",-1.00\n'
    )
    parsed = parse(text)
    assert [t.payee for t in parsed.transactions] == ['UAB "Pieno kelias"', 'Shop "A", "B"']
    assert parsed.transactions[1].description.endswith('=HYPERLINK("http://e","x")')


def test_payee_comes_from_a_name_column_beside_the_raw_text() -> None:
    text = "Date,Name,Description,Amount\n2024-03-01,Corner Grocer,CARD 1234 CORNER GROCER LDN,-8.45\n"
    (transaction,) = parse(text).transactions
    assert transaction.payee == "Corner Grocer"
    assert "CARD 1234 CORNER GROCER LDN" in transaction.description


def test_a_file_without_money_still_names_what_is_missing() -> None:
    with pytest.raises(IngestError, match="no column of amounts"):
        parse("Date,Description,Note\n01/02/2024,GROCERY,weekly\n")


def test_evidence_helpers_read_whole_columns() -> None:
    amounts = [Decimal("223.77"), Decimal("-200.00"), Decimal("-2.20")]
    balances_before = [Decimal("130.44"), Decimal("354.21"), Decimal("154.21")]
    fit = balance_fit(amounts, balances_before, newest_first=False)
    assert fit is not None and fit.before and fit.sign == 1
    assert file_order([dt.date(2024, 1, 2), dt.date(2024, 1, 1)]) is True
    assert complementary(["1.00", "", "2.00"], ["", "3.00", ""])
    assert not complementary(["1.00", "2.00"], ["", "3.00"])
    assert direction_pair({"af", "bij"}) == ("af", "bij")
    assert money_likeness(["1001", "1002", "1003"]) is not None  # short whole numbers may be money
    assert money_likeness(["15310839315"] * 3) is None
    assert money_likeness(["0.00", "0.00", "0"]) is None
    assert money_likeness(["-4514010000000000.00", "-4514010000000001.00"]) is None


CONTRADICTED = (
    "Date,Description,Amount,Balance\n"
    "2024-03-01,GROCER,-45.50,1000.00\n"
    "2024-03-02,SALARY,2000.00,1100.00\n"
    "2024-03-03,RENT,-1000.00,1300.00\n"
    "2024-03-04,CAFE,-4.50,1250.00\n"
    "2024-03-05,BOOKS,-20.00,1400.00\n"
)


def test_a_balance_no_row_agrees_with_refuses_the_file_naming_the_row() -> None:
    with pytest.raises(
        IngestError, match=r"^export\.csv: the running balance in 'Balance' contradicts"
    ) as caught:
        parse(CONTRADICTED)
    assert caught.value.row == 3


def test_a_contradicting_balance_stores_nothing(store: Store) -> None:
    from app.importer import import_files

    (result,) = import_files(store, [("export.csv", CONTRADICTED.encode())], home_currency="EUR")
    assert result.error is not None and "contradicts" in result.error and "row 3" in result.error
    assert store.count_transactions() == 0


def test_a_balance_that_agrees_on_few_rows_is_a_doubt_not_a_refusal() -> None:
    text = CONTRADICTED.replace("2024-03-03,RENT,-1000.00,1300.00", "2024-03-03,RENT,-1000.00,2054.50")
    text = text.replace("1100.00", "3054.50")
    parsed = parse(text)
    assert not parsed.confident
    assert any("agrees with the amounts on only" in reason for reason in parsed.uncertain_reasons)


def test_a_long_preamble_of_name_value_lines_does_not_hide_the_table() -> None:
    preamble = "".join(f"Info line {i};value {i}\n" for i in range(24))
    parsed = parse(preamble + "Datum;Text;Betrag\n01.03.2024;Shop;-10,00\n02.03.2024;Lohn;1.000,00\n")
    assert parsed.header_row == 25
    assert [a for _, a in money(parsed)] == [Decimal("-10.00"), Decimal("1000.00")]


def test_a_card_number_line_above_the_header_is_preamble() -> None:
    parsed = parse("Card number: 4514 0100 0000 0000\n\nDate,Description,Amount\n2024-03-01,Shop,-10.00\n")
    assert parsed.header_row == 3 and [a for _, a in money(parsed)] == [Decimal("-10.00")]


def test_a_two_line_header_is_read_as_one() -> None:
    text = (
        "Booking,Value,,Amount\nDate,Date,Text,EUR\n"
        "2024-03-01,2024-03-02,Shop,-10.00\n2024-03-02,2024-03-03,Pay,100.00\n"
    )
    parsed = parse(text)
    assert parsed.columns == ["Booking Date", "Value Date", "Text", "Amount EUR"]
    assert parsed.skipped == [] and parsed.currency == "EUR"
    assert [(t.date, t.posted_date, t.amount) for t in parsed.transactions] == [
        (dt.date(2024, 3, 1), dt.date(2024, 3, 2), Decimal("-10.00")),
        (dt.date(2024, 3, 2), dt.date(2024, 3, 3), Decimal("100.00")),
    ]


def test_a_year_without_its_leading_zero_is_read() -> None:
    parsed = parse(
        "Date,Description,Amount\n10-Nov-9,Shop,-10.00\n2-Dec-9,Pay,100.00\n28-Dec-10,Cafe,-2.00\n"
    )
    assert [d for d, _ in money(parsed)] == [
        dt.date(2009, 11, 10),
        dt.date(2009, 12, 2),
        dt.date(2010, 12, 28),
    ]


def test_confidence_separates_naming_doubts_from_doubts_about_money() -> None:
    named_by_values = parse("Booked;Text;Value\n2025-02-03;PHARMACY;-14,20\n2025-02-04;SALARY;2.150,00\n")
    assert named_by_values.uncertain_reasons and named_by_values.confidence == 0.75
    all_positive = parse("Date,Description,Amount\n2024-03-01,INVOICE 1,40.00\n2024-03-02,INVOICE 2,12.00\n")
    assert all_positive.confidence == 0.25
    sure = parse("Date,Description,Amount\n2024-03-01,SHOP,-40.00\n2024-03-02,SALARY,1200.00\n")
    assert sure.confident and sure.confidence == 1.0


def test_rows_short_of_the_header_are_aligned_where_its_dates_and_amounts_fit() -> None:
    """Address, City and Country written as one quoted field: the rows are two fields short."""
    text = (
        "Date,Bank,Address,City,Country,Name,Amount,\n"
        '2012:03:01,,",Vilnius,LT",SHOP ONE,-7.80,\n'
        '2012:03:02,BANK X,",Kaunas,LT",SALARY,889.81,\n'
        '2012:03:06,,",,",CAFE,-.46,\n'
    )
    parsed = parse(text)
    assert parsed.mapping is not None and parsed.mapping.amount == "Amount" and parsed.confident
    assert [a for _, a in money(parsed)] == [Decimal("-7.80"), Decimal("889.81"), Decimal("-0.46")]
    assert any("shorter than the header" in line for line in parsed.evidence)
