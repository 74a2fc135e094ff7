"""Insights: where the money went, for the chosen period, accounts and categories."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import charts, fx, insights, periods
from components import navigation, resources, state
from components.filters import ViewFilters, render_filtered_ledger
from components.formatting import md, money, plural
from components.ledger import CategoryView
from components.resources import FilterKey

SPARKLINE_MIN_MONTHS = 4  # fewer bars than this read as noise, not a trend
PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False}


def _amount(value: Decimal | None, currency: str | None) -> str:
    return "–" if value is None else money(value, currency)


def render_headline(head: insights.Headline, filters: ViewFilters, sparkline: list[int]) -> None:
    """The headline metrics; `sparkline` is spending per month in minor units (its shape is all
    the bar chart shows). Without a period before this one ("All time") there is no comparison
    and no sparkline: there is nothing to compare with."""
    code = head.currency
    previous = filters.previous
    before = (
        periods.period_text(previous.date_from, previous.date_to)
        if previous is not None and previous.date_from and previous.date_to
        else None
    )
    top = st.columns(3)
    top[0].metric(
        "Spending",
        money(head.spending, code),
        delta=None
        if head.change_vs_previous is None or before is None
        else money(head.change_vs_previous, code, signed=True),
        delta_color="inverse",
        delta_description=f"vs {before}" if before else None,
        chart_data=sparkline if before and len(sparkline) >= SPARKLINE_MIN_MONTHS else None,
        chart_type="bar",
        border=True,
        help="Net of refunds. Transfers and card payments count only when the toggle above is on.",
    )
    top[1].metric("Income", money(head.income, code), border=True)
    top[2].metric(
        "Net",
        money(head.net, code, signed=True),
        border=True,
        help="Income minus spending.",
    )
    bottom = st.columns(3)
    months = f"{head.months} month{'s' if head.months != 1 else ''}"
    bottom[0].metric(
        "Average spending per month",
        _amount(head.avg_spending_per_month, code),
        border=True,
        help=f"Spending divided by the {months} of this period that hold transactions in {code}.",
    )
    bottom[1].metric(
        "Biggest category",
        head.biggest_category or "–",
        delta=_amount(head.biggest_category_amount, code)
        if head.biggest_category_amount is not None
        else None,
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
    if before is None:
        change = "–"
    elif head.change_vs_previous_pct is not None:
        change = f"{head.change_vs_previous_pct:+.1f}%"
    elif head.change_vs_previous is not None:
        change = money(head.change_vs_previous, code, signed=True)
    else:
        change = "no earlier data"
    bottom[2].metric(
        "Change vs the previous period",
        change,
        border=True,
        help=f"Spending compared with {before}."
        if before
        else "All time has no period before it to compare with.",
    )
    for note in head.notes:
        st.caption(md(note))


ChartName = Literal["by_category", "top_merchants", "monthly", "cumulative", "income_vs_spending"]


def _figure(
    name: ChartName,
    currency: str | None,
    filters: ViewFilters,
    include_transfers: bool,
    kinds: dict[str, str],
    order: tuple[str, ...],
) -> go.Figure:
    frame = resources.insights_transactions(filters.current)
    if name == "by_category":
        return charts.spending_by_category(
            frame, currency=currency, include_transfers=include_transfers, kinds=kinds, order=order
        )
    if name == "top_merchants":
        return charts.top_merchants(
            frame, currency=currency, include_transfers=include_transfers, kinds=kinds, order=order
        )
    if name == "monthly":
        return charts.monthly_spending(
            frame, currency=currency, include_transfers=include_transfers, kinds=kinds, order=order
        )
    if name == "cumulative":
        before = resources.insights_transactions(filters.previous) if filters.previous else None
        return charts.cumulative_spending(
            frame,
            before,
            period=filters.period,
            currency=currency,
            include_transfers=include_transfers,
            kinds=kinds,
        )
    return charts.income_vs_spending(
        frame, currency=currency, include_transfers=include_transfers, kinds=kinds
    )


@st.cache_data(max_entries=40, show_spinner=False)
def chart_spec(
    name: ChartName,
    currency: str | None,
    version: str,
    current: FilterKey,
    previous: FilterKey | None,
    period: tuple[dt.date, dt.date] | None,
    include_transfers: bool,
    kinds: tuple[tuple[str, str], ...],
    order: tuple[str, ...],
    _filters: ViewFilters,
) -> dict[str, Any]:
    """One chart for one state of the ledger and the filters, as a plain (cheaply cached) dict."""
    spec: dict[str, Any] = _figure(name, currency, _filters, include_transfers, dict(kinds), order).to_dict()
    return spec


def _chart(
    title: str, name: ChartName, currency: str | None, filters: ViewFilters, view: CategoryView
) -> None:
    st.subheader(title)
    spec = chart_spec(
        name,
        currency,
        resources.data_version(),
        resources.filter_key(filters.current),
        resources.filter_key(filters.previous) if filters.previous else None,
        filters.period,
        filters.include_transfers,
        tuple(sorted(view.kinds.items())),
        view.order,
        filters,
    )
    # Building a plotly figure validates every property (hundreds of ms per chart); this spec
    # came from a validated figure, so it is wrapped again without validating it twice.
    figure = go.Figure(spec, _validate=False)
    st.plotly_chart(figure, width="stretch", config=PLOTLY_CONFIG, key=f"chart_{name}")


def render_charts(currency: str | None, filters: ViewFilters, view: CategoryView) -> None:
    left, right = st.columns(2)
    with left:
        _chart("Spending by category", "by_category", currency, filters, view)
    with right:
        _chart("Top merchants", "top_merchants", currency, filters, view)
    _chart("Spending per month, by category", "monthly", currency, filters, view)
    left, right = st.columns(2)
    with left:
        title = "Cumulative spending vs the period before" if filters.previous else "Cumulative spending"
        _chart(title, "cumulative", currency, filters, view)
    with right:
        _chart("Income and spending per month", "income_vs_spending", currency, filters, view)


def choose_currency(present: list[str]) -> str | None:
    """The currency selector (only when the ledger holds more than one): amounts in different
    currencies are never added, so the page shows one at a time."""
    if len(present) < 2:
        return present[0] if present else None
    remembered = st.session_state.get(state.INSIGHTS_CURRENCY)
    if remembered not in present:
        st.session_state[state.INSIGHTS_CURRENCY] = present[0]
    chosen = st.segmented_control(
        "Currency",
        present,
        key=state.INSIGHTS_CURRENCY,
        required=True,
        help="Each currency has its own totals and charts; they are never added together.",
    )
    return str(chosen) if chosen else present[0]


def render_currency_totals(head: insights.Headline) -> None:
    """Every currency's totals side by side, so no currency is left out of view."""
    if len(head.per_currency) < 2:
        return
    st.subheader("Every currency")
    columns = st.columns(len(head.per_currency))
    for column, totals in zip(columns, head.per_currency, strict=True):
        with column.container(border=True):
            st.markdown(
                f"**{totals.currency}**{' · shown above' if totals.currency == head.currency else ''}"
            )
            st.caption(plural(totals.n_transactions, "transaction"))
            st.markdown(
                f"Spending {md(money(totals.spending, totals.currency))}  \n"
                f"Income {md(money(totals.income, totals.currency))}  \n"
                f"Net {md(money(totals.net, totals.currency, signed=True))}"
            )


def render_converted_total(head: insights.Headline, frame: pd.DataFrame) -> None:
    """Every currency's spending and income added up in the home currency, when one is set:
    each figure says it is converted and at which rate; a currency without a rate is named and
    left out, never guessed."""
    home = resources.settings().home_currency
    if home is None or len(head.per_currency) < 2:
        return
    rates = fx.chosen_rates(
        fx.entered_rates(resources.settings().exchange_rate_table, home), fx.derived_rates(frame, home)
    )
    spending = fx.converted_total(((t.currency, t.spending) for t in head.per_currency), home, rates)
    income = fx.converted_total(((t.currency, t.income) for t in head.per_currency), home, rates)
    with st.container(border=True):
        st.markdown(
            f"**All currencies in {home}, converted:** spending {md(money(spending.total, home))} · "
            f"income {md(money(income.total, home))}"
        )
        if spending.rates:
            st.caption("Converted at " + "; ".join(md(rate.text()) for rate in spending.rates) + ".")
        if spending.missing:
            st.caption(
                f"Not included (no rate): {', '.join(spending.missing)}. Enter a rate in Settings → Import."
            )


@st.cache_data(max_entries=40, show_spinner=False)
def headline_figures(
    currency: str | None,
    version: str,
    current: FilterKey,
    previous: FilterKey | None,
    period: tuple[dt.date, dt.date] | None,
    include_transfers: bool,
    kinds: tuple[tuple[str, str], ...],
    _filters: ViewFilters,
) -> tuple[insights.Headline, list[int], int]:
    """The headline, its sparkline (spending per month, minor units) and how many rows have no
    category, for one state of the ledger and the filters: a rerun (any click) reuses them
    instead of summing the period's rows again."""
    frame = resources.insights_transactions(_filters.current)
    before = resources.insights_transactions(_filters.previous) if _filters.previous else None
    head = insights.headline(
        frame,
        before,
        period=period,
        currency=currency,
        include_transfers=include_transfers,
        kinds=dict(kinds),
    )
    monthly = insights.income_vs_spending(
        frame, currency=head.currency, include_transfers=include_transfers, kinds=dict(kinds)
    )
    return head, [int(v) for v in monthly["spending_minor"]], int(frame["category"].isna().sum())


def render() -> None:
    st.title("Insights")
    ledger = render_filtered_ledger("chart", resources.insights_transactions)
    if ledger is None:
        return
    view, filters, frame = ledger.view, ledger.filters, ledger.frame
    if frame.empty:
        st.info(
            f"No transactions in {filters.period_label} for {md(filters.scope_label)}. "
            "Widen the period or clear a filter."
        )
        return
    currency = choose_currency(insights.currencies(frame))
    head, sparkline, uncategorized = headline_figures(
        currency,
        resources.data_version(),
        resources.filter_key(filters.current),
        resources.filter_key(filters.previous) if filters.previous else None,
        filters.period,
        filters.include_transfers,
        tuple(sorted(view.kinds.items())),
        filters,
    )
    render_headline(head, filters, sparkline)
    render_currency_totals(head)
    render_converted_total(head, frame)
    if uncategorized:
        verb = "has" if uncategorized == 1 else "have"
        st.warning(
            f"{plural(uncategorized, 'transaction')} here {verb} no category yet; the Review page lists them."
        )
        navigation.link(navigation.REVIEW, "Review them", icon="📝")
    render_charts(head.currency, filters, view)


render()
