"""Review: check and correct categories; the queue of rows that need a look comes first."""

from __future__ import annotations

import math

import streamlit as st

from app.models import UNCATEGORIZED
from components import navigation, resources, state
from components.formatting import plural
from components.job_panel import job, render_job_panel
from components.ledger import category_view
from components.review_followup import render_followup, render_rules
from components.review_table import (
    ALL_MONTHS,
    NEEDS_REVIEW,
    PAGE_SIZE,
    SOURCE_CHOICES,
    VIEWS,
    ReviewQuery,
    queue_count,
    queue_page,
    refresh_queue,
    render_compact_toggle,
    render_table,
    save_pending_edits,
)
from components.transfer_pairs import render_transfer_pairs


def render_filters(accounts: tuple[str, ...], months: tuple[str, ...], category_names: list[str]) -> None:
    st.segmented_control(
        "Show",
        VIEWS,
        default=NEEDS_REVIEW,
        key=state.REVIEW_VIEW,
        persist_state="session",
        required=True,
    )
    search, accounts_col, categories, sources, month = st.columns([1.5, 1.2, 1.3, 1.1, 1.1])
    search.text_input(
        "Search",
        key=state.REVIEW_SEARCH,
        placeholder="merchant or statement text",
        persist_state="session",
    )
    accounts_col.multiselect(
        "Accounts", list(accounts), key=state.REVIEW_ACCOUNTS, placeholder="All", persist_state="session"
    )
    categories.multiselect(
        "Categories", category_names, key=state.REVIEW_CATEGORIES, placeholder="All", persist_state="session"
    )
    sources.multiselect(
        "Set by", SOURCE_CHOICES, key=state.REVIEW_SOURCES, placeholder="All", persist_state="session"
    )
    month.selectbox("Month", [ALL_MONTHS, *months], key=state.REVIEW_MONTH, persist_state="session")


def render() -> None:
    st.title("Review")
    summary = resources.ledger_summary()
    if summary.count == 0:
        navigation.render_empty_ledger("review")
        return
    if job().snapshot().running:
        # The panel polls the run and reruns this page when it ends, so the list refreshes itself.
        render_job_panel()
        st.caption("Categories fill in as batches finish. Your edits are safe: no run overwrites them.")
    save_pending_edits()
    view = category_view()
    names = view.all_names(resources.present_categories())
    render_filters(summary.accounts, summary.months, names)
    query = ReviewQuery.from_session()
    listed = queue_count(query)

    message = st.session_state.get(state.REVIEW_MESSAGE)
    if message:
        st.success(message)
        st.session_state[state.REVIEW_MESSAGE] = None
    render_followup()
    render_transfer_pairs()

    if not listed:
        # No grid: an edit left over from the last one must not land on the rows it showed.
        st.session_state[state.REVIEW_PAGE_IDS] = []
        if query.view == NEEDS_REVIEW:
            st.success(
                "Nothing needs review for these filters. 🎉 Switch to “All transactions” to browse everything."
            )
        else:
            st.info("No transactions match these filters. Clear the search or a filter.")
        render_rules()
        return

    pages = max(1, math.ceil(listed / PAGE_SIZE))
    one = listed == 1
    what = (
        ("needs review" if one else "need review")
        if query.view == NEEDS_REVIEW
        else ("matches" if one else "match")
    )
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.caption(
        f"{plural(listed, 'transaction')} {what}. Pick a category in the ✏️ column: it is saved at once, as yours, "
        "and no later model run overwrites it. Rows you correct stay in the list until you refresh it."
    )
    right.button("↻ Refresh list", key=state.REVIEW_REFRESH_BUTTON, on_click=refresh_queue)
    page = 1
    pager, compact = st.columns([3, 1], vertical_alignment="center")
    if pages > 1:
        with pager:
            page = st.pagination(pages, key=f"{state.REVIEW_PAGE}_{pages}_{query.view}")
    with compact:
        render_compact_toggle()
    options = [name for name in names if name != UNCATEGORIZED]
    render_table(queue_page(query, page), listed, options)
    render_rules()


render()
