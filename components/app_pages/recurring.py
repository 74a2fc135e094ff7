"""Recurring: subscriptions, rent and bills found in the ledger, what they cost, what changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from app.periods import month_start
from app.recurring import RecurringSeries
from app.recurring_chart import DARK, LIGHT, recurring_timeline, series_label
from app.recurring_ledger import RecurringReport, dismiss_series, recurring_report, restore_series
from components import navigation, resources, state
from components.formatting import md, money, plural
from components.job_panel import POLL_SECONDS, job

PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False}
# st.dataframe's default row and header heights (px); past the limit the table scrolls.
TABLE_ROW_PX = 35
TABLE_HEADER_PX = 38
TABLE_MAX_ROWS = 30


@st.cache_data(max_entries=8, show_spinner=False)
def _report(db_path: str, version: str) -> RecurringReport:
    return recurring_report(resources.store())


def report() -> RecurringReport:
    """Detected series, recomputed when the ledger or a dismissal changes (any session, the CLI)."""
    return _report(resources.store_key(), resources.data_version())


def _day(value: dt.date) -> str:
    return f"{value:%d %b %Y}"


def series_table(items: Sequence[RecurringSeries], new_since: dt.date | None) -> pd.DataFrame:
    rows = []
    for item in items:
        notes = []
        if item.price_rises:
            last = item.price_rises[-1]
            notes.append(f"🔺 up from {money(last.old, item.currency)} on {_day(last.date)}")
        if new_since is not None and item.is_new_since(new_since):
            notes.append("🆕 new this month")
        amount = money(item.amount, item.currency)
        # Merchant, amount and yearly cost first: what a 390 px screen shows without scrolling,
        # so a price rise is marked on the amount itself as well as in the note at the end.
        rows.append(
            {
                "Merchant": item.name,
                "Amount": f"🔺 {amount}" if item.price_rises else amount,
                "Per year": money(item.annual_cost, item.currency),
                "How often": item.cadence.label,
                "Per month": money(item.monthly_cost, item.currency),
                "Next": _day(item.next_date),
                "Last": _day(item.last_date),
                "Since": _day(item.first_date),
                "Charges": item.count,
                "Note": " · ".join(notes),
            }
        )
    table = pd.DataFrame(rows)
    # Columns that would say little take width the merchant's name needs at 1280 px: an active
    # series' last charge is one step before its next (the timeline shows it), an ended one has
    # no next charge, and most tables have no note at all.
    table = table.drop(columns="Last" if any(item.active for item in items) else "Next")
    if not table.empty and not table["Note"].any():
        table = table.drop(columns="Note")
    return table


def table_height(rows: int) -> int:
    """Tall enough to list every series without a scrollbar inside the page, up to a limit."""
    return min(rows, TABLE_MAX_ROWS) * TABLE_ROW_PX + TABLE_HEADER_PX


def render_table(items: Sequence[RecurringSeries], new_since: dt.date | None, key: str) -> None:
    st.dataframe(
        series_table(items, new_since),
        hide_index=True,
        width="stretch",
        height=table_height(len(items)),
        key=key,
    )


def dearest_first(items: Sequence[RecurringSeries]) -> list[RecurringSeries]:
    """Within each currency (amounts in two currencies do not compare), by the year's cost."""
    return sorted(items, key=lambda s: (s.currency, -s.annual_cost, s.name, s.key))


def render_totals(current: RecurringReport) -> None:
    # One row per currency, month beside year: four cards in a row cut "€17,459.04" short at
    # 1280 px, and below 640 px Streamlit stacks the columns anyway.
    for total in current.totals:
        month, year = st.columns(2)
        month.metric(
            f"Recurring per month ({total.currency})",
            money(total.monthly, total.currency),
            border=True,
            help=f"{plural(total.series, 'active outgoing series', 'active outgoing series')}, at their latest price.",
        )
        year.metric(
            f"Recurring per year ({total.currency})", money(total.annual, total.currency), border=True
        )


def render_alerts(current: RecurringReport) -> None:
    for item in current.active:
        for change in item.price_rises:
            st.warning(
                f"**{md(item.name)}** went up from {md(money(change.old, item.currency))} to "
                f"{md(money(change.new, item.currency))} on {_day(change.date)}.",
                icon="🔺",
            )
    if current.latest_date is not None:
        month = month_start(current.latest_date)
        fresh = [s for s in current.active if s.is_new_since(month)]
        if fresh:
            names = ", ".join(md(s.name) for s in fresh)
            st.info(f"New this month ({month:%B %Y}): {names}.", icon="🆕")


def dismiss(series_key: str | None) -> None:
    series = next((s for s in report().series if s.key == series_key), None)
    if series is None:  # gone since the page was drawn (another session, a new import)
        return
    dismiss_series(resources.store(), series)
    state.push_toast(f"{series.name} is no longer listed as recurring. Undo it under “Not subscriptions”.")


def restore(series_key: str | None) -> None:
    series = next((s for s in report().dismissed if s.key == series_key), None)
    if series is not None and restore_series(resources.store(), series):
        state.push_toast(f"{series.name} is listed as recurring again.")


def render_dismiss(current: RecurringReport) -> None:
    labels = {s.key: series_label(s) for s in current.series}
    if labels:
        left, right = st.columns([4, 1], vertical_alignment="bottom")
        left.selectbox(
            "Not a subscription?",
            list(labels),
            format_func=labels.__getitem__,
            key=state.RECURRING_DISMISS_CHOICE,
            help="Hide a series that is not really recurring. It is remembered, and can be undone below.",
        )
        right.button(
            "Not a subscription",
            key=state.RECURRING_DISMISS_BUTTON,
            on_click=lambda: dismiss(st.session_state.get(state.RECURRING_DISMISS_CHOICE)),
        )
    if current.dismissed:
        with st.expander(f"Not subscriptions ({len(current.dismissed)})"):
            hidden = {s.key: series_label(s) for s in current.dismissed}
            st.selectbox(
                "Hidden series",
                list(hidden),
                format_func=hidden.__getitem__,
                key=state.RECURRING_RESTORE_CHOICE,
            )
            st.button(
                "List it again",
                key=state.RECURRING_RESTORE_BUTTON,
                on_click=lambda: restore(st.session_state.get(state.RECURRING_RESTORE_CHOICE)),
            )


def render_run_notice() -> None:
    """While categorization runs, say why the figures may still change, and redraw when it ends."""
    if not job().snapshot().running:
        return

    @st.fragment(run_every=POLL_SECONDS)
    def notice() -> None:
        if not job().snapshot().running:
            st.rerun()  # the whole page: moves between the user's accounts now leave the series
        st.caption(
            "⏳ Categorizing in the background: regular moves to your own accounts (savings, a card "
            "payment) still count here until they are categorized as transfers."
        )

    notice()


def render() -> None:
    st.title("Recurring")
    if resources.ledger_summary().count == 0:
        navigation.render_empty_ledger("find recurring payments in")
        return
    current = report()
    st.caption(
        "Charges from one merchant that come every week, two weeks, month, quarter or year at a steady "
        "price. A series has ended when a charge it was due did not come. Transfers between your own "
        "accounts are left out once categorized as transfers."
    )
    render_run_notice()
    render_totals(current)
    render_alerts(current)
    if not current.series:
        st.info("No recurring payments found yet. They need at least three charges (two for yearly ones).")
        render_dismiss(current)
        return
    month = month_start(current.latest_date) if current.latest_date else None
    active = dearest_first(current.active)
    outgoing = [s for s in active if s.direction == "out"]
    incoming = [s for s in active if s.direction == "in"]
    st.subheader(f"Active ({len(outgoing)})")
    if outgoing:
        render_table(outgoing, month, "recurring_active")
    if incoming:
        st.subheader(f"Recurring income ({len(incoming)})")
        render_table(incoming, month, "recurring_income")
    ended = dearest_first(current.ended)
    if ended:
        st.subheader(f"Ended ({len(ended)})")
        render_table(ended, None, "recurring_ended")
    st.subheader("Timeline")
    dark = st.context.theme.type == "dark"
    # The chart lists the series in the tables' order, so a row is found in the same place.
    figure = recurring_timeline([*outgoing, *incoming, *ended], DARK if dark else LIGHT)
    st.plotly_chart(figure, width="stretch", config=PLOTLY_CONFIG, key="recurring_timeline")
    st.caption("A dot per charge; 🔺 a higher price; a hollow dot, the next expected charge.")
    render_dismiss(current)


render()
