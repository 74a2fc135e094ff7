"""The Recurring page's timeline: one row per series, a dot per charge, the next one hollow.

Colours come from a `ChartTheme` the page picks for the light or dark theme; backgrounds stay
transparent so the page's own background shows through, and text takes the theme's colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from app.recurring import RecurringSeries

ROW_HEIGHT_PX = 34
MIN_HEIGHT_PX = 220
# Longer merchant names took most of a phone's width from the dots; hovering shows the whole name.
AXIS_MERCHANT_CHARS = 22


@dataclass(frozen=True)
class ChartTheme:
    text: str
    grid: str
    active: str
    ended: str
    rise: str  # a charge at a higher price than the one before


# Mid-tone hues that keep contrast on both backgrounds (WCAG 3:1 for graphics).
LIGHT = ChartTheme(
    text="#31333f", grid="rgba(49,51,63,0.15)", active="#1c6fd1", ended="#7c7f8a", rise="#d4380d"
)
DARK = ChartTheme(
    text="#fafafa", grid="rgba(250,250,250,0.15)", active="#5aa9ff", ended="#a3a8b8", rise="#ff7a45"
)


def series_label(series: RecurringSeries) -> str:
    """Unique per series: one merchant may bill two amounts (two Apple subscriptions)."""
    income = " (in)" if series.direction == "in" else ""
    return f"{series.name} · {series.amount:,} {series.currency}{income}"


def axis_label(series: RecurringSeries) -> str:
    """The row's text on the axis: `series_label` with a long merchant name cut short."""
    merchant = series.name
    if len(merchant) > AXIS_MERCHANT_CHARS:
        merchant = merchant[: AXIS_MERCHANT_CHARS - 1].rstrip() + "…"
    income = " (in)" if series.direction == "in" else ""
    return f"{merchant} · {series.amount:,} {series.currency}{income}"


def recurring_timeline(series: Sequence[RecurringSeries], theme: ChartTheme = LIGHT) -> go.Figure:
    """Every charge of every series over time; price rises and the next expected charge marked."""
    fig = go.Figure()
    labels = [series_label(s) for s in series]
    for item, label in zip(series, labels, strict=True):
        color = theme.active if item.active else theme.ended
        rises = {change.date for change in item.price_rises}
        dates = [o.date for o in item.occurrences]
        amounts = [f"{o.amount:,} {item.currency}" for o in item.occurrences]
        fig.add_trace(
            go.Scatter(
                x=dates,
                y=[label] * len(dates),
                mode="lines+markers",
                name=label,
                showlegend=False,
                line={"color": color, "width": 2},
                marker={
                    "size": [13 if d in rises else 9 for d in dates],
                    "color": [theme.rise if d in rises else color for d in dates],
                    "symbol": ["triangle-up" if d in rises else "circle" for d in dates],
                },
                customdata=amounts,
                hovertemplate="%{x|%d %b %Y}: %{customdata}<extra>%{y}</extra>",
            )
        )
        if item.active:
            fig.add_trace(
                go.Scatter(
                    x=[item.next_date],
                    y=[label],
                    mode="markers",
                    showlegend=False,
                    marker={"size": 10, "color": "rgba(0,0,0,0)", "line": {"color": color, "width": 2}},
                    hovertemplate=f"next expected %{{x|%d %b %Y}}: {item.amount:,} {item.currency}<extra>%{{y}}</extra>",
                )
            )
    axis = {"gridcolor": theme.grid, "color": theme.text, "zeroline": False}
    fig.update_layout(
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"color": theme.text},
        height=max(MIN_HEIGHT_PX, ROW_HEIGHT_PX * len(series) + 80),
        margin={"l": 10, "r": 10, "t": 20, "b": 10},
        xaxis={**axis, "type": "date", "title": None},
        yaxis={
            **axis,
            "type": "category",
            "categoryorder": "array",
            "categoryarray": list(reversed(labels)),  # the first series on top
            # Half a row above the first and below the last: autorange left a band of empty plot.
            "range": [-0.6, len(series) - 0.4],
            "tickmode": "array",
            "tickvals": labels,
            "ticktext": [axis_label(item) for item in series],
            "title": None,
        },
        hoverlabel={"namelength": -1},
    )
    return fig
