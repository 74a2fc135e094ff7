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
from typing import Any

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
from components.grid_widths import EDITOR_COLUMNS, grid_layout

PAGE_SIZE = 200
NEEDS_REVIEW = "Needs review"
ALL_ROWS = "All transactions"
VIEWS = (NEEDS_REVIEW, ALL_ROWS)
ALL_MONTHS = "All months"
NO_SOURCE = "none (uncategorized)"
SOURCE_CHOICES = ("you", "rule", "history", "learned", "model", "cache", "built-in", NO_SOURCE)


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


def _pin(query: ReviewQuery) -> int:
    """Take this session's list afresh for a new session, new filters, a refresh, rows imported
    or removed, or a categorization run that started or ended; keep it otherwise, so a row just
    corrected stays where it is (showing its new category) instead of jumping away. Taking it is
    one SQL count; pages are read as they are shown. Returns the list's row count."""
    snap = job_for(resources.settings().data_dir).snapshot()
    wanted = repr((query.key(), resources.structure_version(), f"{snap.run_id}:{snap.state}"))
    session = st.session_state
    if not session.get(state.REVIEW_QUEUE_REVISION) or session.get(state.REVIEW_QUEUE_FOR) != wanted:
        session[state.REVIEW_QUEUE_REVISION] = resources.data_version()
        session[state.REVIEW_QUEUE_FOR] = wanted
        session[state.REVIEW_QUEUE_COUNT] = review_queue.queue_count(resources.store(), query.selection())
        session[state.REVIEW_QUEUE_PAGES] = {}
    return int(session[state.REVIEW_QUEUE_COUNT])


def queue_count(query: ReviewQuery) -> int:
    """How many rows this session's list holds (as it was taken: see `_pin`)."""
    return _pin(query)


def queue_page(query: ReviewQuery, page: int) -> list[str]:
    """The ids on `page` (from 1) of this session's list, in order.

    A page shown before is shown again as it was. A new page continues from the last row of the
    nearest earlier page shown (as it stood then), so rows that left the list or moved since
    never make the next page skip a row, and no row appears on two pages. Another tab, or this
    one reloaded, takes a fresh list, so a row corrected elsewhere never shows as still waiting.
    """
    _pin(query)
    pages: dict[str, dict[str, Any]] = dict(st.session_state.get(state.REVIEW_QUEUE_PAGES) or {})
    shown = pages.get(str(page))
    if shown is not None:
        return [str(i) for i in shown["ids"]]
    earlier = [int(p) for p, held in pages.items() if int(p) < page and held.get("last")]
    after: review_queue.QueuePlace | None = None
    offset = (page - 1) * PAGE_SIZE
    if earlier:
        nearest = max(earlier)
        rank, date, last_id = pages[str(nearest)]["last"]
        after = review_queue.QueuePlace(str(last_id), int(rank), str(date))
        offset = (page - nearest - 1) * PAGE_SIZE
    skip = [str(i) for held in pages.values() for i in held["ids"]]
    places = review_queue.queue_page(
        resources.store(), query.selection(), limit=PAGE_SIZE, offset=offset, after=after, skip=skip
    )
    last = [places[-1].rank, places[-1].date, places[-1].id] if places else None
    pages[str(page)] = {"ids": [p.id for p in places], "last": last}
    st.session_state[state.REVIEW_QUEUE_PAGES] = pages
    return [p.id for p in places]


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
    # Every row the filters list now, on all pages (read in full only on this click).
    mark_reviewed(review_queue.queue_ids(resources.store(), ReviewQuery.from_session().selection()))


def _amount_format(shown: pd.DataFrame) -> str:
    """One printf format per grid: the most decimals any shown currency has (JPY alone: none)."""
    currencies: list[str] = (
        list(shown["currency"].dropna().astype(str).unique()) if "currency" in shown else []
    )
    decimals = max((exponent_of(code) for code in currencies), default=2)
    return f"%.{decimals}f"


MOBILE_AGENT = "Mobi"  # in every phone browser's User-Agent (Mozilla's advice for telling them apart)


def _on_a_phone() -> bool:
    agent = st.context.headers.get("User-Agent") or ""
    return MOBILE_AGENT in agent


def render_compact_toggle() -> None:
    st.toggle(
        "Compact columns",
        value=_on_a_phone(),  # the first view's choice; the user's switch is kept for the session
        key=state.REVIEW_COMPACT,
        persist_state="session",
        help="Only date, merchant, amount and category, for a phone; the rest stays one switch away.",
    )


def _column_config(
    shown: pd.DataFrame, widths: dict[str, int], category_options: Sequence[str]
) -> dict[str, Any]:
    """Each column's header, help and width (only the category is editable)."""
    return {
        "date": st.column_config.DateColumn("Date", format="YYYY-MM-DD", width=widths["date"]),
        "account": st.column_config.TextColumn("Account", width=130),
        "description": st.column_config.TextColumn(
            "On your statement",
            help="The bank's own text, kept as it was",
            width=widths.get("description"),
        ),
        "merchant": st.column_config.TextColumn(
            "Merchant",
            help="The payee your file names, else the name read from its text",
            width=widths["merchant"],
        ),
        "amount": st.column_config.NumberColumn(
            "Amount",
            format=_amount_format(shown),
            help="Money out is negative (its currency is beside it)",
            width=widths["amount"],
        ),
        "currency": st.column_config.TextColumn("", width=widths.get("currency", 44)),
        "category": st.column_config.SelectboxColumn(
            "Category ✏️",
            options=list(category_options),
            required=True,
            help="Pick a category: it is saved at once and no model run will change it.",
            width=widths["category"],
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
    }


def render_table(ids: Sequence[str], listed: int, category_options: Sequence[str]) -> None:
    """One page of the grid (`ids`, of the `listed` rows the filters list), plus the bulk
    "mark reviewed" buttons."""
    shown = page_rows(ids)
    st.session_state[state.REVIEW_PAGE_IDS] = [str(i) for i in shown.index]
    frame = editor_frame(shown)
    layout = grid_layout(frame, compact=bool(st.session_state.get(state.REVIEW_COMPACT)))
    widths = layout.widths
    st.data_editor(
        frame,
        key=editor_key(),
        on_change=save_edits,
        hide_index=True,
        num_rows="fixed",
        width="stretch",
        height=min(38 + layout.row_height * max(len(shown), 1), 720),
        row_height=layout.row_height,
        disabled=[c for c in EDITOR_COLUMNS if c != "category"],
        column_order=layout.columns,
        placeholder="—",
        column_config=_column_config(shown, widths, category_options),
    )
    left, right = st.columns(2)
    if len(shown) < listed:  # one page: "accept all shown" says it all
        left.button(
            f"Mark these {len(shown):,} as reviewed",
            key=state.REVIEW_MARK_BUTTON,
            on_click=_on_mark_page,
            disabled=shown.empty,
            help="Accept the categories shown on this page as they are.",
        )
    right.button(
        f"Accept all {listed:,} shown",
        key=state.REVIEW_MARK_ALL_BUTTON,
        on_click=_on_mark_all,
        disabled=not listed,
        help="Accept the categories of every row these filters list, on all pages; "
        "each counts as your confirmation and teaches the learned model.",
    )
