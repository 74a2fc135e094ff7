"""The sidebar every page shares: what is in the ledger, who categorizes, where the data lives."""

from __future__ import annotations

import streamlit as st

from app.categorize.llm import safe_url
from components import resources
from components.formatting import md, plural


def categorizer_line() -> str:
    """One honest line about where categorization happens."""
    settings = resources.settings()
    if settings.offline:
        return "🔒 Offline: built-in rules only, nothing is sent anywhere."
    return f"🖧 Model endpoint: {md(safe_url(settings.endpoint_url))}"


def render_sidebar() -> None:
    store = resources.store()
    with st.sidebar:
        count = store.count_transactions()
        if count:
            accounts = store.accounts()
            st.markdown(f"**{plural(count, 'transaction')}** in {plural(len(accounts), 'account')}")
        else:
            st.markdown("**No transactions yet.** Start on the Import page.")
        st.caption(categorizer_line())
        st.caption(f"📁 Your data stays on this machine, in {md(resources.settings().data_dir)}")
