"""The exported transactions table and its CSV: exact amounts, readable labels, text safe to open
in a spreadsheet (cells it would run as a formula are neutralised)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import numpy as np
import pandas as pd

from app import charts, insights
from app.cell_text import neutralize_formula
from app.models import UNCATEGORIZED
from app.money import grouped, plain, round_to_currency, sign_of

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


def format_amount(amount: Decimal) -> str:
    """A plain decimal string with no exponent and no grouping: `-54.10`, `1200`."""
    return plain(amount)


def format_money(amount: Decimal, currency: str | None) -> str:
    """`$1,234.56`, `-€12.00`, `1,234.56 CHF`, `¥1,200`: the currency's decimals, any number of digits."""
    prefix, suffix = charts.currency_affixes(currency)
    shown = round_to_currency(amount, currency)  # the sign of what is shown: -0.004 is 0.00
    sign = "-" if sign_of(shown) < 0 else ""
    return f"{sign}{prefix}{grouped(shown, currency)}{suffix}"


def original_text(amount: Decimal | None, currency: str | None) -> str:
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
