"""Shared objects for every session: settings and the store, plus cached reads of the ledger.

Only the `Store` object is cached (it opens a short-lived connection per operation, so it
is safe across script threads); a sqlite3 connection never is. Frames are cached on the
store's revision plus the filter, so any write invalidates them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from app.datadir import DataDirError
from app.insights_queries import insights_frame
from app.settings import Settings, SettingsError, load_settings
from app.store import Store, TransactionFilter


@st.cache_resource(show_spinner=False)
def _settings_for(data_dir_env: str) -> Settings:
    return load_settings()


@st.cache_resource(show_spinner=False)
def _store_for(db_path: str) -> Store:
    return Store(Path(db_path))


def settings() -> Settings:
    """The current settings (environment, then the data dir's .env and settings.json)."""
    return _settings_for(os.environ.get("PRIVFIN_DATA_DIR", ""))


def store() -> Store:
    return _store_for(str(settings().db_path))


def startup_problem() -> str | None:
    """Why the dashboard cannot open its settings or data dir (then the pages cannot run), or None."""
    try:
        store()
    except (SettingsError, DataDirError) as error:
        return str(error)
    return None


def forget_settings() -> None:
    """Call after `save_settings` so every session sees the new values."""
    _settings_for.clear()


def forget_store() -> None:
    """Call after deleting everything: the next access recreates an empty database."""
    _store_for.clear()


FilterKey = tuple[
    tuple[str, ...], tuple[str, ...], tuple[str, ...], str | None, str | None, str, tuple[str, ...]
]


def filter_key(flt: TransactionFilter) -> FilterKey:
    """A hashable, order-insensitive form of a filter, for cache keys."""
    return (
        tuple(sorted(flt.accounts)),
        tuple(sorted(flt.categories)),
        tuple(sorted(flt.sources)),
        flt.date_from.isoformat() if flt.date_from else None,
        flt.date_to.isoformat() if flt.date_to else None,
        flt.search.strip(),
        tuple(sorted(flt.ids)),
    )


# Every write the dashboard makes bumps this counter, and `changed(structure=True)` marks the
# writes the ledger summary depends on (imports, deleting everything).
_writes = itertools.count(1)
_write_lock = threading.Lock()
_last_write = 0
_last_structural_write = 0


def changed(*, structure: bool = False) -> None:
    """Call after the dashboard writes to the store: cached frames are stale from now on.

    `structure=True` for writes that add or remove transactions or accounts (imports, deleting
    everything), which the ledger summary depends on; category edits are not structural.
    """
    global _last_write, _last_structural_write
    with _write_lock:
        _last_write = next(_writes)
        if structure:
            _last_structural_write = _last_write


def structure_version() -> str:
    """Moves when transactions are added or removed (here, from the CLI, or by deleting)."""
    return f"{store().count_transactions()}|{_last_structural_write}"


def data_version() -> str:
    """A cache key that moves with every change to the ledger, from any session, the job or the CLI.

    The store's revision moves with every committed write; the dashboard's own write
    counter is kept beside it because deleting everything recreates the database, which
    starts the revision again from zero.
    """
    return f"{store().revision()}|{_last_write}"


@st.cache_data(max_entries=24, show_spinner=False)
def _frame(db_path: str, version: str, key: FilterKey, _flt: TransactionFilter) -> pd.DataFrame:
    return _store_for(db_path).transactions_frame(_flt)


def transactions(flt: TransactionFilter | None = None) -> pd.DataFrame:
    """Transactions matching `flt`, newest first, indexed by id (cached until the ledger changes)."""
    flt = flt or TransactionFilter()
    return _frame(str(store().path), data_version(), filter_key(flt), flt)


@st.cache_data(max_entries=24, show_spinner=False)
def _insights_frame(db_path: str, version: str, key: FilterKey, _flt: TransactionFilter) -> pd.DataFrame:
    return insights_frame(_store_for(db_path), _flt)


def insights_transactions(flt: TransactionFilter | None = None) -> pd.DataFrame:
    """The narrow frame Insights reads (`app.insights_queries`): the rows `transactions(flt)`
    gives, only the columns Insights uses, no per-row Decimals (cached until the ledger changes)."""
    flt = flt or TransactionFilter()
    return _insights_frame(str(store().path), data_version(), filter_key(flt), flt)


@dataclass(frozen=True)
class LedgerSummary:
    """What filters need to know about the whole ledger, without loading it on every rerun."""

    count: int
    accounts: tuple[str, ...]
    period: tuple[dt.date, dt.date] | None
    months: tuple[str, ...]  # "YYYY-MM", newest first


@st.cache_data(max_entries=8, show_spinner=False)
def _summary(db_path: str, version: str) -> LedgerSummary:
    current = _store_for(db_path)
    frame = insights_transactions()  # the narrow read: only the count and the dates are used here
    if frame.empty:
        return LedgerSummary(0, (), None, ())
    dates = frame["date"]
    months = tuple(sorted(dates.dt.strftime("%Y-%m").unique(), reverse=True))
    return LedgerSummary(
        count=len(frame),
        accounts=tuple(current.accounts()),
        period=(dates.min().date(), dates.max().date()),
        months=months,
    )


def ledger_summary() -> LedgerSummary:
    """Count, accounts, date range and months of the ledger (recomputed only when rows come or go)."""
    return _summary(str(store().path), structure_version())


def present_categories() -> list[str]:
    """Categories that hold at least one transaction (Uncategorized included when some do)."""
    return sorted(store().category_counts())
