"""parse_statement end to end: ids, explicit and remembered mappings, limits, ragged and odd rows."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from pydantic import ValidationError

from app.ids import identity_key, occurrence_ids
from app.ingest import ColumnMapping, IngestError, SignRule, parse_statement
from app.ingest.currency import CurrencyContext
from app.ingest.statement import EXPLICIT_LAYOUT, REMEMBERED_LAYOUT
from app.models import SkipKind
from tests.conftest import REPO_ROOT

BANKS = REPO_ROOT / "tests" / "fixtures" / "banks"
CHASE = "Chase1234_Activity20240101_20240131_20240201.CSV"
CHASE_HEADER = "Transaction Date,Post Date,Description,Category,Type,Amount,Memo\n"


def chase_bytes() -> bytes:
    return (BANKS / CHASE).read_bytes()


def test_ids_are_identity_keys_with_occurrences_in_file_order() -> None:
    parsed = parse_statement(chase_bytes(), CHASE)
    keys = [identity_key(t.account, t.date, t.amount, t.currency, t.description) for t in parsed.transactions]
    assert [t.id for t in parsed.transactions] == list(occurrence_ids(keys))
    fares = [t for t in parsed.transactions if t.description == "MTA*NYCT PAYGO"]
    assert len(fares) == 2 and fares[0].id != fares[1].id  # two equal fares on one day are both kept


def test_an_overlapping_later_export_repeats_the_same_ids() -> None:
    january = parse_statement(chase_bytes(), CHASE)
    lines = chase_bytes().decode().splitlines(keepends=True)
    # A later export: two new rows on top, the three oldest January rows dropped.
    later = "".join(
        [lines[0], "02/02/2024,02/03/2024,NEW MERCHANT,Shopping,Sale,-9.00,\r\n", *lines[1:-3]]
    ).encode()
    overlap = parse_statement(later, "Chase1234_Activity20240120_20240202.CSV")
    assert {t.id for t in overlap.transactions} - {t.id for t in january.transactions} == {
        overlap.transactions[0].id
    }


def test_description_is_trimmed_but_never_rewritten() -> None:
    parsed = parse_statement((BANKS / "Chase5678_Activity_20240131.CSV").read_bytes(), "chk.csv")
    texts = [t.description for t in parsed.transactions]
    assert "CHECK 1052" in texts  # trailing space trimmed
    assert "ACME CORP        PAYROLL                    PPD ID: 9111111101" in texts  # inner padding kept


def test_explicit_mapping_wins_and_is_reported() -> None:
    text = "Booked;Text;Out;In\n01.02.2024;Rent;950,00;\n03.02.2024;Salary;;2.000,00\n"
    mapping = ColumnMapping(
        date="Booked",
        date_format="DD.MM.YYYY",
        description=["Text"],
        debit="Out",
        credit="In",
        decimal=",",
        sign=SignRule.DEBIT_CREDIT_UNSIGNED,
        currency="eur",
    )
    parsed = parse_statement(text.encode(), "mine.csv", mapping=mapping)
    assert parsed.layout_name == EXPLICIT_LAYOUT and parsed.confident
    assert [(t.amount, t.currency) for t in parsed.transactions] == [
        (Decimal("-950.00"), "EUR"),
        (Decimal("2000.00"), "EUR"),
    ]
    assert parsed.mapping == mapping


def test_explicit_mapping_naming_missing_columns_is_refused() -> None:
    mapping = ColumnMapping(date="When", description=["What"], amount="How much")
    with pytest.raises(IngestError, match=r"^mine\.csv: the mapping names columns .*How much"):
        parse_statement(b"When,What,Amount\n2024-01-01,x,1.00\n", "mine.csv", mapping=mapping)


def test_remembered_mapping_is_used_for_its_fingerprint_only() -> None:
    text = b"Date,Description,Amount\n03/04/2024,GROCERY,-45.00\n05/04/2024,PARKING,-6.00\n"
    home = CurrencyContext(home="USD")  # the file names no currency
    first = parse_statement(text, "a.csv", currency=home)
    assert not first.confident
    fixed = first.mapping.model_copy(update={"date_format": "DD/MM/YYYY"})
    store = {first.header_fingerprint: fixed}
    again = parse_statement(text, "b.csv", remembered=store.get, currency=home)
    assert again.layout_name == REMEMBERED_LAYOUT and again.confident
    assert again.transactions[0].date == dt.date(2024, 4, 3)
    other = parse_statement(
        b"Datum;Text;Betrag\n03.04.2024;x;-1,00\n", "c.csv", remembered=store.get, currency=home
    )
    assert other.layout_name != REMEMBERED_LAYOUT


def test_a_remembered_mapping_that_no_longer_fits_is_ignored() -> None:
    stale = ColumnMapping(date="Date", description=["Gone"], amount="Amount")
    parsed = parse_statement(chase_bytes(), CHASE, remembered=lambda fingerprint: stale)
    assert parsed.profile_id == "chase_credit"


def test_account_argument_overrides_every_row() -> None:
    parsed = parse_statement(
        (BANKS / "capital_one.csv").read_bytes(), "capital_one.csv", account=" Joint card "
    )
    assert {t.account for t in parsed.transactions} == {"Joint card"}


def test_upload_limit() -> None:
    with pytest.raises(IngestError, match=r"^big\.csv: the file is .* over the upload limit of 1 MB"):
        parse_statement(b"x" * (1024 * 1024 + 1), "big.csv", max_bytes=1024 * 1024)


def test_header_without_rows() -> None:
    empty_chase = parse_statement(CHASE_HEADER.encode(), CHASE)
    assert empty_chase.transactions == [] and empty_chase.rows_read == 0
    assert "the file holds no transaction rows" in empty_chase.notes
    with pytest.raises(IngestError, match="header row but no transactions"):
        parse_statement(b"When,What,HowMuch\n", "x.csv")


def test_ragged_rows_blank_lines_repeated_headers_and_quoted_newlines() -> None:
    text = (
        CHASE_HEADER
        + "01/29/2024,01/30/2024,MTA*NYCT PAYGO,Travel,Sale,-2.90,,\n"  # trailing delimiter: ignored
        + "   \n"
        + ",,,,,,\n"
        + '01/28/2024,01/29/2024,"LINE ONE\nLINE TWO",Travel,Sale,-1.00\n'  # one field short, quoted newline
        + CHASE_HEADER  # concatenated export
        + "01/27/2024,01/28/2024,EXTRA FIELD,Travel,Sale,-3.00,,surprise\n"
    )
    parsed = parse_statement(text.encode(), CHASE)
    assert [(t.source.row, t.amount) for t in parsed.transactions] == [
        (2, Decimal("-2.90")),
        (5, Decimal("-1.00")),
        (8, Decimal("-3.00")),
    ]
    assert parsed.transactions[1].description == "LINE ONE\nLINE TWO"
    assert [(s.row, s.kind, s.reason) for s in parsed.skipped] == [
        (7, SkipKind.FILTERED, "repeated header row")
    ]
    assert any("more fields than the header" in n for n in parsed.notes)
    assert parsed.rows_read == 4


def test_excel_apostrophes_do_not_reach_the_account_name() -> None:
    text = (
        "Transaction Date,Posted Date,Card No.,Description,Category,Debit,Credit\n"
        "2024-01-28,2024-01-29,'1234',SHELL OIL,Gas,41.20,\n"
    )
    assert parse_statement(text.encode(), "c1.csv").transactions[0].account == "Capital One 1234"


def test_unknown_indicator_word_with_a_signed_amount_keeps_the_sign() -> None:
    row = '"02.10.23";"02.10.23";"Gebucht";"Max";"Shop";"Kauf";"Kartenzahlung";"DE00";"-9,99";"";"";""\n'
    data = (BANKS / "dkb_2023.csv").read_bytes() + row.encode()
    parsed = parse_statement(data, "dkb.csv")
    assert parsed.transactions[-1].amount == Decimal("-9.99")
    unsigned = data.replace(b'"-9,99"', b'"9,99"')
    bad = parse_statement(unsigned, "dkb.csv").invalid_rows
    assert [s.reason for s in bad] == [
        "direction 'Kartenzahlung' in column 'Umsatztyp' is neither debit nor credit"
    ]


def test_every_row_invalid_is_uncertain_not_silent() -> None:
    text = CHASE_HEADER + "13/45/2024,,A,,Sale,-1.00,\nnot a date,,B,,Sale,-2.00,\n"
    parsed = parse_statement(text.encode(), CHASE)
    assert parsed.transactions == [] and len(parsed.invalid_rows) == 2
    assert not parsed.confident
    assert any("none of the 2 rows" in r for r in parsed.uncertain_reasons)


def test_mapping_is_json_serialisable_and_validated() -> None:
    parsed = parse_statement((BANKS / "dkb_2023.csv").read_bytes(), "dkb.csv")
    dumped = json.dumps(parsed.mapping.model_dump(mode="json"))
    assert ColumnMapping.model_validate_json(dumped) == parsed.mapping
    with pytest.raises(ValidationError, match="needs both a debit and a credit"):
        ColumnMapping(date="d", description=["x"], debit="Out", sign=SignRule.DEBIT_CREDIT_ABS)
    with pytest.raises(ValidationError, match="needs an amount column"):
        ColumnMapping(date="d", description=["x"])
    with pytest.raises(ValidationError, match="indicator"):
        ColumnMapping(date="d", description=["x"], amount="a", sign=SignRule.UNSIGNED_PLUS_INDICATOR)
    with pytest.raises(ValidationError, match="date format"):
        ColumnMapping(date="d", description=["x"], amount="a", date_format="MM/YYYY")
    with pytest.raises(ValidationError, match="ISO 4217"):
        ColumnMapping(date="d", description=["x"], amount="a", currency="dollars")
    with pytest.raises(ValidationError, match="headerless"):
        ColumnMapping(has_header=False, date="d", description=["x"], amount="a")


def test_headerless_explicit_mapping() -> None:
    mapping = ColumnMapping(
        has_header=False,
        columns=["When", "How much", "Text"],
        date="When",
        date_format="DD/MM/YYYY",
        description=["Text"],
        amount="How much",
        currency="AUD",
    )
    parsed = parse_statement(
        b"12/03/2024,-4.50,COFFEE\n13/03/2024,+100.00,REFUND\n", "au.csv", mapping=mapping
    )
    assert [(t.date, t.amount, t.source.row) for t in parsed.transactions] == [
        (dt.date(2024, 3, 12), Decimal("-4.50"), 1),
        (dt.date(2024, 3, 13), Decimal("100.00"), 2),
    ]
