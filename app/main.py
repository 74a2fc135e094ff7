"""Streamlit entry point: page config, session state, the shared sidebar, navigation.

The pages themselves live in `components/app_pages/`; this file is only the frame
around them (see docs: Streamlit rules 3 and 4).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from components import state
from components.resources import store
from components.sidebar import render_sidebar

PAGES_DIR = Path(__file__).resolve().parent.parent / "components" / "app_pages"


def _pages(has_data: bool) -> list[st.Page]:
    return [
        st.Page(PAGES_DIR / "import_page.py", title="Import", icon="📥", url_path="import", default=not has_data),
        st.Page(PAGES_DIR / "review.py", title="Review", icon="📝", url_path="review"),
        st.Page(PAGES_DIR / "insights.py", title="Insights", icon="📊", url_path="insights", default=has_data),
        st.Page(PAGES_DIR / "export.py", title="Export", icon="📤", url_path="export"),
        st.Page(PAGES_DIR / "settings.py", title="Settings", icon="⚙️", url_path="settings"),
    ]


def run() -> None:
    st.set_page_config(page_title="privfin", page_icon="💸", layout="wide")
    state.init()
    page = st.navigation(_pages(has_data=store().count_transactions() > 0))
    render_sidebar()
    for message in st.session_state[state.TOASTS]:
        st.toast(message)
    st.session_state[state.TOASTS] = []
    page.run()


run()
