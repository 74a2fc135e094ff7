"""Settings: rename and merge accounts (remembered for later imports of the same statements)."""

from __future__ import annotations

import streamlit as st

from app.accounts import AccountNameError, merge_accounts, rename_account
from components import resources, state
from components.formatting import md, plural


def _done(message: str) -> None:
    st.session_state[state.ACCOUNTS_PROBLEM] = None
    state.push_toast(message)


def _on_rename() -> None:
    old = st.session_state.get(state.ACCOUNTS_RENAME_FROM)
    new = str(st.session_state.get(state.ACCOUNTS_RENAME_TO) or "")
    if not old:
        return
    try:
        moved = rename_account(resources.store(), old, new)
    except AccountNameError as problem:
        st.session_state[state.ACCOUNTS_PROBLEM] = f"Not renamed: {problem}."
        return
    st.session_state[state.ACCOUNTS_RENAME_TO] = ""
    st.session_state.pop(state.ACCOUNTS_RENAME_FROM, None)
    _done(f"Renamed {old}: {plural(moved, 'transaction')}.")


def _on_merge() -> None:
    sources = list(st.session_state.get(state.ACCOUNTS_MERGE_FROM) or [])
    target = st.session_state.get(state.ACCOUNTS_MERGE_INTO)
    if not sources or not target:
        return
    try:
        moved = merge_accounts(resources.store(), sources, target)
    except AccountNameError as problem:
        st.session_state[state.ACCOUNTS_PROBLEM] = f"Not merged: {problem}."
        return
    st.session_state.pop(state.ACCOUNTS_MERGE_FROM, None)
    st.session_state.pop(state.ACCOUNTS_MERGE_INTO, None)
    _done(f"Merged {plural(moved, 'transaction')} into {target}.")


def render_accounts_panel() -> None:
    st.subheader("Accounts")
    accounts = resources.account_names()
    if not accounts:
        st.caption("No accounts yet: they appear with your first import.")
        return
    st.caption(
        "Renames and merges are remembered: later imports of the same statements land in the new name."
    )
    left, right = st.columns(2)
    with left:
        st.selectbox("Account", accounts, index=None, key=state.ACCOUNTS_RENAME_FROM, placeholder="Choose")
        st.text_input("New name", key=state.ACCOUNTS_RENAME_TO)
        st.button("Rename", key=state.ACCOUNTS_RENAME_BUTTON, on_click=_on_rename)
    with right:
        st.multiselect("Merge these accounts", accounts, key=state.ACCOUNTS_MERGE_FROM)
        st.selectbox("into", accounts, index=None, key=state.ACCOUNTS_MERGE_INTO, placeholder="Choose")
        st.button("Merge", key=state.ACCOUNTS_MERGE_BUTTON, on_click=_on_merge)
    problem = st.session_state.get(state.ACCOUNTS_PROBLEM)
    if problem:
        st.error(md(problem))
