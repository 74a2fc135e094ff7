"""Exports: transactions CSV, an Excel workbook and a standalone HTML report (`privfin export`'s and the dashboard's).

Every builder is pure (a transactions frame in, bytes out) so the dashboard's download buttons
and the command line produce the same files. Text that came from a bank statement is treated
as hostile: CSV cells that a spreadsheet would run as a formula are neutralised, the workbook
stores every text as a string, and the HTML report escapes it and loads nothing from anywhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from app import charts, insights
from app.cell_text import FORMULA_TRIGGERS as FORMULA_TRIGGERS  # part of this module's API
from app.cell_text import neutralize_formula as neutralize_formula  # part of this module's API
from app.errors import UserFacingError
from app.models import UNCATEGORIZED
from app.money import exponent_of, grouped, plain, round_to_currency, sign_of

if TYPE_CHECKING:
    from app.store import Store

EXPORT_COLUMNS = (
    "date",
    "account",
    "description",
    "payee",
    "merchant",
    "amount",
    "currency",
    "category",
    "source",
    "confidence",
    "reviewed",
    "original_amount",
    "original_currency",
    # Last, so the columns before it keep their places: the transaction's id, as `privfin
    # categorize --json` prints it, read back by `privfin import-categories`.
    "id",
    # The other side's id when the row is one side of a transfer between the user's accounts.
    "transfer_pair",
)


TEMPLATES_DIR = Path(__file__).with_name("templates")
REPORT_TEMPLATE = "report.html.j2"
DEFAULT_MAX_REPORT_TRANSACTIONS = 5000


# -- shared helpers -------------------------------------------------------------------------------


def format_amount(amount: Decimal) -> str:
    """A plain decimal string with no exponent and no grouping: `-54.10`, `1200`."""
    return plain(amount)


def format_money(amount: Decimal, currency: str | None) -> str:
    """`$1,234.56`, `-€12.00`, `1,234.56 CHF`, `¥1,200`: the currency's decimals, any number of digits."""
    prefix, suffix = charts.currency_affixes(currency)
    shown = round_to_currency(amount, currency)  # the sign of what is shown: -0.004 is 0.00
    sign = "-" if sign_of(shown) < 0 else ""
    return f"{sign}{prefix}{grouped(shown, currency)}{suffix}"


def _original_text(amount: Decimal | None, currency: str | None) -> str:
    return "" if amount is None or not currency else format_money(amount, currency)


def export_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The transactions as exported, oldest first, with exact amounts and readable labels.

    Text is returned as-is (not neutralised): each format protects it in its own way.
    """
    if frame.empty:
        empty = pd.DataFrame(columns=list(EXPORT_COLUMNS))
        return empty.astype({"date": "datetime64[us]", "confidence": "float64", "reviewed": "bool"})
    ordered = frame.reset_index(drop=True).sort_values(["date", "id"], kind="stable")
    return pd.DataFrame(
        {
            "date": pd.to_datetime(ordered["date"]).dt.normalize(),
            "account": ordered["account"].astype(str),
            "description": ordered["description"].astype(str),
            "payee": _optional(ordered, "payee"),
            "merchant": insights.merchant_labels(ordered).astype(str),
            "amount": ordered["amount"],
            "currency": ordered["currency"].astype(str),
            "category": ordered["category"].astype(object).where(ordered["category"].notna(), UNCATEGORIZED),
            "source": ordered["category_source"].astype(object).where(ordered["category_source"].notna(), ""),
            "confidence": ordered["confidence"].astype(float),
            "reviewed": ordered["reviewed"].astype(bool),
            "original_amount": _optional(ordered, "original_amount"),
            "original_currency": _optional(ordered, "original_currency"),
            "id": ordered["id"].astype(str),
            "transfer_pair": _optional(ordered, "transfer_pair"),
        }
    ).reset_index(drop=True)


def _optional(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column only foreign spend fills (None elsewhere), also for frames built without it."""
    if column not in frame:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    values = frame[column].astype(object)
    return values.where(values.notna(), None)


# -- CSV ---------------------------------------------------------------------------------------


def _safe_text(column: pd.Series) -> list[str]:
    """A text column with every cell a spreadsheet would evaluate prefixed by `'`."""
    return [neutralize_formula(text) for text in column.astype(object).fillna("").astype(str).tolist()]


def _confidence_text(column: pd.Series) -> list[str]:
    values = column.to_numpy(dtype=float)
    text = np.char.mod("%.2f", np.nan_to_num(values)).astype(object)
    text[np.isnan(values)] = ""
    return list(text)


def transactions_csv(frame: pd.DataFrame) -> bytes:
    """Transactions as CSV: UTF-8 with a BOM (so Excel reads accents), amounts as plain numbers,
    and every text cell safe to open in a spreadsheet."""
    table = export_table(frame)
    columns = [
        table["date"].dt.strftime("%Y-%m-%d").tolist(),
        _safe_text(table["account"]),
        _safe_text(table["description"]),
        _safe_text(table["payee"]),
        _safe_text(table["merchant"]),
        [plain(amount) for amount in table["amount"]],  # numeric: a leading '-' is a sign
        _safe_text(table["currency"]),
        _safe_text(table["category"]),
        _safe_text(table["source"]),
        _confidence_text(table["confidence"]),
        np.where(table["reviewed"].to_numpy(dtype=bool), "true", "false").tolist(),
        ["" if amount is None else plain(amount) for amount in table["original_amount"]],
        _safe_text(table["original_currency"]),
        _safe_text(table["id"]),
        _safe_text(table["transfer_pair"]),
    ]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(zip(*columns, strict=True))
    return buffer.getvalue().encode("utf-8-sig")


# -- XLSX --------------------------------------------------------------------------------------

_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")  # day 0 of Excel's date serials (1900 system)
# Excel counts a 29 February 1900 that never was, so serials from this epoch are right only from
# 1 March 1900; earlier dates (and Excel has none before 1900) are written as ISO text instead.
_EXCEL_FIRST_DATE = np.datetime64("1900-03-01", "D")
_TEXT_COLUMNS = frozenset(
    {
        "id",
        "account",
        "description",
        "payee",
        "merchant",
        "currency",
        "category",
        "source",
        "original_currency",
        "transfer_pair",
    }
)


def _money_format(currency: str) -> str:
    code = currency.replace('"', "")
    places = exponent_of(currency)
    number = "#,##0" + ("." + "0" * places if places else "")
    return f'{number} "{code}";-{number} "{code}"'


class _MoneyFormats:
    """One xlsxwriter number format per currency, created on first use."""

    def __init__(self, book: Any) -> None:
        self._book = book
        self._formats: dict[str, Any] = {}

    def __getitem__(self, currency: str) -> Any:
        if currency not in self._formats:
            self._formats[currency] = self._book.add_format({"num_format": _money_format(currency)})
        return self._formats[currency]


def _size_columns(worksheet: Any, table: pd.DataFrame) -> None:
    for position, column in enumerate(table.columns):
        # The first rows are a good enough sample; measuring 100k cells buys nothing.
        sample = table[column].head(2000).astype(str).str.len().tolist()
        longest = max([len(str(column)), *sample])
        worksheet.set_column(position, position, min(max(longest + 2, 8), 60))


def _finish_sheet(worksheet: Any, table: pd.DataFrame) -> None:
    _size_columns(worksheet, table)
    worksheet.freeze_panes(1, 0)
    if len(table.columns):
        worksheet.autofilter(0, 0, len(table), len(table.columns) - 1)


def _write_transactions(book: Any, formats: _MoneyFormats, table: pd.DataFrame) -> None:
    """The Transactions sheet, one typed write per cell: text through `write_string`, so no
    statement text can become a formula or a link whatever it starts with."""
    sheet = book.add_worksheet("Transactions")
    sheet.write_row(0, 0, EXPORT_COLUMNS, book.add_format({"bold": True}))
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    currencies = table["currency"].astype(str).tolist()
    for position, column in enumerate(EXPORT_COLUMNS):
        values = table[column]
        if column == "date":
            days = values.to_numpy().astype("datetime64[D]")
            serials = (days - _EXCEL_EPOCH).astype(np.int64).tolist()
            for row, (day, serial) in enumerate(zip(days, serials, strict=True), start=1):
                if day >= _EXCEL_FIRST_DATE:
                    sheet.write_number(row, position, serial, date_format)
                else:
                    sheet.write_string(row, position, str(day))
        elif column == "amount":
            # Decimals: Excel keeps numbers as doubles, xlsxwriter makes them at the last moment.
            for row, (amount, currency) in enumerate(zip(values, currencies, strict=True), start=1):
                sheet.write_number(row, position, amount, formats[currency])
        elif column == "original_amount":
            originals = table["original_currency"].tolist()
            for row, (amount, code) in enumerate(zip(values, originals, strict=True), start=1):
                if amount is not None and code:
                    sheet.write_number(row, position, amount, formats[str(code)])
        elif column == "confidence":
            for row, confidence in enumerate(values.to_numpy(dtype=float).tolist(), start=1):
                if not np.isnan(confidence):
                    sheet.write_number(row, position, confidence)
        elif column == "reviewed":
            for row, reviewed in enumerate(values.to_numpy(dtype=bool).tolist(), start=1):
                sheet.write_boolean(row, position, reviewed)
        else:
            assert column in _TEXT_COLUMNS
            for row, text in enumerate(values.astype(object).fillna("").astype(str).tolist(), start=1):
                if text:
                    sheet.write_string(row, position, text)
    _finish_sheet(sheet, table)


def _write_summary(
    writer: pd.ExcelWriter,
    sheet: str,
    table: pd.DataFrame,
    *,
    money_columns: Sequence[str],
    formats: _MoneyFormats,
) -> None:
    """A small summary sheet: money columns as numbers in their row's currency format.

    pandas writes the other cells; the money cells are left blank for it and written here,
    as Decimals, so no amount passes through a float of ours.
    """
    numbers: dict[str, list[Decimal | None]] = {
        column: [value if isinstance(value, Decimal) else None for value in table[column]]
        for column in money_columns
    }
    blanks = {column: pd.Series([None] * len(table), index=table.index, dtype=object) for column in numbers}
    table.assign(**blanks).to_excel(writer, sheet_name=sheet, index=False)
    worksheet = writer.sheets[sheet]
    currencies = table["currency"].astype(str).tolist()
    for column, values in numbers.items():
        position = list(table.columns).index(column)
        for row, (value, currency) in enumerate(zip(values, currencies, strict=True), start=1):
            if value is not None:
                worksheet.write_number(row, position, value, formats[currency])
    _finish_sheet(worksheet, table)


def category_summary(
    frame: pd.DataFrame,
    *,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
    order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per currency and category: count, money out, money in, net (signed), and what counts as
    spending under the shared rules (blank for income and, by default, transfers)."""
    return insights.category_totals(frame, include_transfers=include_transfers, kinds=kinds, order=order)


def month_summary(
    frame: pd.DataFrame,
    *,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
    order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per currency and month: income, spending, net, then spending per category (one column each)."""
    parts: list[pd.DataFrame] = []
    for code in insights.currencies(frame):
        totals = insights.income_vs_spending(
            frame, currency=code, include_transfers=include_transfers, kinds=kinds
        )
        by_category = insights.monthly_spend_by_category(
            frame, currency=code, include_transfers=include_transfers, kinds=kinds
        )
        part = pd.DataFrame(
            {
                "currency": code,
                "month": totals["month"].dt.strftime("%Y-%m"),
                "income": totals["income"],
                "spending": totals["spending"],
                "net": totals["net"],
            }
        )
        for name in insights.category_order(by_category["category"], order):
            values = by_category[by_category["category"] == name].set_index("month")["spend"]
            part[name] = [values.get(month) for month in totals["month"]]
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["currency", "month", "income", "spending", "net"])
    combined = pd.concat(parts, ignore_index=True)
    categories = insights.category_order(
        [c for c in combined.columns if c not in ("currency", "month", "income", "spending", "net")], order
    )
    return combined[["currency", "month", "income", "spending", "net", *categories]]


def workbook_xlsx(
    frame: pd.DataFrame,
    *,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
    order: Sequence[str] | None = None,
) -> bytes:
    """An Excel workbook with sheets Transactions, By category and By month.

    Text is always stored as text (never as a formula or a link), amounts as numbers with their
    currency's number format.
    """
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with pd.ExcelWriter(
        buffer,
        engine="xlsxwriter",
        engine_kwargs={"options": options},
    ) as writer:
        formats = _MoneyFormats(writer.book)
        _write_transactions(writer.book, formats, export_table(frame))
        _write_summary(
            writer,
            "By category",
            category_summary(frame, include_transfers=include_transfers, kinds=kinds, order=order),
            money_columns=["money_out", "money_in", "net", "spending"],
            formats=formats,
        )
        months = month_summary(frame, include_transfers=include_transfers, kinds=kinds, order=order)
        _write_summary(
            writer,
            "By month",
            months,
            money_columns=[c for c in months.columns if c not in ("currency", "month")],
            formats=formats,
        )
    return buffer.getvalue()


# -- HTML --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFigure:
    div_id: str
    heading: str
    html: Markup


FIGURE_CONFIG = {"responsive": True, "displaylogo": False}


def _figure_html(fig: go.Figure, div_id: str) -> Markup:
    # Plotly escapes <, > and / inside the figure JSON, so statement text cannot close the script.
    html = fig.to_html(
        include_plotlyjs=False,
        include_mathjax=False,
        full_html=False,
        div_id=div_id,
        config=FIGURE_CONFIG,
        default_width="100%",
        default_height="420px",
    )
    return Markup(html)  # plotly's own output; it JSON-escapes <, > and / in figure data


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["money"] = format_money
    return environment


def report_figures(
    frame: pd.DataFrame,
    previous_frame: pd.DataFrame | None,
    *,
    period: tuple[dt.date, dt.date] | None,
    include_transfers: bool,
    kinds: Mapping[str, str] | None,
    order: Sequence[str] | None,
) -> list[ReportFigure]:
    options: dict[str, Any] = {"include_transfers": include_transfers, "kinds": kinds}
    figures = [
        (
            "chart-spending-by-category",
            "Spending by category",
            charts.spending_by_category(frame, order=order, **options),
        ),
        (
            "chart-monthly-spending",
            "Spending per month",
            charts.monthly_spending(frame, order=order, **options),
        ),
        ("chart-top-merchants", "Top merchants", charts.top_merchants(frame, order=order, **options)),
        (
            "chart-cumulative-spending",
            "Cumulative spending vs the period before",
            charts.cumulative_spending(frame, previous_frame, period=period, **options),
        ),
        (
            "chart-income-vs-spending",
            "Income and spending per month",
            charts.income_vs_spending(frame, **options),
        ),
    ]
    return [ReportFigure(div_id, heading, _figure_html(fig, div_id)) for div_id, heading, fig in figures]


def html_report(
    frame: pd.DataFrame,
    *,
    title: str,
    period_label: str,
    previous_frame: pd.DataFrame | None = None,
    period: tuple[dt.date, dt.date] | None = None,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
    order: Sequence[str] | None = None,
    max_transactions: int = DEFAULT_MAX_REPORT_TRANSACTIONS,
) -> bytes:
    """A single HTML file: headline numbers, interactive charts and tables, readable offline.

    plotly.js is inlined once in the head; nothing is fetched from anywhere. Every text from a
    statement goes through the template's autoescaping. The transactions table lists the
    `max_transactions` most recent rows (the CSV and XLSX exports have all of them).
    """
    head = insights.headline(
        frame, previous_frame, period=period, include_transfers=include_transfers, kinds=kinds
    )
    code = head.currency
    # Keep categories whose refunds outweigh purchases, so the table adds up to the headline.
    by_category = insights.spend_by_category(
        frame, currency=code, include_transfers=include_transfers, kinds=kinds, positive_only=False
    )
    colors = insights.category_colors(by_category["category"], order)
    merchants = insights.top_merchants(
        frame, 10, currency=code, include_transfers=include_transfers, kinds=kinds
    )
    table = export_table(frame)
    shown = table.iloc[::-1].head(max_transactions)

    def money(value: Decimal | None) -> str:
        return "–" if value is None else format_money(value, code)

    metrics = [
        {"key": "spending", "label": "Spending", "value": head.spending, "text": money(head.spending)},
        {"key": "income", "label": "Income", "value": head.income, "text": money(head.income)},
        {"key": "net", "label": "Net", "value": head.net, "text": money(head.net)},
        {
            "key": "avg-spending-per-month",
            "label": f"Average spending per month ({head.months} month{'s' if head.months != 1 else ''})",
            "value": head.avg_spending_per_month,
            "text": money(head.avg_spending_per_month),
        },
        {
            "key": "biggest-category",
            "label": f"Biggest category: {head.biggest_category or '–'}",
            "value": head.biggest_category_amount,
            "text": money(head.biggest_category_amount),
        },
        {
            "key": "change-vs-previous",
            "label": "Change vs the period before",
            "value": head.change_vs_previous,
            "text": (
                "no earlier data"
                if head.change_vs_previous is None
                else money(head.change_vs_previous)
                + (
                    f" ({head.change_vs_previous_pct:+.1f}%)"
                    if head.change_vs_previous_pct is not None
                    else ""
                )
            ),
        },
    ]
    context = {
        "title": title,
        "period_label": period_label,
        "generated": dt.date.today().isoformat(),
        "currency": code,
        "headline": head,
        "metrics": metrics,
        "plotly_js": Markup(get_plotlyjs()),  # the bundled library, inlined verbatim
        "figures": report_figures(
            frame,
            previous_frame,
            period=period,
            include_transfers=include_transfers,
            kinds=kinds,
            order=order,
        ),
        "categories": [
            {
                "name": row["category"],
                "color": colors[row["category"]],
                "spend": row["spend"],
                "spend_text": money(row["spend"]),
                "share": "–" if pd.isna(row["share"]) else f"{row['share']:.1%}",
                "transactions": row["transactions"],
                "net_refund": row["spend"] < 0,
            }
            for row in by_category.to_dict("records")
        ],
        "spending_total_text": money(head.spending),
        "merchants": [
            {
                "name": row["merchant"],
                "category": row["category"],
                "spend": row["spend"],
                "spend_text": money(row["spend"]),
                "transactions": row["transactions"],
            }
            for row in merchants.to_dict("records")
        ],
        "transactions": [
            {
                "date": row["date"].date().isoformat(),
                "account": row["account"],
                "description": row["description"],
                "payee": row["payee"] or "",
                "merchant": row["merchant"],
                "category": row["category"],
                "amount": format_amount(row["amount"]),
                "amount_text": format_money(row["amount"], row["currency"]),
                "currency": row["currency"],
                "original_text": _original_text(row["original_amount"], row["original_currency"]),
            }
            for row in shown.to_dict("records")
        ],
        "transactions_total": len(table),
    }
    html = _environment().get_template(REPORT_TEMPLATE).render(**context)
    return html.encode("utf-8")


# -- the export as files ------------------------------------------------------------------------


class ExportError(UserFacingError):
    """A problem the user can fix; the message says which."""


class UnknownAccountError(ExportError):
    """An account asked for that the store does not hold."""


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same directory, so a failed write
    never leaves half a report behind (nor destroys an earlier one)."""
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a directory")
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o600)  # a report is personal financial data
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None


def period_text(date_from: dt.date | None, date_to: dt.date | None, frame: pd.DataFrame) -> str:
    span = insights.data_period(frame)
    start = date_from or (span[0] if span else None)
    end = date_to or (span[1] if span else None)
    if start is None or end is None:
        return "no transactions"
    return f"{start.isoformat()} to {end.isoformat()}"


@dataclass(frozen=True)
class StoredReport:
    """One export of the stored transactions: the file's bytes and what it holds."""

    data: bytes
    rows: int
    period: str


def stored_report(
    store: Store,
    report_format: str,
    *,
    accounts: Sequence[str] = (),
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> StoredReport:
    """The stored transactions of `accounts` (all when empty) between the dates, as CSV, XLSX or HTML."""
    from app.categorize.taxonomy import load_taxonomy
    from app.ledger_query import ledger_query
    from app.store import TransactionFilter

    accounts = list(accounts)
    unknown = sorted(set(accounts) - set(store.accounts()))
    if unknown:
        known = ", ".join(store.accounts()) or "none yet"
        raise UnknownAccountError(f"unknown account(s): {', '.join(unknown)} (known: {known})")

    # The dates as given (either may be open); the period to compare with follows from the rows.
    frame = store.transactions_frame(
        TransactionFilter(accounts=accounts, date_from=date_from, date_to=date_to)
    )
    # The user's own categories decide what is spending, income or a transfer.
    taxonomy = load_taxonomy(store)
    kinds, order = insights.taxonomy_kinds(taxonomy), taxonomy.names
    if report_format == "csv":
        data = transactions_csv(frame)
    elif report_format == "xlsx":
        data = workbook_xlsx(frame, kinds=kinds, order=order)
    else:
        span = insights.data_period(frame)
        start = date_from or (span[0] if span else None)
        end = date_to or (span[1] if span else None)
        period = (start, end) if start and end else None
        before = ledger_query(accounts, (), period).previous
        previous = store.transactions_frame(before) if before is not None else None
        scope = ", ".join(accounts) if accounts else "all accounts"
        data = html_report(
            frame,
            title="privfin report",
            period_label=f"{period_text(date_from, date_to, frame)} · {scope}",
            previous_frame=previous,
            period=period,
            kinds=kinds,
            order=order,
        )
    return StoredReport(data=data, rows=len(frame), period=period_text(date_from, date_to, frame))
