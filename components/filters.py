"""The filter bar shared by Insights and Export: period, accounts, categories, transfers.

Its widgets keep their values for the whole session (`persist_state="session"`), so a
choice made on Insights is what Export exports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from app import periods
from app.ledger_query import ledger_query
from app.store import TransactionFilter
from components import navigation, resources, state
from components.ledger import CategoryView, category_view

ALL_TIME = "All time"
LATEST_MONTH = "Latest month"
LATEST_3_MONTHS = "Latest 3 months"
LATEST_12_MONTHS = "Latest 12 months"
YEAR_TO_DATE = "Year to date"
CUSTOM = "Custom range"
PERIODS = (LATEST_MONTH, LATEST_3_MONTHS, LATEST_12_MONTHS, YEAR_TO_DATE, ALL_TIME, CUSTOM)
DEFAULT_PERIOD = LATEST_3_MONTHS


@dataclass(frozen=True)
class ViewFilters:
    """What the user chose, resolved to store filters for this period and the one before."""

    current: TransactionFilter
    previous: TransactionFilter | None
    period: tuple[dt.date, dt.date] | None
    period_label: str
    include_transfers: bool
    scope_label: str


def resolve_period(
    choice: str, bounds: tuple[dt.date, dt.date], custom: Sequence[dt.date]
) -> tuple[dt.date, dt.date]:
    """The dates a period choice covers. "Latest" periods are whole calendar months ending with the
    month of the newest transaction, so a statement from last year still shows something."""
    first, last = bounds
    if choice == LATEST_MONTH:
        return periods.month_start(last), periods.month_end(last)
    if choice == LATEST_3_MONTHS:
        return periods.month_start(last, 2), periods.month_end(last)
    if choice == LATEST_12_MONTHS:
        return periods.month_start(last, 11), periods.month_end(last)
    if choice == YEAR_TO_DATE:
        return dt.date(last.year, 1, 1), last
    if choice == CUSTOM and len(custom) == 2:
        start, end = sorted(custom)
        return start, end
    if choice == CUSTOM and len(custom) == 1:
        return custom[0], custom[0]
    return first, last


def period_text(period: tuple[dt.date, dt.date]) -> str:
    return periods.period_text(*period)


def render_filter_bar(
    bounds: tuple[dt.date, dt.date] | None, accounts: Sequence[str], categories: Sequence[str]
) -> ViewFilters:
    """Draw the filter bar and return the resolved filters. `bounds` is the ledger's date range."""
    with st.container(border=True):
        period_col, dates_col, accounts_col, categories_col = st.columns([1.35, 1.35, 1.5, 1.6])
        choice = period_col.selectbox(
            "Period",
            PERIODS,
            index=PERIODS.index(DEFAULT_PERIOD),
            key=f"{state.FILTER_DATES}_choice",
            persist_state="session",
        )
        custom: Sequence[dt.date] = ()
        if choice == CUSTOM and bounds is not None:
            picked = dates_col.date_input(
                "From – to",
                value=bounds,
                min_value=dt.date(1970, 1, 1),
                key=state.FILTER_DATES,
                persist_state="session",
            )
            custom = tuple(picked) if isinstance(picked, tuple | list) else (picked,)
        period = resolve_period(choice, bounds, custom) if bounds is not None else None
        if choice != CUSTOM:
            dates_col.markdown("**Dates**")
            dates_col.caption(period_text(period) if period else "No transactions yet")
        chosen_accounts = accounts_col.multiselect(
            "Accounts",
            list(accounts),
            placeholder="All accounts",
            key=state.FILTER_ACCOUNTS,
            persist_state="session",
        )
        chosen_categories = categories_col.multiselect(
            "Categories",
            list(categories),
            placeholder="All categories",
            key=state.FILTER_CATEGORIES,
            persist_state="session",
        )
        include_transfers = st.toggle(
            "Count transfers and card payments as spending",
            value=False,
            key=state.FILTER_INCLUDE_TRANSFERS,
            persist_state="session",
            help="Off by default: paying a card bill or moving money between your own accounts is not "
            "new spending, and counting it would double-count the purchases themselves.",
        )

    # A saved choice can name an account or category that no longer exists (after a delete).
    chosen_accounts = [a for a in chosen_accounts if a in accounts]
    chosen_categories = [c for c in chosen_categories if c in categories]
    # "All time" has no period before it: comparing with the dates ahead of the first
    # transaction would only ever say "up from nothing".
    query = ledger_query(chosen_accounts, chosen_categories, period, compare=choice != ALL_TIME)
    scope = ", ".join(chosen_accounts) if chosen_accounts else "all accounts"
    if chosen_categories:
        scope += " · " + ", ".join(chosen_categories)
    return ViewFilters(
        current=query.current,
        previous=query.previous,
        period=period,
        period_label=period_text(period) if period else "no transactions",
        include_transfers=include_transfers,
        scope_label=scope,
    )


@dataclass(frozen=True)
class FilteredLedger:
    view: CategoryView
    filters: ViewFilters
    frame: pd.DataFrame
    previous: pd.DataFrame | None  # the period before, for comparisons (None when `frame` is empty)


def render_filtered_ledger(
    empty_icon: str, load: Callable[[TransactionFilter], pd.DataFrame] = resources.transactions
) -> FilteredLedger | None:
    """The shared filter bar and the transactions it selects, as Insights and Export show them,
    read by `load` (Insights passes its narrow `resources.insights_transactions`).

    None (after rendering the empty-ledger state) when nothing has been imported yet.
    """
    summary = resources.ledger_summary()
    if summary.count == 0:
        navigation.render_empty_ledger(empty_icon)
        return None
    view = category_view()
    filters = render_filter_bar(
        summary.period, summary.accounts, view.all_names(resources.present_categories())
    )
    frame = load(filters.current)
    previous = load(filters.previous) if filters.previous and not frame.empty else None
    return FilteredLedger(view, filters, frame, previous)
