"""Every reader of the store is total over what it can hold: dates 0001-01-01..9999-12-31,
amounts from zero to 2**63 - 1 minor units in currencies of every exponent, nothing at all.

Sums of such amounts pass int64, which numpy would wrap silently; they must stay exact. The
old text store could hold NaN and 1e400, which broke the exports: integers cannot (see the
tests at the end).

The importer refuses such values now, but an older import or a manual edit can still have put
them in the store, so they are written there directly (tests/support/extreme_ledgers.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import charts, insights, money, periods, reports
from app.cli import main
from app.models import CategorySource
from app.money import MAX_MINOR
from app.store import CategoryUpdate, Store
from components.formatting import money as screen_money
from components.review_table import ReviewQuery
from tests.support.extreme_ledgers import EARLIEST, HUGE_AMOUNT, LATEST, Row, store_rows
from tests.support.old_store import old_store

CATEGORIES = (None, "Groceries", "Income", "Transfers & Card Payments", "Dining", "A category of my own")
CURRENCIES = ("USD", "EUR", "JPY", "BHD", "CLF", "XYZ")  # exponents 2, 2, 0, 3, 4, 2 (XYZ: unlisted)

extreme_dates = st.one_of(
    st.sampled_from([EARLIEST, LATEST, dt.date(1677, 9, 21), dt.date(2262, 4, 12), dt.date(2024, 2, 29)]),
    st.dates(min_value=EARLIEST, max_value=LATEST),
)
extreme_minor = st.one_of(
    st.sampled_from([MAX_MINOR, -MAX_MINOR, 0, 1, -1]),
    st.integers(min_value=-MAX_MINOR, max_value=MAX_MINOR),
    st.integers(min_value=-100_000, max_value=100_000),
)
extreme_amounts = st.builds(
    lambda minor, code: money.from_minor(minor, code), extreme_minor, st.sampled_from(CURRENCIES)
)
ledgers = st.lists(
    st.tuples(extreme_dates, extreme_minor, st.sampled_from(CURRENCIES), st.sampled_from(CATEGORIES)).map(
        lambda row: (row[0], money.from_minor(row[1], row[2]), row[2], row[3])
    ),
    max_size=8,
)
EXAMPLES = settings(max_examples=25, deadline=None)
FEW_EXAMPLES = settings(max_examples=10, deadline=None)  # plotly serialises and validates every figure

Ledger = list[tuple[dt.date, Decimal, str, str | None]]


def stored_frame(directory: Path, ledger: Ledger) -> pd.DataFrame:
    """The ledger committed to a fresh store, categorized as given, read back as the pages read it."""
    store = Store(directory / "privfin.sqlite3")
    rows: list[Row] = [(day, f"SHOP {n}", amount, code) for n, (day, amount, code, _) in enumerate(ledger)]
    ids = store_rows(store, rows) if rows else []
    store.apply_category_updates(
        CategoryUpdate(tid, category, CategorySource.MODEL, 0.9)
        for tid, (_, _, _, category) in zip(ids, ledger, strict=True)
        if category is not None
    )
    return store.transactions_frame()


def exact_sums(pairs: list[tuple[str, Decimal]]) -> dict[str, Fraction]:
    sums: dict[str, Fraction] = {}
    for code, amount in pairs:
        sums[code] = sums.get(code, Fraction(0)) + Fraction(amount)
    return sums


def span_of(frame: pd.DataFrame) -> tuple[dt.date, dt.date] | None:
    return periods.data_period(frame)


# -- property tests -----------------------------------------------------------------------------


@EXAMPLES
@given(ledgers)
def test_the_csv_export_keeps_every_row_date_and_total(ledger: Ledger) -> None:
    with tempfile.TemporaryDirectory() as directory:
        frame = stored_frame(Path(directory), ledger)
    lines = list(csv.DictReader(io.StringIO(reports.transactions_csv(frame).decode("utf-8-sig"))))
    assert len(lines) == len(ledger)
    assert sorted(line["date"] for line in lines) == sorted(day.isoformat() for day, *_ in ledger)
    exported = exact_sums([(line["currency"], Decimal(line["amount"])) for line in lines])
    assert exported == exact_sums([(code, amount) for _, amount, code, _ in ledger])


@FEW_EXAMPLES
@given(ledgers)
def test_the_workbook_opens_with_every_row(ledger: Ledger) -> None:
    with tempfile.TemporaryDirectory() as directory:
        frame = stored_frame(Path(directory), ledger)
    book = openpyxl.load_workbook(io.BytesIO(reports.workbook_xlsx(frame)), read_only=True)
    assert book.sheetnames == ["Transactions", "By category", "By month"]
    assert sum(1 for _ in book["Transactions"].iter_rows(min_row=2)) == len(ledger)


@EXAMPLES
@given(ledgers)
def test_insights_totals_are_exact_for_any_amount(ledger: Ledger) -> None:
    with tempfile.TemporaryDirectory() as directory:
        frame = stored_frame(Path(directory), ledger)
    totals = insights.category_totals(frame)
    by_category = exact_sums([(row["currency"], row["net"]) for row in totals.to_dict("records")])
    assert by_category == {
        code: total for code, total in exact_sums([(c, a) for _, a, c, _ in ledger]).items()
    }
    head = insights.headline(frame, frame, period=span_of(frame))
    assert head.n_transactions == len(ledger)
    for per_currency in head.per_currency:
        assert Fraction(per_currency.net) == Fraction(per_currency.income) - Fraction(per_currency.spending)


@FEW_EXAMPLES
@given(ledgers, st.booleans())
def test_every_chart_builds_and_serialises(ledger: Ledger, include_transfers: bool) -> None:
    with tempfile.TemporaryDirectory() as directory:
        frame = stored_frame(Path(directory), ledger)
    span = span_of(frame)
    figures = [
        charts.spending_by_category(frame, include_transfers=include_transfers),
        charts.spending_by_category(frame, style="donut"),
        charts.monthly_spending(frame, include_transfers=include_transfers),
        charts.top_merchants(frame),
        charts.cumulative_spending(frame, frame, period=span, include_transfers=include_transfers),
        charts.income_vs_spending(frame),
    ]
    for figure in figures:
        assert isinstance(figure, go.Figure)
        assert figure.to_json()
    cumulative = figures[4]
    assert all(len(trace.x) <= insights.MAX_CUMULATIVE_POINTS + 1 for trace in cumulative.data)


@FEW_EXAMPLES
@given(ledgers)
def test_the_html_report_renders_any_ledger(ledger: Ledger) -> None:
    with tempfile.TemporaryDirectory() as directory:
        frame = stored_frame(Path(directory), ledger)
    span = span_of(frame)
    html = reports.html_report(
        frame, title="privfin report", period_label="all time", previous_frame=frame, period=span
    ).decode("utf-8")
    assert html.rstrip().endswith("</html>")
    for day, *_ in ledger:
        assert day.isoformat() in html


@settings(max_examples=200, deadline=None)
@given(extreme_minor, st.sampled_from(CURRENCIES))
def test_money_formatters_never_raise_and_keep_every_digit(minor: int, code: str) -> None:
    amount = money.from_minor(minor, code)
    on_screen = screen_money(amount, code, signed=True)
    in_reports = reports.format_money(amount, code)
    exact = format(amount.copy_abs(), "f")  # every digit, with the currency's own decimals
    assert exact in on_screen.replace(",", "")
    assert exact in in_reports.replace(",", "")


@settings(max_examples=300, deadline=None)
@given(extreme_dates, extreme_dates)
def test_period_arithmetic_is_total(first: dt.date, second: dt.date) -> None:
    start, end = sorted((first, second))
    before = periods.previous_period(start, end)
    if start == EARLIEST:
        assert before is None
    else:
        assert before is not None
        assert before[0] <= before[1] == start - dt.timedelta(days=1)
        assert (before[1] - before[0]) <= (end - start) or (start.day == 1 and end == periods.month_end(end))
    for months_back in (-1, 0, 2, 11, 10**6, -(10**6)):
        assert periods.month_start(end, months_back).day == 1
    assert periods.month_end(end) >= end
    assert periods.period_text(start, end)
    assert periods.months_spanned(start, end) >= 1


# -- the crashes that were reported ---------------------------------------------------------------


def test_the_html_report_of_year_one_and_the_largest_amount(store: Store) -> None:
    """Both used to raise: previous_period stepped before year 1, quantize overflowed 28 digits;
    the total now passes int64 and must not wrap."""
    store_rows(
        store,
        [
            (EARLIEST, "ANCIENT MARKET", Decimal("-7.00"), "USD"),
            (dt.date(2024, 3, 4), "BIG SPENDER", HUGE_AMOUNT, "USD"),
            (dt.date(2024, 3, 5), "WHOLEFDS MKT", Decimal("-12.50"), "USD"),
        ],
    )
    frame = store.transactions_frame()
    html = reports.html_report(
        frame, title="privfin report", period_label="all time", period=periods.data_period(frame)
    ).decode("utf-8")
    assert "0001-01-01" in html
    assert "$92,233,720,368,547,777.57" in html  # the exact total, past int64, every digit
    assert 'data-value="-92233720368547758.07"' in html


def test_the_period_before_one_ending_in_year_9999(store: Store) -> None:
    store_rows(store, [(LATEST, "TIME TRAVEL", Decimal("-42.00"), "USD")])
    frame = store.transactions_frame()
    html = reports.html_report(
        frame, title="privfin report", period_label="p", previous_frame=frame, period=(LATEST, LATEST)
    )
    assert b"9999-12-31" in html
    assert periods.month_end(LATEST) == LATEST
    assert periods.previous_period(dt.date(9999, 12, 1), LATEST) == (
        dt.date(9999, 11, 1),
        dt.date(9999, 11, 30),
    )
    assert periods.previous_period(EARLIEST, LATEST) is None
    assert periods.previous_period(dt.date(1, 1, 2), LATEST) == (EARLIEST, EARLIEST)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "html"])
def test_privfin_export_of_a_ledger_reaching_year_9999(store: Store, tmp_path: Path, fmt: str) -> None:
    store_rows(
        store,
        [
            (LATEST, "TIME TRAVEL", Decimal("-42.00"), "USD"),
            (EARLIEST, "ANCIENT MARKET", Decimal("-7.00"), "USD"),
            (dt.date(2024, 3, 5), "BIG SPENDER", HUGE_AMOUNT, "EUR"),
        ],
    )
    output = tmp_path / f"report.{fmt}"
    assert main(["export", "--format", fmt, "-o", str(output)]) == 0
    assert output.stat().st_size > 0


def test_the_workbook_writes_dates_excel_cannot_hold_as_text(store: Store) -> None:
    store_rows(
        store,
        [
            (EARLIEST, "ANCIENT MARKET", Decimal("-7.00"), "USD"),
            (dt.date(1900, 2, 28), "LOTUS BUG", Decimal("-1.00"), "USD"),
            (dt.date(1900, 3, 1), "FIRST RIGHT SERIAL", Decimal("-1.00"), "USD"),
            (LATEST, "TIME TRAVEL", Decimal("-42.00"), "USD"),
        ],
    )
    book = openpyxl.load_workbook(io.BytesIO(reports.workbook_xlsx(store.transactions_frame())))
    date_column = reports.EXPORT_COLUMNS.index("date")
    dates = [row[date_column].value for row in book["Transactions"].iter_rows(min_row=2)]
    assert dates[:2] == ["0001-01-01", "1900-02-28"]
    assert [d.date() for d in dates[2:]] == [dt.date(1900, 3, 1), LATEST]


def test_the_review_month_filter_of_december_9999() -> None:
    query = ReviewQuery(view="all", search="", accounts=(), categories=(), sources=(), month="9999-12")
    flt = query.store_filter()
    assert (flt.date_from, flt.date_to) == (dt.date(9999, 12, 1), LATEST)


def test_cumulative_spend_over_all_of_time_is_bounded() -> None:
    with tempfile.TemporaryDirectory() as directory:
        ledger: Ledger = [(EARLIEST, Decimal("-1.00"), "USD", None), (LATEST, Decimal("-2.00"), "USD", None)]
        frame = stored_frame(Path(directory), ledger)
    data = insights.cumulative_spend(frame, period=(EARLIEST, LATEST))
    assert len(data) <= insights.MAX_CUMULATIVE_POINTS + 1
    assert data["day"].iloc[-1] == (LATEST - EARLIEST).days + 1
    assert list(data["current"].iloc[[0, -1]]) == [Decimal("1.00"), Decimal("3.00")]


@pytest.mark.filterwarnings("error")
def test_stored_dates_before_year_1000_are_read_as_iso(store: Store) -> None:
    """pandas guessed the format from the newest date and fell back to dateutil, row by row."""
    store_rows(
        store, [(dt.date(44, 3, 15), "IDES", Decimal("-1.00"), "USD"), (EARLIEST, "X", Decimal(1), "USD")]
    )
    assert [d.date() for d in store.transactions_frame()["date"]] == [dt.date(44, 3, 15), EARLIEST]


# -- what the text store let in: NaN and 1e400 ---------------------------------------------------


def test_nan_and_1e400_in_an_old_store_no_longer_break_the_exports(tmp_path: Path) -> None:
    """The old TEXT column held `NaN` and `1e400` (a manual edit, an old import), and the HTML and
    XLSX exports broke on them. Migrating to integers sets such rows aside, whole and with the
    reason, and the exports of what remains work; no integer column can hold them again."""
    path = old_store(
        tmp_path / "privfin.sqlite3",
        [
            ("t1", "2024-03-04", "BROKEN NAN", "NaN", "USD", None, None),
            ("t2", "2024-03-05", "BROKEN HUGE", "1e400", "USD", None, None),
            ("t3", "2024-03-06", "WHOLEFDS MKT", "-12.50", "USD", None, None),
        ],
    )
    store = Store(path)
    frame = store.transactions_frame()
    assert list(frame["amount_minor"]) == [-1250]
    assert {row["id"]: row["amount"] for row in store.unconverted_transactions()} == {
        "t1": "NaN",
        "t2": "1e400",
    }
    html = reports.html_report(frame, title="t", period_label="p", period=periods.data_period(frame))
    assert b"-$12.50" in html
    book = openpyxl.load_workbook(io.BytesIO(reports.workbook_xlsx(frame)), read_only=True)
    amount_column = reports.EXPORT_COLUMNS.index("amount")
    assert [row[amount_column].value for row in book["Transactions"].iter_rows(min_row=2)] == [-12.5]
    for text in ("NaN", "1e400", "-Infinity"):
        with pytest.raises(money.AmountNotStorable):
            money.to_minor(Decimal(text), "USD")


def test_the_exports_of_the_largest_amounts_in_every_currency(store: Store) -> None:
    rows = [
        (dt.date(2024, 3, 4), f"BIG {code}", money.from_minor(sign * MAX_MINOR, code), code)
        for code in CURRENCIES
        for sign in (1, -1)
    ]
    store_rows(store, rows)
    frame = store.transactions_frame()
    assert frame["amount_minor"].dtype == "int64"
    html = reports.html_report(frame, title="t", period_label="p", period=periods.data_period(frame))
    assert b"</html>" in html
    book = openpyxl.load_workbook(io.BytesIO(reports.workbook_xlsx(frame)), read_only=True)
    assert sum(1 for _ in book["Transactions"].iter_rows(min_row=2)) == len(rows)
    exported = list(csv.DictReader(io.StringIO(reports.transactions_csv(frame).decode("utf-8-sig"))))
    assert sorted(Decimal(line["amount"]) for line in exported) == sorted(amount for _, _, amount, _ in rows)
