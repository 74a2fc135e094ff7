"""Streamlit entry point: page config, session state, the shared sidebar, navigation.

The pages themselves live in `components/app_pages/`; this file is only the frame
around them (docs/streamlit.md rules 3 and 4, under "Rules we adopt").
"""

from __future__ import annotations

import streamlit as st

from components import navigation, resources, state
from components.bug_notice import run_guarded
from components.formatting import md
from components.sidebar import render_sidebar


def run() -> None:
    st.set_page_config(page_title="privfin", page_icon="💸", layout="wide")
    problem = resources.startup_problem()
    if problem:
        st.error(f"privfin cannot open your data: {md(problem)}")
        st.stop()
    state.init()
    page = st.navigation(navigation.pages())
    render_sidebar()
    for message in st.session_state[state.TOASTS]:
        st.toast(message)
    st.session_state[state.TOASTS] = []
    run_guarded(page.run, where=f"the {page.title} page")


run()
