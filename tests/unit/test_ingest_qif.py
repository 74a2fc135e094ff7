"""QIF import: bank and card registers, date order from the whole column, bad input, re-import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.importer import import_files
from app.ingest import IngestError
from app.ingest.currency import CurrencyContext, CurrencySource, CurrencyUnknown
from app.ingest.formats import FileKind, file_kind, read_record_file
from app.ingest.qif import normalise_date
from app.models import SkipKind
from app.store import Store
from tests.conftest import REPO_ROOT

QIF_DIR = REPO_ROOT / "tests" / "fixtures" / "ofx"
USD_AT_HOME = CurrencyContext(home="USD")


def fixture(name: str) -> bytes:
    return (QIF_DIR / name).read_bytes()


def read(name: str, data: bytes | None = None):  # type: ignore[no-untyped-def]
    body = fixture(name) if data is None else data
    return read_record_file(
        file_kind(body, name), body, name, account=None, max_bytes=None, currency=USD_AT_HOME
    )


def test_a_wikipedia_style_bank_register_among_other_sections_is_read() -> None:
    # also holds categories, classes, an investment and securities; days past 12 show month first
    parsed = read("bank_register_wikipedia_style.qif")
    assert parsed.layout_name == "QIF (bank register)"
    assert [(t.date, t.amount, t.description) for t in parsed.transactions] == [
        (dt.date(2021, 3, 22), Decimal("41.25"), "Example Mobile Co"),
        (dt.date(2021, 3, 22), Decimal("18.60"), "Sample Parcel Service refund for a lost parcel"),
        (dt.date(2021, 3, 18), Decimal("-24.80"), "Corner Market shared shop, two halves"),
        (dt.date(2021, 3, 17), Decimal("-60.00"), "Invented Hardware plain cheque CHECK 2051"),
        (dt.date(2021, 3, 15), Decimal("-80.00"), "Example Online Store online order 7"),
    ]
    assert parsed.transactions[0].bank_category == "Utilities:Phone/Household"
    assert [(s.row, s.kind) for s in parsed.skipped] == [(29, SkipKind.FILTERED)]  # the opening balance
    assert any("Invst" in note for note in parsed.notes)
    assert parsed.confident


def test_a_day_first_register_with_decimal_commas_is_decided_from_the_whole_column() -> None:
    parsed = read("bank_dd_mm.qif")
    assert [(t.date, t.amount) for t in parsed.transactions] == [
        (dt.date(2024, 1, 3), Decimal("-1234.56")),
        (dt.date(2024, 1, 15), Decimal("2500.00")),
        (dt.date(2024, 1, 28), Decimal("-12.40")),
        (dt.date(2024, 1, 31), Decimal("-3.00")),
    ]
    assert parsed.transactions[0].description == "LANDLORD LTD Rent January"
    assert parsed.transactions[0].source.row == 2
    assert parsed.accounts == ["bank_dd_mm"]
    assert parsed.confident


def test_a_quicken_card_register_with_its_account_block_and_padded_dates() -> None:
    parsed = read("card_mm_dd.qif")
    assert parsed.layout_name == "QIF (card register)"
    assert [(t.date, t.amount, t.description) for t in parsed.transactions] == [
        (dt.date(2024, 1, 5), Decimal("-45.10"), "SHELL OIL 57444"),
        (dt.date(2024, 1, 17), Decimal("-9.99"), "NETFLIX.COM"),
        (dt.date(2024, 2, 1), Decimal("500.00"), "PAYMENT - THANK YOU"),
    ]
    assert parsed.accounts == ["Visa card"]


def test_a_qif_names_no_currency_so_it_is_decided_as_for_a_csv_that_names_none() -> None:
    data = fixture("bank_dd_mm.qif")

    def qif(context: CurrencyContext):  # type: ignore[no-untyped-def]
        return read_record_file(FileKind.QIF, data, "uk.qif", account=None, max_bytes=None, currency=context)

    with pytest.raises(CurrencyUnknown):
        qif(CurrencyContext())  # never a silent USD
    at_home = qif(CurrencyContext(home="GBP"))
    assert {t.currency for t in at_home.transactions} == {"GBP"}
    assert (at_home.currency, at_home.currency_source) == ("GBP", CurrencySource.HOME)
    remembered = qif(CurrencyContext(home="USD", remembered={"uk": "EUR"}.get))
    assert {t.currency for t in remembered.transactions} == {"EUR"}
    assert remembered.account_currencies["uk"].source is CurrencySource.ACCOUNT
    chosen = qif(CurrencyContext(chosen="CHF", home="USD"))
    assert {t.currency for t in chosen.transactions} == {"CHF"}
    given = read_record_file(FileKind.QIF, data, "uk.qif", account=None, max_bytes=None, currency="SEK")
    assert {t.currency for t in given.transactions} == {"SEK"}  # a plain code is the user's choice


def test_quicken_dates_are_normalised_before_the_column_decides() -> None:
    assert normalise_date("1/ 5'04") == "1/5/2004"
    assert normalise_date("2/10'2020") == "2/10/2020"
    assert normalise_date("12/25/1999") == "12/25/1999"
    assert normalise_date("2024-01-31") == "2024-01-31"


def test_when_every_date_reads_both_ways_the_file_card_says_it_is_not_sure() -> None:
    data = b"!Type:Bank\nD01/02/2024\nT-1.00\nPA\n^\nD03/04/2024\nT-2.00\nPB\n^\n"
    parsed = read("ambiguous.qif", data)
    assert not parsed.confident
    assert "reads both as day/month and as month/day" in parsed.uncertain_reasons[0]


def test_an_unknown_date_is_reported_with_its_line_and_the_rest_imports(store: Store) -> None:
    (result,) = import_files(store, [("unknown_date.qif", fixture("unknown_date.qif"))], home_currency="USD")
    assert result.error is None and result.inserted == 2
    assert result.parsed is not None
    (skipped,) = result.parsed.skipped
    assert (skipped.row, skipped.kind) == (10, SkipKind.INVALID)
    assert skipped.reason == "date 'sometime in May' is not a valid DD/MM/YYYY date"
    assert [t.date for t in result.transactions] == [dt.date(2024, 1, 12), dt.date(2024, 1, 13)]


def test_a_qif_whose_dates_are_all_unknown_names_the_file_and_row_and_stores_nothing(store: Store) -> None:
    data = b"!Type:Bank\nDsoon\nT-1.00\nPA\n^\nDlater\nT-2.00\nPB\n^\n"
    (result,) = import_files(store, [("dates.qif", data)], home_currency="USD")
    assert result.error == (
        "dates.qif: the dates of this QIF file are not in a date format privfin knows (first one: 'soon') (row 2)"
    )
    assert store.count_transactions() == 0 and store.imports() == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"!Type:Bank\n!Bogus\nD01/02/2024\n^\n",
            r"the QIF header '!Bogus' is not one privfin knows \(row 2\)",
        ),
        (b"D01/02/2024\nT-1.00\n^\n", r"no !Type: line before its first record \(row 1\)"),
    ],
)
def test_broken_qif_structure_is_refused_with_its_line(data: bytes, message: str) -> None:
    with pytest.raises(IngestError, match=message):
        read_record_file(FileKind.QIF, data, "x.qif", account=None, max_bytes=None, currency=USD_AT_HOME)


def test_reimporting_a_qif_adds_nothing(store: Store) -> None:
    assert (
        import_files(store, [("card.qif", fixture("card_mm_dd.qif"))], home_currency="USD")[0].inserted == 3
    )
    again = import_files(store, [("card-again.qif", fixture("card_mm_dd.qif"))], home_currency="USD")[0]
    assert (again.inserted, len(again.duplicate_ids)) == (0, 3)


def test_a_qif_saved_as_txt_is_read_as_qif() -> None:
    assert file_kind(fixture("bank_dd_mm.qif"), "export.txt") is FileKind.QIF
    # comment lines stand above its first header
    assert file_kind(fixture("bank_register_wikipedia_style.qif"), "export.txt") is FileKind.QIF


_SEEDS = [fixture(name) for name in ("bank_register_wikipedia_style.qif", "bank_dd_mm.qif", "card_mm_dd.qif")]


@st.composite
def damaged_qif(draw: st.DrawFn) -> bytes:
    lines = draw(st.sampled_from(_SEEDS)).splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(lines)))
        line = draw(
            st.sampled_from(
                [b"^\n", b"!Type:CCard\n", b"D\n", b"T\n", b"T1e400\n", b"D99/99/99\n", b"!\n", b"\xff\xfe\n"]
            )
            | st.binary(max_size=20).map(lambda b: b + b"\n")
        )
        if draw(st.booleans()):
            lines.insert(at, line)
        elif lines:
            del lines[min(at, len(lines) - 1)]
    return b"".join(lines)


@settings(max_examples=300, deadline=None)
@given(damaged_qif())
def test_a_damaged_qif_gives_transactions_or_an_ingest_error(data: bytes) -> None:
    try:
        parsed = read_record_file(
            FileKind.QIF, data, "damaged.qif", account=None, max_bytes=None, currency=USD_AT_HOME
        )
    except IngestError as exc:
        assert str(exc).startswith("damaged.qif: ")
        return
    assert len(parsed.transactions) + len(parsed.skipped) == parsed.rows_read
