"""Shared objects for every session: settings and the store, plus cached reads of the ledger.

Only the `Store` object is cached (it opens a short-lived connection per operation, so it
is safe across script threads); a sqlite3 connection never is. Frames are cached on the
store's revision plus the filter, so any write invalidates them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from app.datadir import DataDirError
from app.insights_queries import insights_frame
from app.ledger_summary import LedgerSummary
from app.ledger_summary import ledger_summary as summarize_ledger
from app.models import Transaction
from app.settings import Settings, SettingsError, load_settings
from app.store import Rule, Store, TransactionFilter
from app.transfer_ledger import TransferPair, transfer_pairs


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


def store_key() -> str:
    """The store's file as a plain string: the first key of every `st.cache_data` read of it."""
    return str(store().path)


# Trivial reads, wrapped here so no other component touches the store handle
# (tests/unit/test_layering.py); anything that carries a rule is an `app/` function instead.


def transaction_count() -> int:
    return store().count_transactions()


def account_names() -> list[str]:
    return store().accounts()


def rules() -> list[Rule]:
    return store().rules()


def category_counts() -> dict[str, int]:
    return store().category_counts()


def uncategorized_count() -> int:
    return len(store().uncategorized_ids())


def transaction(transaction_id: str) -> Transaction | None:
    found = store().get_transactions([transaction_id])
    return found[0] if found else None


def current_transactions(flt: TransactionFilter) -> pd.DataFrame:
    """`transactions(flt)` read afresh, uncached: for a page of rows that must show their latest state."""
    return store().transactions_frame(flt)


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


def structure_version() -> str:
    """Moves when transactions are added or removed or an account is renamed (here, from the CLI,
    or by deleting everything): what the ledger summary and a pinned Review list depend on."""
    return store().structure_revision()


def data_version() -> str:
    """A cache key that moves with every change to the ledger, from any session, the job or the CLI.

    The store's revision moves with every committed write and carries on across "Delete all my
    data", so no write needs announcing here.
    """
    return store().revision()


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


@st.cache_data(max_entries=8, show_spinner=False)
def _summary(db_path: str, version: str) -> LedgerSummary:
    return summarize_ledger(_store_for(db_path))


def ledger_summary() -> LedgerSummary:
    """Count, accounts, date range and months of the ledger (recomputed only when rows come or go)."""
    return _summary(str(store().path), structure_version())


@st.cache_data(max_entries=8, show_spinner=False)
def _present_categories(db_path: str, version: str) -> list[str]:
    return sorted(_store_for(db_path).category_counts())


def present_categories() -> list[str]:
    """Categories that hold at least one transaction (Uncategorized included when some do);
    a GROUP BY over the whole table, so kept until the ledger changes rather than run per rerun."""
    return _present_categories(str(store().path), data_version())


@st.cache_data(max_entries=8, show_spinner=False)
def _confirmed_pairs(db_path: str, version: str) -> frozenset[tuple[str, str]]:
    return frozenset(_store_for(db_path).confirmed_merchant_categories())


def confirmed_pairs() -> frozenset[tuple[str, str]]:
    """(merchant key, category) pairs the user confirmed anywhere: what the review rule judges a
    page of rows against. A scan of every row, so kept until the ledger changes (a Review rerun
    spent ~0.5 s of its 0.7 s at 100k rows on it)."""
    return _confirmed_pairs(str(store().path), data_version())


@st.cache_data(max_entries=8, show_spinner=False)
def _transfer_pairs(db_path: str, version: str, limit: int) -> list[TransferPair]:
    return transfer_pairs(_store_for(db_path), limit=limit)


def matched_transfers(limit: int) -> list[TransferPair]:
    """The newest matched transfer pairs (the query scans every row; kept until the ledger changes)."""
    return _transfer_pairs(str(store().path), data_version(), limit)
