"""The Review table: which rows to show, the editable grid, and saving a correction.

The store is the source of truth. The grid is drawn from a frame indexed by transaction
id; a correction is saved from the editor's `on_change` callback (reading `edited_rows`),
never by feeding the editor's output back in. After saving, the editor's key version is
bumped so the grid starts clean from the store.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from app import periods
from app.categorize import decisions, review_queue
from app.categorize.merchant import merchant_name
from app.categorize.review_need import review_reasons as core_review_reasons
from app.jobs import job_for
from app.money import exponent_of, grouped, sign_of
from app.store import TransactionFilter
from components import resources, state
from components.formatting import md, plural, source_from_label, source_label

PAGE_SIZE = 200
NEEDS_REVIEW = "Needs review"
ALL_ROWS = "All transactions"
VIEWS = (NEEDS_REVIEW, ALL_ROWS)
ALL_MONTHS = "All months"
NO_SOURCE = "none (uncategorized)"
SOURCE_CHOICES = ("you", "rule", "history", "learned", "model", "cache", "built-in", NO_SOURCE)

# The category, the one thing to edit, comes right after what identifies the row.
# What a phone shows first (date, merchant, amount, category: about 380 px), then the statement
# text, which takes what a 1280 px screen has left; the rest is a scroll away.
EDITOR_COLUMNS = (
    "date",
    "merchant",
    "amount",
    "category",
    "description",
    "currency",
    "why",
    "source",
    "confidence",
    "how",
    "account",
    "original",
)


@dataclass(frozen=True)
class ReviewQuery:
    """The review filters, read from session state (so callbacks can recompute the same rows)."""

    view: str
    search: str
    accounts: tuple[str, ...]
    categories: tuple[str, ...]
    sources: tuple[str, ...]
    month: str

    @classmethod
    def from_session(cls) -> ReviewQuery:
        session = st.session_state
        return cls(
            view=str(session.get(state.REVIEW_VIEW) or NEEDS_REVIEW),
            search=str(session.get(state.REVIEW_SEARCH) or ""),
            accounts=tuple(session.get(state.REVIEW_ACCOUNTS) or ()),
            categories=tuple(session.get(state.REVIEW_CATEGORIES) or ()),
            sources=tuple(session.get(state.REVIEW_SOURCES) or ()),
            month=str(session.get(state.REVIEW_MONTH) or ALL_MONTHS),
        )

    def key(self) -> tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...], str]:
        return (self.view, self.search.strip(), self.accounts, self.categories, self.sources, self.month)

    def selection(self) -> review_queue.QueueSelection:
        """What SQLite lists for these filters (the "Set by" labels turned back into sources)."""
        sources = tuple(
            None if label == NO_SOURCE else (source_from_label(label) or label) for label in self.sources
        )
        return review_queue.QueueSelection(
            flt=self.store_filter(), sources=sources, needs_review=self.view == NEEDS_REVIEW
        )

    def store_filter(self) -> TransactionFilter:
        date_from = date_to = None
        if self.month != ALL_MONTHS:
            year, month = (int(part) for part in self.month.split("-"))
            date_from = dt.date(year, month, 1)
            date_to = periods.month_end(date_from)
        return TransactionFilter(
            accounts=self.accounts,
            categories=self.categories,
            date_from=date_from,
            date_to=date_to,
            search=self.search,
        )


def review_reasons(frame: pd.DataFrame) -> pd.Series:
    """Why each row needs a look ("" when it does not): the core's rule, against the whole ledger."""
    return core_review_reasons(frame, resources.confirmed_pairs())


def provenance(rows: pd.DataFrame) -> list[str]:
    """How each category was decided (the cascade's reason), and what another source said."""
    reasons = rows["category_reason"] if "category_reason" in rows else pd.Series(None, index=rows.index)
    seconds = rows["second_opinion"] if "second_opinion" in rows else pd.Series(None, index=rows.index)
    shown = []
    for reason, second in zip(reasons.tolist(), seconds.tolist(), strict=True):
        parts = [str(reason)] if isinstance(reason, str) and reason else []
        if isinstance(second, str) and second:
            parts.append(f"but {second}")
        shown.append("; ".join(parts))
    return shown


@st.cache_data(max_entries=16, show_spinner=False)
def _queue(
    db_path: str, revision: str, structure: str, job: str, query_key: tuple[object, ...], _query: ReviewQuery
) -> tuple[str, ...]:
    return tuple(review_queue.queue_ids(resources.store(), _query.selection()))


def _pinned_revision(query: ReviewQuery) -> str:
    """The store revision this session's list belongs to: taken afresh for a new session, new
    filters or a refresh, and kept otherwise, so a just-corrected row stays in place."""
    wanted = repr(query.key())
    pinned = str(st.session_state.get(state.REVIEW_QUEUE_REVISION) or "")
    if not pinned or st.session_state.get(state.REVIEW_QUEUE_FOR) != wanted:
        pinned = resources.data_version()
        st.session_state[state.REVIEW_QUEUE_REVISION] = pinned
        st.session_state[state.REVIEW_QUEUE_FOR] = wanted
    return pinned


def queue_ids(query: ReviewQuery) -> tuple[str, ...]:
    """The ids the grid pages through, in order.

    The list is kept while the user works through it: a row just corrected stays where it is
    (showing its new category) instead of jumping away. It is rebuilt when the filters change,
    rows are imported or deleted, a categorization run ends, or the user marks rows reviewed,
    applies a fix to a merchant, changes a rule or asks for a refresh. Its cache key is the
    store's revision, shared by every session: another tab, or this one reloaded, takes the
    current revision and so never shows a row corrected elsewhere as still waiting.
    """
    snap = job_for(resources.settings().data_dir).snapshot()
    return _queue(
        resources.store_key(),
        _pinned_revision(query),
        resources.structure_version(),
        f"{snap.run_id}:{snap.state}",
        query.key(),
        query,
    )


def refresh_queue() -> None:
    st.session_state[state.REVIEW_QUEUE_REVISION] = ""


def page_rows(ids: Sequence[str]) -> pd.DataFrame:
    """The current state of these rows, in this order, with their review reason."""
    if not ids:
        return pd.DataFrame()
    frame = resources.current_transactions(TransactionFilter(ids=list(ids)))
    frame = frame.reindex([i for i in ids if i in frame.index])
    return frame.assign(why=review_reasons(frame))


def source_labels(sources: pd.Series) -> list[str]:
    # Series.map skips missing values on pandas 3 string columns, so label row by row.
    return [source_label(value if isinstance(value, str) else None) for value in sources]


def original_labels(rows: pd.DataFrame) -> list[str | None]:
    """ "-8.00 GBP" for foreign spend (what was paid in the shop's currency), None otherwise."""
    if "original_amount" not in rows:
        return [None] * len(rows)
    return [
        f"{'-' if sign_of(amount) < 0 else ''}{grouped(amount, code)} {code}"
        if isinstance(code, str) and amount is not None
        else None
        for amount, code in zip(rows["original_amount"], rows["original_currency"], strict=True)
    ]


def merchant_labels(rows: pd.DataFrame) -> list[str]:
    """The file's clean payee name where it gives one, else the name read from the raw text."""
    payees = rows["payee"] if "payee" in rows else pd.Series([None] * len(rows), dtype=object)
    return [
        payee if isinstance(payee, str) and payee.strip() else merchant_name(text)
        for payee, text in zip(payees, rows["description"], strict=True)
    ]


def editor_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """What the grid shows for one page of rows, indexed by transaction id."""
    return pd.DataFrame(
        {
            "date": rows["date"].dt.date,
            "account": rows["account"].astype(str),
            "description": rows["description"].astype(str),
            "merchant": merchant_labels(rows),
            "amount": rows["amount"].astype(object),  # exact Decimals
            "currency": rows["currency"].astype(str),
            "category": rows["category"].astype(object),
            "source": source_labels(rows["category_source"]),
            "confidence": pd.to_numeric(rows["confidence"], errors="coerce"),
            "why": rows["why"].astype(str),
            "how": provenance(rows),
            "original": original_labels(rows),
        },
        index=pd.Index(rows.index.astype(str), name="id"),
    )[list(EDITOR_COLUMNS)]


def editor_key() -> str:
    return state.editor_key(int(st.session_state.get(state.REVIEW_EDITOR_VERSION, 0)))


def bump_editor() -> None:
    """Start the grid afresh from the store (pending edits are already saved)."""
    st.session_state[state.REVIEW_EDITOR_VERSION] = (
        int(st.session_state.get(state.REVIEW_EDITOR_VERSION, 0)) + 1
    )


def save_edits() -> None:
    """`on_change` of the grid: save every category change to the store, as the user's own."""
    edits = (st.session_state.get(editor_key()) or {}).get("edited_rows") or {}
    page_ids: Sequence[str] = st.session_state.get(state.REVIEW_PAGE_IDS) or ()
    by_category: dict[str, list[str]] = defaultdict(list)
    for position, change in edits.items():
        category = change.get("category")
        index = int(position)
        if category and 0 <= index < len(page_ids):
            by_category[str(category)].append(page_ids[index])
    if not by_category:
        return
    store = resources.store()
    saved: list[str] = []
    problems: list[str] = []
    for category, ids in by_category.items():
        try:
            decisions.correct(store, ids, category)
            saved.extend(ids)
        except decisions.DecisionError as error:
            problems.append(str(error))
    bump_editor()
    st.session_state[state.REVIEW_FOLLOWUP] = None
    if saved and len(by_category) == 1:
        offer_merchant_followup(saved[-1], next(iter(by_category)))
    message = f"Saved {plural(len(saved), 'change')}: set by you, kept by every later run."
    if problems:
        message += " Not saved: " + "; ".join(md(p) for p in problems)
    st.session_state[state.REVIEW_MESSAGE] = message


def save_pending_edits() -> None:
    """Save edits the grid holds that no callback has saved yet.

    In the browser the grid's `on_change` saves every edit before the script runs, so this
    finds nothing. Edits that arrive without a callback (a restored session, or a test that
    seeds the editor state) are saved here, before the rows are read for display.
    """
    pending = st.session_state.get(editor_key()) or {}
    if pending.get("edited_rows"):
        save_edits()


def offer_merchant_followup(transaction_id: str, category: str) -> None:
    """After a correction: if the merchant has other rows, offer to fix them all or make a rule."""
    store = resources.store()
    key, direction, count = decisions.merchant_scope(store, transaction_id)
    if not key:
        return
    rule_changes = decisions.preview_rule(store, key, direction, category)
    found = resources.transaction(transaction_id)
    label = merchant_name(found.description) if found else key
    st.session_state[state.REVIEW_FOLLOWUP] = {
        "transaction_id": transaction_id,
        "category": category,
        "merchant_key": key,
        "merchant": label,
        "direction": direction,
        "count": count,
        "rule_changes": rule_changes,
    }


def mark_reviewed(ids: Sequence[str]) -> None:
    outcome = decisions.accept_categorized(resources.store(), list(ids))
    bump_editor()
    refresh_queue()
    left = (
        f" {plural(outcome.uncategorized, 'row')} with no category stay in the list: pick one for them."
        if outcome.uncategorized
        else ""
    )
    st.session_state[state.REVIEW_MESSAGE] = (
        f"Marked {plural(outcome.accepted, 'transaction')} as reviewed.{left}"
    )


def _on_mark_page() -> None:
    mark_reviewed(st.session_state.get(state.REVIEW_PAGE_IDS) or ())


def _on_mark_all() -> None:
    mark_reviewed(queue_ids(ReviewQuery.from_session()))


def _amount_format(shown: pd.DataFrame) -> str:
    """One printf format per grid: the most decimals any shown currency has (JPY alone: none)."""
    currencies: list[str] = (
        list(shown["currency"].dropna().astype(str).unique()) if "currency" in shown else []
    )
    decimals = max((exponent_of(code) for code in currencies), default=2)
    return f"%.{decimals}f"


def render_table(ids: Sequence[str], category_options: Sequence[str], page: int) -> None:
    """One page of the grid, plus the bulk "mark reviewed" buttons."""
    start = (page - 1) * PAGE_SIZE
    shown = page_rows(ids[start : start + PAGE_SIZE])
    st.session_state[state.REVIEW_PAGE_IDS] = [str(i) for i in shown.index]
    st.data_editor(
        editor_frame(shown),
        key=editor_key(),
        on_change=save_edits,
        hide_index=True,
        num_rows="fixed",
        width="stretch",
        height=min(38 + 35 * max(len(shown), 1), 720),
        disabled=[c for c in EDITOR_COLUMNS if c != "category"],
        column_order=EDITOR_COLUMNS,
        placeholder="—",
        column_config={
            "date": st.column_config.DateColumn("Date", format="YYYY-MM-DD", width=88),
            "account": st.column_config.TextColumn("Account", width=130),
            "description": st.column_config.TextColumn(
                "On your statement", help="The bank's own text, kept as it was", width=330
            ),
            "merchant": st.column_config.TextColumn(
                "Merchant", help="The payee your file names, else the name read from its text", width=100
            ),
            "amount": st.column_config.NumberColumn(
                "Amount",
                format=_amount_format(shown),
                help="Money out is negative (its currency is beside the statement text)",
                width=76,
            ),
            "currency": st.column_config.TextColumn("", width=45),
            "category": st.column_config.SelectboxColumn(
                "Category ✏️",
                options=list(category_options),
                required=True,
                help="Pick a category: it is saved at once and no model run will change it.",
                width=125,
            ),
            "source": st.column_config.TextColumn(
                "Set by",
                help="you, your rule, your history, learned from your categories, the model, "
                "the cache of earlier answers, or a built-in rule",
                width=75,
            ),
            "confidence": st.column_config.ProgressColumn(
                "Confidence", min_value=0.0, max_value=1.0, format="percent", width=95
            ),
            "why": st.column_config.TextColumn("Needs review because", width=140),
            "how": st.column_config.TextColumn(
                "How it was decided",
                help="The rule, your history, what was learned from your categories (with the "
                "merchants it learned from), or the model; and any source that disagreed",
                width="medium",
            ),
            "original": st.column_config.TextColumn(
                "Original", help="Foreign spend: the amount in the shop's currency", width=100
            ),
        },
    )
    left, right = st.columns(2)
    if len(shown) < len(ids):  # one page: "accept all shown" says it all
        left.button(
            f"Mark these {len(shown):,} as reviewed",
            key=state.REVIEW_MARK_BUTTON,
            on_click=_on_mark_page,
            disabled=shown.empty,
            help="Accept the categories shown on this page as they are.",
        )
    right.button(
        f"Accept all {len(ids):,} shown",
        key=state.REVIEW_MARK_ALL_BUTTON,
        on_click=_on_mark_all,
        disabled=not ids,
        help="Accept the categories of every row these filters list, on all pages; "
        "each counts as your confirmation and teaches the learned model.",
    )
