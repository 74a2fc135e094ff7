"""The Excel workbook: sheets Transactions, By category and By month; text always stored as
text, amounts as numbers in their currency's number format."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from app import insights
from app.money import exponent_of
from app.reports.table import EXPORT_COLUMNS, export_table

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
