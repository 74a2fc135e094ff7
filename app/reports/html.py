"""The standalone HTML report: headline numbers, interactive charts and tables, readable offline.

plotly.js is inlined once; nothing is fetched from anywhere; every text from a statement goes
through the template's (`app/templates/report.html.j2`) autoescaping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from app import charts, insights, palette
from app.reports.table import export_table, format_amount, format_money, original_text

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"
REPORT_TEMPLATE = "report.html.j2"
DEFAULT_MAX_REPORT_TRANSACTIONS = 5000

_Money = Callable[[Decimal | None], str]


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
    merchants = insights.top_merchants(
        frame, 10, currency=code, include_transfers=include_transfers, kinds=kinds
    )
    table = export_table(frame)

    def money(value: Decimal | None) -> str:
        return "–" if value is None else format_money(value, code)

    context = {
        "title": title,
        "period_label": period_label,
        "generated": dt.date.today().isoformat(),
        "currency": code,
        "headline": head,
        "metrics": _metrics(head, money),
        "plotly_js": Markup(get_plotlyjs()),  # the bundled library, inlined verbatim
        "figures": report_figures(
            frame,
            previous_frame,
            period=period,
            include_transfers=include_transfers,
            kinds=kinds,
            order=order,
        ),
        "categories": _category_rows(
            by_category, palette.category_colors(by_category["category"], order), money
        ),
        "spending_total_text": money(head.spending),
        "merchants": _merchant_rows(merchants, money),
        "transactions": _transaction_rows(table.iloc[::-1].head(max_transactions)),
        "transactions_total": len(table),
    }
    html = _environment().get_template(REPORT_TEMPLATE).render(**context)
    return html.encode("utf-8")


def _metrics(head: insights.Headline, money: _Money) -> list[dict[str, Any]]:
    """The headline cards, in the order the report shows them."""
    return [
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


def _category_rows(
    by_category: pd.DataFrame, colors: Mapping[str, str], money: _Money
) -> list[dict[str, Any]]:
    return [
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
    ]


def _merchant_rows(merchants: pd.DataFrame, money: _Money) -> list[dict[str, Any]]:
    return [
        {
            "name": row["merchant"],
            "category": row["category"],
            "spend": row["spend"],
            "spend_text": money(row["spend"]),
            "transactions": row["transactions"],
        }
        for row in merchants.to_dict("records")
    ]


def _transaction_rows(shown: pd.DataFrame) -> list[dict[str, Any]]:
    """The most recent transactions, newest first, as the report's table shows them."""
    return [
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
            "original_text": original_text(row["original_amount"], row["original_currency"]),
        }
        for row in shown.to_dict("records")
    ]
