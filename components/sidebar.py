"""The sidebar every page shares: what is in the ledger, who categorizes, where the data lives."""

from __future__ import annotations

import streamlit as st

from app.categorize.llm import safe_url
from app.jobs import job_for
from components import resources
from components.formatting import code, plural


def categorizer_line() -> str:
    """One honest line about where categorization happens."""
    settings = resources.settings()
    if settings.offline:
        return "🔒 Offline: built-in rules only, nothing is sent anywhere."
    return f"🔌 Model endpoint: {code(safe_url(settings.endpoint_url))}"


def render_sidebar() -> None:
    with st.sidebar:
        summary = resources.ledger_summary()
        if summary.count:
            st.markdown(
                f"**{plural(summary.count, 'transaction')}** in {plural(len(summary.accounts), 'account')}"
            )
        else:
            st.markdown("**No transactions yet.** Start on the Import page.")
        st.caption(categorizer_line())
        snap = job_for(resources.settings().data_dir).snapshot()
        if snap.running:
            progress = snap.progress
            done = (
                f": {progress.batches_done}/{progress.batches_total} batches"
                if progress and progress.batches_total
                else ""
            )
            st.caption(f"⏳ Categorizing in the background{done}")
        st.caption(f"📁 Your data stays on this machine, in {code(resources.settings().data_dir)}")
