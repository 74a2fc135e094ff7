"""The column-mapping form of one uploaded file: column roles, date format, decimal mark, signs.

Its widgets start from the layout the importer detected. As soon as the user changes one,
`render_mapping_form` returns the edited mapping and the page re-parses the file with it
(a live preview); importing then remembers it for every file with these columns.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from pydantic import ValidationError

from app.ingest import ColumnMapping, SignRule
from components import state
from components.formatting import md

NONE = "(none)"

SIGN_LABELS: dict[SignRule, str] = {
    SignRule.SIGNED: "One amount column: money out is negative",
    SignRule.SIGNED_INVERTED: "One amount column: purchases are positive (most card exports)",
    SignRule.DEBIT_CREDIT_UNSIGNED: "Two columns: money out, money in (no signs)",
    SignRule.DEBIT_CREDIT_ABS: "Two columns that may carry their own signs",
    SignRule.UNSIGNED_PLUS_INDICATOR: "Unsigned amount plus a debit/credit column",
}
TWO_COLUMN_RULES = (SignRule.DEBIT_CREDIT_UNSIGNED, SignRule.DEBIT_CREDIT_ABS)

COMMON_DATE_FORMATS = (
    "MM/DD/YYYY",
    "DD/MM/YYYY",
    "YYYY-MM-DD",
    "DD.MM.YYYY",
    "DD.MM.YY",
    "MM/DD/YY",
    "DD/MM/YY",
    "DD-MM-YYYY",
    "MM-DD-YYYY",
    "YYYY/MM/DD",
    "YYYYMMDD",
    "DD MMM YYYY",
    "MMM DD, YYYY",
)
DECIMAL_LABELS = {".": "1,234.56 (dot)", ",": "1.234,56 (comma)"}


def _key(sha256: str, name: str) -> str:
    return state.file_widget_key(sha256, f"map_{name}")


def _pick(
    label: str, columns: list[str], current: str | None, key: str, *, optional: bool = False
) -> str | None:
    options = [NONE, *columns] if optional else columns
    index = options.index(current) if current in options else 0
    chosen = st.selectbox(label, options, index=index, key=key)
    return None if chosen == NONE else chosen


def _values(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def render_mapping_form(sha256: str, columns: list[str], detected: ColumnMapping) -> ColumnMapping | None:
    """Draw the form; return the user's mapping when it differs from `detected`, else None."""
    st.caption(
        "Tell privfin what each column means. The preview above updates as you change these, and the "
        "choice is remembered for every file with the same columns."
    )
    roles, conventions = st.columns(2)
    with roles:
        chosen = _column_roles(sha256, columns, detected)
        chosen.update(_amount_fields(sha256, columns, detected, chosen["sign"]))
    with conventions:
        chosen.update(_conventions(sha256, detected))
    return _edited_mapping(detected, chosen)


def _column_roles(sha256: str, columns: list[str], detected: ColumnMapping) -> dict[str, Any]:
    """Which columns hold the dates, the description and the payee, and the sign rule."""
    date = _pick("Date", columns, detected.date, _key(sha256, "date"))
    posted = _pick("Posted date", columns, detected.posted_date, _key(sha256, "posted"), optional=True)
    description = st.multiselect(
        "Description (one or more columns, joined)",
        columns,
        default=[c for c in detected.description if c in columns],
        key=_key(sha256, "description"),
    )
    payee = _pick(
        "Payee (a clean name beside the description, optional)",
        columns,
        detected.payee,
        _key(sha256, "payee"),
        optional=True,
    )
    sign = st.selectbox(
        "Amounts and signs",
        list(SIGN_LABELS),
        index=list(SIGN_LABELS).index(detected.sign),
        format_func=SIGN_LABELS.__getitem__,
        key=_key(sha256, "sign"),
    )
    return {"date": date, "posted_date": posted, "description": description, "payee": payee, "sign": sign}


def _amount_fields(
    sha256: str, columns: list[str], detected: ColumnMapping, sign: SignRule
) -> dict[str, Any]:
    """The money columns the chosen sign rule reads (and its debit/credit values)."""
    chosen: dict[str, Any] = {}
    if sign in TWO_COLUMN_RULES:
        chosen["debit"] = _pick("Money out (debit) column", columns, detected.debit, _key(sha256, "debit"))
        chosen["credit"] = _pick("Money in (credit) column", columns, detected.credit, _key(sha256, "credit"))
    elif detected.amount_by_currency:
        st.caption(
            "Amounts come from one column per currency: "
            + ", ".join(f"{md(column)} ({code})" for column, code in detected.amount_by_currency.items())
        )
    else:
        chosen["amount"] = _pick("Amount column", columns, detected.amount, _key(sha256, "amount"))
    if sign is SignRule.UNSIGNED_PLUS_INDICATOR:
        chosen["indicator"] = _pick(
            "Debit/credit column", columns, detected.indicator, _key(sha256, "indicator")
        )
        chosen["debit_values"] = _values(
            st.text_input(
                "Values meaning money out (comma-separated)",
                value=", ".join(detected.debit_values) or "debit",
                key=_key(sha256, "debit_values"),
            )
        )
        chosen["credit_values"] = _values(
            st.text_input(
                "Values meaning money in (comma-separated)",
                value=", ".join(detected.credit_values) or "credit",
                key=_key(sha256, "credit_values"),
            )
        )
    return chosen


def _conventions(sha256: str, detected: ColumnMapping) -> dict[str, Any]:
    """The date format and the decimal mark."""
    formats = list(dict.fromkeys([detected.date_format, *COMMON_DATE_FORMATS]))
    date_format = st.selectbox(
        "Date format",
        formats,
        index=0,
        accept_new_options=True,
        key=_key(sha256, "date_format"),
        help="D = day, M = month, MMM = month name, Y = year. Type your own if it is not listed.",
    )
    decimal = st.segmented_control(
        "Decimal mark",
        list(DECIMAL_LABELS),
        default=detected.decimal,
        format_func=DECIMAL_LABELS.__getitem__,
        required=True,
        key=_key(sha256, "decimal"),
    )
    # The currency is chosen on the file card itself (it is remembered for the account).
    if detected.currency_column:
        st.caption(f"Each row's currency is read from the column {md(detected.currency_column)}.")
    return {
        "date_format": str(date_format or detected.date_format).strip(),
        "decimal": decimal or detected.decimal,
    }


def _edited_mapping(detected: ColumnMapping, chosen: dict[str, Any]) -> ColumnMapping | None:
    """The detected mapping with the user's changes, None if nothing changed or it cannot be used."""
    changes = {name: value for name, value in chosen.items() if value != getattr(detected, name)}
    if not changes:
        return None
    sign = chosen["sign"]
    if "sign" in changes:
        # Columns the new sign rule does not read must not linger from the detected one.
        if sign in TWO_COLUMN_RULES:
            changes["amount"] = None
        else:
            changes.update(debit=None, credit=None)
        if sign is not SignRule.UNSIGNED_PLUS_INDICATOR:
            changes.update(indicator=None, debit_values=[], credit_values=[])
    try:
        return ColumnMapping.model_validate(detected.model_dump() | changes)
    except ValidationError as error:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors())
        st.error(f"This mapping cannot be used yet: {md(problems)}")
        return None
