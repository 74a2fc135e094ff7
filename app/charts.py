"""Plotly figure builders for Insights and the HTML report: a transactions frame in, a Figure out.

Every builder takes the frame `Store.transactions_frame` returns and the same keyword options
as `app.insights` (currency, include_transfers, kinds), so a chart always agrees with the
headline numbers next to it. Categories keep one colour and one order in every chart. Values reach plotly as exact
`Decimal`s (plotly writes them as JSON numbers); nothing here is float money.
Nothing here refers to anything outside the machine: no map tiles, web fonts or images.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

import pandas as pd
import plotly.graph_objects as go

from app import insights, money, palette, periods

NO_DATA_MESSAGE = "No data for these filters"
TEMPLATE = "plotly_white"
INCOME_COLOR = "#2ca02c"
SPENDING_COLOR = "#d62728"
NET_COLOR = "#5b8def"  # a mid blue: readable on a light and a dark background
PREVIOUS_COLOR = "#9e9e9e"
# The treemap's root and the empty-chart note take the page's own background and text colour,
# so a chart reads the same in a light and a dark theme.
TRANSPARENT = "rgba(0,0,0,0)"

# Currencies whose symbol reads better than the ISO code; any other shows its code after the number.
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩", "CNY": "¥"}


# -- formatting ----------------------------------------------------------------------------------


def currency_affixes(currency: str | None) -> tuple[str, str]:
    """(prefix, suffix) to put around a number of this currency."""
    if currency is None:
        return "", ""
    symbol = _SYMBOLS.get(currency.upper())
    return (symbol, "") if symbol else ("", f" {currency.upper()}")


def money_hover(currency: str | None, value: str) -> str:
    """A hover fragment such as `$%{y:,.2f}` (`¥%{y:,.0f}`: the currency's decimals) for the
    plotly variable `value` ("y", "x", "value")."""
    prefix, suffix = currency_affixes(currency)
    places = 2 if currency is None else money.exponent_of(currency)
    return f"{prefix}%{{{value}:,.{places}f}}{suffix}"


def money_text(value: Decimal, currency: str | None) -> str:
    """`$1,234.50`, `-¥1,200`, `12.000 BHD`: a bar's label."""
    prefix, suffix = currency_affixes(currency)
    shown = money.round_to_currency(value, currency)
    sign = "-" if money.sign_of(shown) < 0 else ""
    return f"{sign}{prefix}{money.grouped(shown, currency)}{suffix}"


def _money_axis(currency: str | None) -> dict[str, Any]:
    prefix, suffix = currency_affixes(currency)
    return {"tickprefix": prefix, "ticksuffix": suffix, "tickformat": ",.0f", "rangemode": "tozero"}


_MONTH_LABELS_SHOWN = 6  # month labels that fit a phone or a half-width column without turning


def _month_slots(months: pd.Series) -> tuple[list[str], dict[dt.date, str]]:
    """The labels of a month axis (empty months at the ends dropped, long gaps folded into one
    slot) and the label of each month with data. Labels are unique: two folded gaps of the same
    length differ by an invisible mark."""
    slots = periods.month_slots([pd.Timestamp(m).date() for m in months])
    labels: list[str] = []
    of_month: dict[dt.date, str] = {}
    for text, month in slots:
        label = text
        while label in labels:
            label += "\u200b"
        labels.append(label)
        if month is not None:
            of_month[month] = label
    return labels, of_month


def _month_axis(labels: list[str]) -> dict[str, Any]:
    """A category axis over the month slots: horizontal labels, thinned to stay readable."""
    return {
        "type": "category",
        "categoryorder": "array",
        "categoryarray": labels,
        "tickangle": 0,
        "dtick": max(1, math.ceil(len(labels) / _MONTH_LABELS_SHOWN)),
        "title": None,
    }


def _month_labels(months: pd.Series, of_month: dict[dt.date, str]) -> list[str]:
    return [of_month[pd.Timestamp(m).date()] for m in months]


# The legend lies flat under the plot, across the figure's whole width: beside it, on a 390 px
# phone, the category names took most of the width and left the bars a sliver. Anchored to the
# figure's bottom edge (`yref="container"`), so plotly makes room for it below the axis labels
# instead of drawing it over them; a long legend wraps onto more rows.
LEGEND: dict[str, Any] = {
    "traceorder": "normal",
    "orientation": "h",
    "yref": "container",
    "y": 0,
    "yanchor": "bottom",
    "x": 0,
    "xanchor": "left",
    "title": {"text": ""},
}
# The text width of one category's legend entry (plotly adds its swatch): two columns fit a
# phone. Sized to the text (plotly's 0) the widest name sets every column, one a row on a phone.
CATEGORY_LEGEND_ENTRY_PX = 100
CATEGORY_LEGEND_FIGURE_HEIGHT = 520


def _base_layout(fig: go.Figure, title: str | None) -> go.Figure:
    fig.update_layout(
        template=TEMPLATE,
        title=title,
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        legend=LEGEND,
        hoverlabel={"namelength": -1},
    )
    return fig


def empty_figure(message: str = NO_DATA_MESSAGE, title: str | None = None) -> go.Figure:
    """A figure that says why it is empty, instead of a blank plot area."""
    fig = go.Figure()
    _base_layout(fig, title)
    fig.update_layout(
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
            {
                "text": message,
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "font": {"size": 16, "color": "#666666"},
            }
        ],
    )
    return fig


def _currency_of(frame: pd.DataFrame, currency: str | None) -> str | None:
    return currency or insights.primary_currency(frame)


# -- builders ----------------------------------------------------------------------------------


def spending_by_category(
    frame: pd.DataFrame,
    *,
    style: Literal["treemap", "donut"] = "treemap",
    currency: str | None = None,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
    order: Sequence[str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """Net spend per category. Only categories with positive net spend are drawn: plotly renders a
    treemap with a single negative value as a blank area, with no error."""
    code = _currency_of(frame, currency)
    data = insights.spend_by_category(frame, currency=code, include_transfers=include_transfers, kinds=kinds)
    if data.empty:
        return empty_figure(title=title)
    names = insights.category_order(data["category"], order)
    spend = dict(zip(data["category"], data["spend"], strict=True))
    values = [spend[name] for name in names]
    colors = palette.category_colors(names, order)
    hover = f"%{{label}}<br>{money_hover(code, 'value')}<br>%{{percentRoot:.1%}} of spending<extra></extra>"
    if style == "donut":
        trace: go.Pie | go.Treemap = go.Pie(
            labels=names,
            values=values,
            hole=0.5,
            sort=False,
            direction="clockwise",
            marker={"colors": [colors[n] for n in names]},
            textinfo="percent",
            hovertemplate=f"%{{label}}<br>{money_hover(code, 'value')}<br>%{{percent}}<extra></extra>",
        )
    else:
        root = "All spending"
        # "remainder" sizes the root by its children, so float rounding in a total can never make
        # the children outgrow their parent (which plotly answers by dropping the branch).
        trace = go.Treemap(
            labels=[root, *names],
            parents=["", *([root] * len(names))],
            values=[Decimal(0), *values],
            branchvalues="remainder",
            sort=False,
            marker={"colors": [TRANSPARENT, *(colors[n] for n in names)]},
            textinfo="label+value+percent root",
            texttemplate=f"%{{label}}<br>{money_hover(code, 'value')}",
            hovertemplate=hover,
        )
    fig = go.Figure(trace)
    return _base_layout(fig, title)


def monthly_spending(
    frame: pd.DataFrame,
    *,
    currency: str | None = None,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
    order: Sequence[str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """Spend per month stacked by category. A month's net refund in a category shows below zero,
    so each month's bars still add up to that month's spending."""
    code = _currency_of(frame, currency)
    data = insights.monthly_spend_by_category(
        frame, currency=code, include_transfers=include_transfers, kinds=kinds
    )
    if data.empty:
        return empty_figure(title=title)
    names = insights.category_order(data["category"], order)
    colors = palette.category_colors(names, order)
    labels, of_month = _month_slots(data["month"])
    fig = go.Figure()
    for name in names:
        rows = data[data["category"] == name]
        fig.add_trace(
            go.Bar(
                name=name,
                x=_month_labels(rows["month"], of_month),
                y=list(rows["spend"]),
                marker={"color": colors[name]},
                hovertemplate=f"{name}<br>%{{x}}<br>{money_hover(code, 'y')}<extra></extra>",
            )
        )
    _base_layout(fig, title)
    fig.update_layout(
        barmode="relative",
        xaxis=_month_axis(labels),
        yaxis=_money_axis(code) | {"title": None},
        # A category per legend entry: in columns of a fixed width (about 9 abreast on a desktop,
        # 2 on a phone) rather than one a row, and a taller figure, so the bars keep their room.
        legend=LEGEND | {"entrywidth": CATEGORY_LEGEND_ENTRY_PX, "entrywidthmode": "pixels"},
        height=CATEGORY_LEGEND_FIGURE_HEIGHT,
    )
    return fig


def top_merchants(
    frame: pd.DataFrame,
    n: int = 10,
    *,
    currency: str | None = None,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
    order: Sequence[str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """Horizontal bars of the merchants with most net spend, the largest at the top, each bar in
    the colour of the category most of its spend went to."""
    code = _currency_of(frame, currency)
    data = insights.top_merchants(frame, n, currency=code, include_transfers=include_transfers, kinds=kinds)
    if data.empty:
        return empty_figure(title=title)
    # Plotly draws the first y category at the bottom, so feed the bars smallest first.
    ascending = data.iloc[::-1]
    colors = palette.category_colors(ascending["category"], order)
    fig = go.Figure(
        go.Bar(
            x=list(ascending["spend"]),
            y=ascending["merchant"].astype(str),
            orientation="h",
            marker={"color": [colors[c] for c in ascending["category"]]},
            customdata=list(zip(ascending["category"], ascending["transactions"], strict=True)),
            text=[money_text(v, code) for v in ascending["spend"]],
            textposition="auto",
            hovertemplate=(
                f"%{{y}}<br>{money_hover(code, 'x')}<br>%{{customdata[0]}}, "
                "%{customdata[1]} transaction(s)<extra></extra>"
            ),
        )
    )
    _base_layout(fig, title)
    fig.update_layout(
        xaxis=_money_axis(code) | {"title": None},
        yaxis={
            "categoryorder": "array",
            "categoryarray": list(ascending["merchant"].astype(str)),
            "title": None,
            "automargin": True,
        },
    )
    return fig


def _period_label(start: dt.date, end: dt.date) -> str:
    return f"{periods.day_text(start)} – {periods.day_text(end)}"


def cumulative_spending(
    frame: pd.DataFrame,
    previous_frame: pd.DataFrame | None = None,
    *,
    period: tuple[dt.date, dt.date] | None = None,
    currency: str | None = None,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """Spending accumulated day by day in this period, over the same days of the period before."""
    code = _currency_of(frame, currency)
    span = period or periods.data_period(frame)
    if span is None or code is None:
        return empty_figure(title=title)
    data = insights.cumulative_spend(
        frame,
        previous_frame,
        period=span,
        currency=code,
        include_transfers=include_transfers,
        kinds=kinds,
    )
    if data.empty:
        return empty_figure(title=title)
    prev_span = periods.previous_period(*span)
    fig = go.Figure()
    previous = data[data["previous"].notna()]
    if prev_span is not None and not previous.empty:
        fig.add_trace(
            go.Scatter(
                name=f"Previous ({_period_label(*prev_span)})",
                x=previous["date"],  # drawn over the days of this period it lines up with
                y=list(previous["previous"]),
                customdata=[d.isoformat() for d in previous["previous_date"]],
                mode="lines",
                line={"color": PREVIOUS_COLOR, "dash": "dash"},
                hovertemplate=f"%{{customdata}}<br>{money_hover(code, 'y')}<extra>previous</extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            name=f"This period ({_period_label(*span)})",
            x=data["date"],
            y=list(data["current"]),
            customdata=[d.date().isoformat() for d in data["date"]],
            mode="lines",
            line={"color": SPENDING_COLOR},
            hovertemplate=f"%{{customdata}}<br>{money_hover(code, 'y')}<extra>this period</extra>",
        )
    )
    _base_layout(fig, title)
    fig.update_layout(
        # A half-width column holds about five horizontal date labels.
        xaxis={"type": "date", "title": None, "tickangle": 0, "nticks": 5},
        yaxis=_money_axis(code) | {"title": None},
        hovermode="x unified",
    )
    return fig


def income_vs_spending(
    frame: pd.DataFrame,
    *,
    currency: str | None = None,
    include_transfers: bool = False,
    kinds: Mapping[str, str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """Income and spending side by side per month, with the net as a line."""
    code = _currency_of(frame, currency)
    data = insights.income_vs_spending(frame, currency=code, include_transfers=include_transfers, kinds=kinds)
    if data.empty:
        return empty_figure(title=title)
    labels, of_month = _month_slots(data["month"])
    x = _month_labels(data["month"], of_month)
    fig = go.Figure()
    for name, column, color in (
        ("Income", "income", INCOME_COLOR),
        ("Spending", "spending", SPENDING_COLOR),
    ):
        fig.add_trace(
            go.Bar(
                name=name,
                x=x,
                y=list(data[column]),
                marker={"color": color},
                hovertemplate=f"{name}<br>%{{x}}<br>{money_hover(code, 'y')}<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            name="Net",
            x=x,
            y=list(data["net"]),
            mode="lines+markers",
            line={"color": NET_COLOR},
            hovertemplate=f"Net<br>%{{x}}<br>{money_hover(code, 'y')}<extra></extra>",
        )
    )
    _base_layout(fig, title)
    fig.update_layout(
        barmode="group",
        xaxis=_month_axis(labels),
        yaxis=_money_axis(code) | {"rangemode": "normal"},
    )
    return fig
