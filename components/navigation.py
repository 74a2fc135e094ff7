"""Where each page lives, so the entry point and in-page links agree."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from components import resources

PAGES_DIR = Path(__file__).resolve().parent / "app_pages"

IMPORT = PAGES_DIR / "import_page.py"
REVIEW = PAGES_DIR / "review.py"
INSIGHTS = PAGES_DIR / "insights.py"
RECURRING = PAGES_DIR / "recurring.py"
EXPORT = PAGES_DIR / "export.py"
SETTINGS = PAGES_DIR / "settings.py"


def _home() -> None:
    """The root URL: a first-time user starts on Import, a returning one on Insights."""
    st.switch_page(INSIGHTS if resources.transaction_count() > 0 else IMPORT)


def pages() -> list[st.Page]:
    """The menu. Every page keeps its own URL (/import, /review...); the root only redirects."""
    return [
        st.Page(_home, title="privfin", url_path="home", default=True, visibility="hidden"),
        st.Page(IMPORT, title="Import", icon="📥", url_path="import"),
        st.Page(REVIEW, title="Review", icon="📝", url_path="review"),
        st.Page(INSIGHTS, title="Insights", icon="📊", url_path="insights"),
        st.Page(RECURRING, title="Recurring", icon="🔁", url_path="recurring"),
        st.Page(EXPORT, title="Export", icon="📤", url_path="export"),
        st.Page(SETTINGS, title="Settings", icon="⚙️", url_path="settings"),
    ]


def link(page: Path, label: str, icon: str | None = None) -> None:
    st.page_link(page, label=label, icon=icon)


def render_empty_ledger(what: str) -> None:
    """The empty state of a page that needs transactions: say so, and where to start."""
    st.info(f"No transactions yet, so there is nothing to {what}. Import a bank CSV statement to begin.")
    link(IMPORT, "Go to Import (or try the sample data there)", icon="📥")
