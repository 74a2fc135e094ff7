"""Exports: transactions CSV, an Excel workbook and a standalone HTML report (`privfin export`'s and the dashboard's).

Every builder is pure (a transactions frame in, bytes out) so the dashboard's download buttons
and the command line produce the same files. Text that came from a bank statement is treated
as hostile: CSV cells that a spreadsheet would run as a formula are neutralised, the workbook
stores every text as a string, and the HTML report escapes it and loads nothing from anywhere.

Rooms: `table` (the exported table and its CSV), `workbook` (XLSX), `html` (the report),
`stored` (an export of the stored transactions as a file).
"""

from app.cell_text import FORMULA_TRIGGERS, neutralize_formula
from app.reports.html import (
    DEFAULT_MAX_REPORT_TRANSACTIONS,
    REPORT_TEMPLATE,
    TEMPLATES_DIR,
    ReportFigure,
    html_report,
    report_figures,
)
from app.reports.stored import (
    ExportError,
    StoredReport,
    UnknownAccountError,
    period_text,
    stored_report,
    write_atomically,
)
from app.reports.table import EXPORT_COLUMNS, export_table, format_amount, format_money, transactions_csv
from app.reports.workbook import category_summary, month_summary, workbook_xlsx

__all__ = [
    "DEFAULT_MAX_REPORT_TRANSACTIONS",
    "EXPORT_COLUMNS",
    "FORMULA_TRIGGERS",
    "REPORT_TEMPLATE",
    "TEMPLATES_DIR",
    "ExportError",
    "ReportFigure",
    "StoredReport",
    "UnknownAccountError",
    "category_summary",
    "export_table",
    "format_amount",
    "format_money",
    "html_report",
    "month_summary",
    "neutralize_formula",
    "period_text",
    "report_figures",
    "stored_report",
    "transactions_csv",
    "workbook_xlsx",
    "write_atomically",
]
