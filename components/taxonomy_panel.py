"""Settings → Categories: the taxonomy, with add, rename and remove, saying what each does."""

from __future__ import annotations

import streamlit as st

from app.categorize.taxonomy import (
    CATEGORY_KINDS,
    CategoryKind,
    load_taxonomy,
    remove_category,
    rename_category,
    save_taxonomy,
)
from app.errors import UserFacingError
from app.models import CategorySource
from app.store import TransactionFilter
from components import resources, state
from components.bug_notice import bug_message
from components.formatting import md, plural

KIND_LABELS = {
    "spend": "spending",
    "income": "income",
    "transfer": "money movement (not spending)",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def _say(kind: str, text: str) -> None:
    st.session_state[state.TAXONOMY_MESSAGE] = (kind, text)


def _on_add() -> None:
    session = st.session_state
    name = str(session.get(state.TAXONOMY_NEW_NAME) or "").strip()
    description = str(session.get(state.TAXONOMY_NEW_DESCRIPTION) or "")
    default: CategoryKind = "spend"
    kind = next((k for k in CATEGORY_KINDS if k == session.get(state.TAXONOMY_NEW_KIND)), default)
    store = resources.store()
    try:
        taxonomy = load_taxonomy(store).with_added(name, description, kind)
    except UserFacingError as error:
        _say("error", f"Not added: {md(error)}")
        return
    except Exception as error:  # a bug, not a name the user can fix
        _say("error", md(bug_message(error, "Settings: add a category")))
        return
    save_taxonomy(store, taxonomy)
    session[state.TAXONOMY_NEW_NAME] = ""
    session[state.TAXONOMY_NEW_DESCRIPTION] = ""
    _say(
        "success",
        f"Added **{md(name)}**. It is offered to the model from the next categorization run, and you can pick it "
        "on Review now.",
    )


def _on_rename() -> None:
    session = st.session_state
    old = session.get(state.TAXONOMY_RENAME_FROM)
    new = str(session.get(state.TAXONOMY_RENAME_TO) or "").strip()
    if not old or not new:
        _say("error", "Choose a category and type its new name.")
        return
    store = resources.store()
    try:
        _taxonomy, moved = rename_category(store, load_taxonomy(store), old, new)
    except UserFacingError as error:
        _say("error", f"Not renamed: {md(error)}")
        return
    except Exception as error:
        _say("error", md(bug_message(error, "Settings: rename a category")))
        return
    session[state.TAXONOMY_RENAME_TO] = ""
    _say(
        "success",
        f"Renamed **{md(old)}** to **{md(new)}**: {plural(moved, 'transaction')} and its rules moved with it.",
    )


def _on_remove() -> None:
    session = st.session_state
    name = session.get(state.TAXONOMY_REMOVE_NAME)
    if not name or not session.get(state.TAXONOMY_REMOVE_CONFIRM):
        _say("error", "Tick the confirmation box to remove a category.")
        return
    store = resources.store()
    try:
        _taxonomy, cleared = remove_category(store, load_taxonomy(store), name)
    except UserFacingError as error:
        _say("error", f"Not removed: {md(error)}")
        return
    except Exception as error:
        _say("error", md(bug_message(error, "Settings: remove a category")))
        return
    session[state.TAXONOMY_REMOVE_CONFIRM] = False
    _say(
        "success",
        f"Removed **{md(name)}**: {plural(cleared, 'transaction')} went back to Uncategorized and will be "
        "categorized again on the next run.",
    )


def removal_consequences(name: str) -> str:
    """What removing `name` would do, in numbers, before the user confirms."""
    frame = resources.transactions(TransactionFilter(categories=[name]))
    rows = frame[frame["category"] == name]
    by_hand = int((rows["category_source"] == CategorySource.USER.value).sum())
    rules = [r for r in resources.rules() if r.category == name]
    parts = [f"{plural(len(rows), 'transaction')} in **{md(name)}** become Uncategorized"]
    if by_hand:
        parts.append(f"including {by_hand:,} you set by hand")
    text = ", ".join(parts) + ", and are categorized again on the next run."
    if rules:
        text += f" {plural(len(rules), 'rule')} that use it will be deleted."
    return text


def render_taxonomy_panel() -> None:
    store = resources.store()
    taxonomy = load_taxonomy(store)
    counts = resources.category_counts()
    st.subheader("Categories")
    st.caption(
        "The list the model chooses from and you pick from on Review. Money-movement categories "
        "(card payments, transfers) are left out of spending."
    )
    st.dataframe(
        [
            {
                "category": c.name,
                "counts as": kind_label(c.kind),
                "transactions": counts.get(c.name, 0),
                "description": c.description,
            }
            for c in taxonomy.categories
        ],
        hide_index=True,
        width="stretch",
        key="taxonomy_table",
    )
    message = st.session_state.get(state.TAXONOMY_MESSAGE)
    if message:
        kind, text = message
        (st.success if kind == "success" else st.error)(text)

    add, rename, remove = st.columns(3)
    with add, st.container(border=True):
        st.markdown("**Add a category**")
        st.text_input("Name", key=state.TAXONOMY_NEW_NAME, max_chars=60)
        st.text_input(
            "What it covers",
            key=state.TAXONOMY_NEW_DESCRIPTION,
            help="A short description: the model reads it to decide what belongs here.",
        )
        st.selectbox(
            "Counts as",
            CATEGORY_KINDS,
            format_func=kind_label,
            key=state.TAXONOMY_NEW_KIND,
        )
        st.button("Add category", key=state.TAXONOMY_ADD_BUTTON, on_click=_on_add)
    with rename, st.container(border=True):
        st.markdown("**Rename a category**")
        st.selectbox("Category", taxonomy.names, key=state.TAXONOMY_RENAME_FROM)
        st.text_input("New name", key=state.TAXONOMY_RENAME_TO, max_chars=60)
        st.caption("Its transactions, rules and remembered model answers move to the new name.")
        st.button("Rename category", key=state.TAXONOMY_RENAME_BUTTON, on_click=_on_rename)
    with remove, st.container(border=True):
        st.markdown("**Remove a category**")
        chosen = st.selectbox("Category", taxonomy.names, key=state.TAXONOMY_REMOVE_NAME)
        if chosen:
            st.caption(removal_consequences(chosen))
        st.checkbox("Yes, remove this category", key=state.TAXONOMY_REMOVE_CONFIRM)
        st.button("Remove category", key=state.TAXONOMY_REMOVE_BUTTON, on_click=_on_remove)
