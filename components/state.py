"""Every session-state key the dashboard uses, and their defaults.

Session state holds only small serialisable values (ids, flags, filter choices,
short summaries); the ledger itself lives in the store. Widget keys that must be
versioned (to clear a widget after a commit) are built by the functions below so
that tests and pages agree on their names.
"""

from __future__ import annotations

from typing import Any, Final

import streamlit as st

# -- import page ------------------------------------------------------------------------
IMPORT_VERSION: Final = "import_version"  # int; bumped after a commit to clear the uploader
LAST_IMPORT: Final = "import_last_summary"  # list of {file, inserted, duplicates, error}
IMPORT_PLAN: Final = "import_plan"  # {file sha256: {"account": str|None, "mapping": json|None}}
UPLOADER_PREFIX: Final = "import_files"
SAMPLE_BUTTON: Final = "import_try_sample"
IMPORT_BUTTON: Final = "import_commit"
IMPORTS_TABLE: Final = "imports_table"
IMPORTS_REMOVE_CHOICE: Final = "imports_remove_choice"  # the import id chosen for removal
IMPORTS_REMOVE_BUTTON: Final = "imports_remove"
IMPORTS_SAMPLE_BUTTON: Final = "imports_remove_sample"
IMPORTS_PROBLEM: Final = "imports_problem"  # why the last removal was refused, or None

# -- accounts (Settings) -------------------------------------------------------------------
ACCOUNTS_RENAME_FROM: Final = "accounts_rename_from"
ACCOUNTS_RENAME_TO: Final = "accounts_rename_to"
ACCOUNTS_RENAME_BUTTON: Final = "accounts_rename"
ACCOUNTS_MERGE_FROM: Final = "accounts_merge_from"
ACCOUNTS_MERGE_INTO: Final = "accounts_merge_into"
ACCOUNTS_MERGE_BUTTON: Final = "accounts_merge"
ACCOUNTS_PROBLEM: Final = "accounts_problem"

# -- categorization job (app/jobs.py) ----------------------------------------------------
JOB_START_BUTTON: Final = "job_start"
JOB_CANCEL_BUTTON: Final = "job_cancel"

# -- review page ---------------------------------------------------------------------------
REVIEW_EDITOR_VERSION: Final = "review_editor_version"  # int; bumped after edits are saved
REVIEW_EDITOR_PREFIX: Final = "review_editor"
REVIEW_VIEW: Final = "review_view"  # "Needs review" | "All transactions"
REVIEW_SEARCH: Final = "review_search"
REVIEW_ACCOUNTS: Final = "review_accounts"
REVIEW_CATEGORIES: Final = "review_categories"
REVIEW_SOURCES: Final = "review_sources"
REVIEW_MONTH: Final = "review_month"
REVIEW_PAGE: Final = "review_page"  # prefix of the pagination widget's key
REVIEW_FOLLOWUP: Final = "review_followup"  # {tx_id, category, merchant_key, direction, count} or None
# The store revision (str) this session's Review list was taken at, and the filters it was taken
# for ("" until then): a new session takes the current revision, so it never sees an old list.
REVIEW_QUEUE_REVISION: Final = "review_queue_revision"
REVIEW_QUEUE_FOR: Final = "review_queue_for"
# What that list held when it was taken: its row count (int), and the pages shown since, by page
# number: {"3": {"ids": [...], "last": [rank, date, id] or None}} (a few hundred ids, never all).
REVIEW_QUEUE_COUNT: Final = "review_queue_count"
REVIEW_QUEUE_PAGES: Final = "review_queue_pages"
REVIEW_REFRESH_BUTTON: Final = "review_refresh"
REVIEW_PAGE_IDS: Final = "review_page_ids"  # ids of the rows on the grid, by position
REVIEW_MARK_BUTTON: Final = "review_mark_reviewed"
REVIEW_MARK_ALL_BUTTON: Final = "review_mark_all_reviewed"
REVIEW_RULE_CHOICE: Final = "review_rule_choice"
REVIEW_REMOVE_RULE_BUTTON: Final = "review_remove_rule"
REVIEW_APPLY_ALL_BUTTON: Final = "review_apply_all"
REVIEW_CREATE_RULE_BUTTON: Final = "review_create_rule"
REVIEW_DISMISS_BUTTON: Final = "review_dismiss_followup"
REVIEW_UNPAIR_PREFIX: Final = "review_unpair"  # + the outflow's id: "Not a transfer"
REVIEW_MESSAGE: Final = "review_message"  # last confirmation shown under the table
REVIEW_COMPACT: Final = "review_compact"  # bool: the grid shows only date, merchant, amount, category

# -- recurring page --------------------------------------------------------------------------
RECURRING_DISMISS_CHOICE: Final = "recurring_dismiss_choice"  # a series key
RECURRING_DISMISS_BUTTON: Final = "recurring_dismiss"
RECURRING_RESTORE_CHOICE: Final = "recurring_restore_choice"
RECURRING_RESTORE_BUTTON: Final = "recurring_restore"

# -- shared filters (Insights and Export) -----------------------------------------------------
FILTER_DATES: Final = "filter_dates"
FILTER_ACCOUNTS: Final = "filter_accounts"
FILTER_CATEGORIES: Final = "filter_categories"
FILTER_INCLUDE_TRANSFERS: Final = "filter_include_transfers"
SETTINGS_RATE_CURRENCY: Final = "settings_rate_currency"
SETTINGS_RATE_VALUE: Final = "settings_rate_value"
SETTINGS_RATE_SAVE: Final = "settings_rate_save"
SETTINGS_RATE_REMOVE: Final = "settings_rate_remove"  # prefix, one button per saved rate
SETTINGS_RATES_MESSAGE: Final = "settings_rates_message"  # (kind, text) or None
INSIGHTS_CURRENCY: Final = "insights_currency"  # the currency Insights shows (None: the primary one)

# -- settings page -----------------------------------------------------------------------------
SETTINGS_PROBE: Final = "settings_probe"  # last "Test connection" result as a plain dict
SETTINGS_MESSAGE: Final = "settings_message"
SETTINGS_SAVE_BUTTON: Final = "settings_save"
SETTINGS_TEST_BUTTON: Final = "settings_test_connection"
SETTINGS_ENDPOINT: Final = "settings_endpoint_url"
SETTINGS_MODEL: Final = "settings_model"
SETTINGS_API_KEY: Final = "settings_api_key"
SETTINGS_FORGET_KEY: Final = "settings_forget_api_key"
SETTINGS_BATCH: Final = "settings_batch_max_items"
SETTINGS_CONCURRENCY: Final = "settings_max_concurrency"
SETTINGS_HOME_CURRENCY: Final = "settings_home_currency"
SETTINGS_HOME_SAVE: Final = "settings_home_currency_save"
SETTINGS_OFFLINE: Final = "settings_offline"
SETTINGS_SEND_AMOUNTS: Final = "settings_send_amounts"
TAXONOMY_NEW_NAME: Final = "taxonomy_new_name"
TAXONOMY_NEW_DESCRIPTION: Final = "taxonomy_new_description"
TAXONOMY_NEW_KIND: Final = "taxonomy_new_kind"
TAXONOMY_ADD_BUTTON: Final = "taxonomy_add"
TAXONOMY_RENAME_FROM: Final = "taxonomy_rename_from"
TAXONOMY_RENAME_TO: Final = "taxonomy_rename_to"
TAXONOMY_RENAME_BUTTON: Final = "taxonomy_rename"
TAXONOMY_REMOVE_NAME: Final = "taxonomy_remove_name"
TAXONOMY_REMOVE_CONFIRM: Final = "taxonomy_remove_confirm"
TAXONOMY_REMOVE_BUTTON: Final = "taxonomy_remove"
TAXONOMY_MESSAGE: Final = "taxonomy_message"
AUDIT_ENTRY: Final = "privacy_audit_entry"
DELETE_CONFIRM_TEXT: Final = "delete_confirm_text"
DELETE_SETTINGS_TOO: Final = "delete_settings_too"
DELETE_BUTTON: Final = "delete_all_data"
DELETE_DONE: Final = "delete_outcome"  # (kind, message) after a delete attempt
CACHE_CLEAR_MODEL: Final = "cache_clear_model"
CACHE_CLEAR_BUTTON: Final = "cache_clear"
CACHE_CLEAR_DONE: Final = "cache_clear_outcome"  # the message after forgetting answers

# -- anywhere ------------------------------------------------------------------------------------
TOASTS: Final = "pending_toasts"  # messages to show once after a rerun

DEFAULTS: Final[dict[str, Any]] = {
    IMPORT_VERSION: 0,
    LAST_IMPORT: None,
    IMPORT_PLAN: {},
    REVIEW_EDITOR_VERSION: 0,
    REVIEW_PAGE_IDS: [],
    REVIEW_QUEUE_REVISION: "",
    REVIEW_QUEUE_FOR: "",
    REVIEW_QUEUE_COUNT: 0,
    REVIEW_QUEUE_PAGES: {},
    REVIEW_FOLLOWUP: None,
    REVIEW_MESSAGE: None,
    SETTINGS_PROBE: None,
    SETTINGS_MESSAGE: None,
    TAXONOMY_MESSAGE: None,
    DELETE_DONE: None,
    CACHE_CLEAR_DONE: None,
    TOASTS: [],
}


def init() -> None:
    """Give every non-widget key its default without overwriting what the session already holds."""
    for key, value in DEFAULTS.items():
        if key not in st.session_state:
            st.session_state[key] = type(value)(value) if isinstance(value, list | dict) else value


def uploader_key(version: int) -> str:
    return f"{UPLOADER_PREFIX}_{version}"


def editor_key(version: int) -> str:
    return f"{REVIEW_EDITOR_PREFIX}_{version}"


def file_widget_key(file_sha256: str, field: str) -> str:
    """Per-file widgets on the import page (account name, mapping form fields)."""
    return f"import_{file_sha256[:16]}_{field}"


def push_toast(message: str) -> None:
    """Show `message` as a toast on the next run (a toast shown in a callback is lost on rerun)."""
    st.session_state[TOASTS] = [*st.session_state.get(TOASTS, []), message]
