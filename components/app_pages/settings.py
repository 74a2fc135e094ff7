"""Settings: the model endpoint, the categories, the home currency, and privacy (what is sent, the log,
your data)."""

from __future__ import annotations

import streamlit as st

from app import insights
from components import resources
from components.accounts_panel import render_accounts_panel
from components.cache_panel import render_cache_panel
from components.currency_choice import render_home_currency_setting
from components.endpoint_panel import render_endpoint_panel
from components.privacy_panel import render_privacy_panel
from components.rates_panel import render_rates_panel
from components.taxonomy_panel import render_taxonomy_panel


def render() -> None:
    st.title("Settings")
    endpoint, categories, importing, privacy = st.tabs(
        ["Model endpoint", "Categories", "Import", "Privacy & data"]
    )
    with endpoint:
        render_endpoint_panel()
        st.divider()
        render_cache_panel()
    with categories:
        render_taxonomy_panel()
    with importing:
        render_home_currency_setting()
        render_rates_panel(insights.currencies(resources.transactions()))
        st.divider()
        render_accounts_panel()
    with privacy:
        render_privacy_panel()


render()
