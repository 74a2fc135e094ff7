"""Settings → Model endpoint: the answers privfin remembers from each model, and forgetting them."""

from __future__ import annotations

import streamlit as st

from app.categorize.answer_cache import clear_answers, remembered_answers
from components import resources, state
from components.formatting import md, plural

EVERY_MODEL = "Every model"


def _on_clear() -> None:
    choice = st.session_state.get(state.CACHE_CLEAR_MODEL)
    model = None if choice in (None, EVERY_MODEL) else str(choice)
    message = clear_answers(resources.store(), model).message()
    st.session_state[state.CACHE_CLEAR_DONE] = message[:1].upper() + message[1:] + "."


def render_cache_panel() -> None:
    st.subheader("Remembered answers")
    st.caption(
        "Each valid answer a model gives is remembered, so running the same statements again sends "
        "nothing. Forget them to have the model asked again, for example after a model answered badly. "
        "Categories already in your ledger stay as they are."
    )
    models = remembered_answers(resources.store())
    if models:
        st.text("\n".join(f"{model}: {plural(count, 'answer')}" for model, count in models.items()))
    else:
        st.caption("No answers are remembered yet.")
    st.selectbox(
        "Forget the answers of",
        [EVERY_MODEL, *models],
        key=state.CACHE_CLEAR_MODEL,
        disabled=not models,
    )
    st.button(
        "Forget remembered answers",
        key=state.CACHE_CLEAR_BUTTON,
        on_click=_on_clear,
        disabled=not models,
    )
    done = st.session_state.get(state.CACHE_CLEAR_DONE)
    if done:
        st.success(md(done))
