"""Export: the transactions and report for the current filters, as CSV, Excel or one HTML file."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import reports
from components.filters import ViewFilters, render_filtered_ledger
from components.formatting import md, plural
from components.ledger import CategoryView

CSV_BUTTON = "export_csv"
XLSX_BUTTON = "export_xlsx"
HTML_BUTTON = "export_html"


def _file_stem(filters: ViewFilters) -> str:
    if filters.period is None:
        return "privfin"
    start, end = filters.period
    return f"privfin_{start.isoformat()}_{end.isoformat()}"


def render_downloads(
    frame: pd.DataFrame, previous: pd.DataFrame | None, filters: ViewFilters, view: CategoryView
) -> None:
    stem = _file_stem(filters)
    transfers, kinds, order = filters.include_transfers, view.kinds, view.order
    csv_col, xlsx_col, html_col = st.columns(3)
    with csv_col, st.container(border=True):
        st.markdown("**CSV**")
        st.caption("Every transaction with its category, merchant and provenance. Opens anywhere.")
        st.download_button(
            "Download CSV",
            data=lambda: reports.transactions_csv(frame),
            file_name=f"{stem}.csv",
            mime="text/csv",
            on_click="ignore",
            key=CSV_BUTTON,
            type="primary",
        )
    with xlsx_col, st.container(border=True):
        st.markdown("**Excel**")
        st.caption("Sheets: Transactions, By category, By month. Amounts are real numbers.")
        st.download_button(
            "Download Excel",
            data=lambda: reports.workbook_xlsx(frame, include_transfers=transfers, kinds=kinds, order=order),
            file_name=f"{stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            on_click="ignore",
            key=XLSX_BUTTON,
        )
    with html_col, st.container(border=True):
        st.markdown("**HTML report**")
        st.caption("One self-contained file with the headline and interactive charts; works offline.")
        st.download_button(
            "Download HTML report",
            data=lambda: reports.html_report(
                frame,
                title="privfin report",
                period_label=f"{filters.period_label} · {filters.scope_label}",
                previous_frame=previous,
                period=filters.period,
                include_transfers=transfers,
                kinds=kinds,
                order=order,
            ),
            file_name=f"{stem}.html",
            mime="text/html",
            on_click="ignore",
            key=HTML_BUTTON,
        )


def render() -> None:
    st.title("Export")
    ledger = render_filtered_ledger("export")
    if ledger is None:
        return
    view, filters, frame, previous = ledger.view, ledger.filters, ledger.frame, ledger.previous
    if frame.empty:
        st.info(
            f"No transactions in {filters.period_label} for {md(filters.scope_label)}: nothing to export. "
            "Widen the period or clear a filter."
        )
        return
    st.markdown(
        f"Exporting **{plural(len(frame), 'transaction')}** from {filters.period_label}, {md(filters.scope_label)}. "
        "These are the same filters Insights uses. Files are built on this machine when you click; "
        "nothing is uploaded anywhere."
    )
    render_downloads(frame, previous, filters, view)
    st.caption(
        "Text from your statements is written as text: a description that looks like a spreadsheet formula "
        "is neutralised, never run."
    )


render()
