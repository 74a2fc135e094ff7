"""After a correction: fix the whole merchant or make a rule; and the list of rules.

An inline panel (not a dialog), driven by the `REVIEW_FOLLOWUP` flag that the save callback
sets: it stays put while the user decides and survives reruns.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.categorize import decisions
from app.categorize.merchant import display_name
from components import resources, state
from components.formatting import md, plural
from components.review_table import bump_editor, refresh_queue

DIRECTION_WORDS = {"in": "money in", "out": "money out", None: "both directions"}


def _followup() -> dict[str, Any] | None:
    value = st.session_state.get(state.REVIEW_FOLLOWUP)
    return value if isinstance(value, dict) else None


def _done(message: str) -> None:
    """After a merchant-wide write: drop stale views and the offer, then say what changed."""
    bump_editor()
    refresh_queue()
    st.session_state[state.REVIEW_FOLLOWUP] = None
    st.session_state[state.REVIEW_MESSAGE] = message


def _on_apply_all() -> None:
    offer = _followup()
    if offer is None:
        return
    changed = decisions.apply_to_merchant(
        resources.store(), offer["merchant_key"], offer["direction"], offer["category"]
    )
    spared = int(offer["count"]) - changed
    left = (
        f" {plural(spared, 'row')} you had set by hand to another category left alone." if spared > 0 else ""
    )
    _done(
        f"Set {plural(changed, 'transaction')} of **{md(offer['merchant'])}** to **{md(offer['category'])}**.{left}"
    )


def _on_create_rule() -> None:
    offer = _followup()
    if offer is None:
        return
    changed = decisions.create_rule(
        resources.store(), offer["merchant_key"], offer["direction"], offer["category"]
    )
    _done(
        f"Rule saved: **{md(offer['merchant'])}** ({DIRECTION_WORDS.get(offer['direction'])}) is always "
        f"**{md(offer['category'])}**. It changed {plural(changed, 'existing transaction')} and applies to "
        "every future import. Rows you set by hand were left alone."
    )


def _on_dismiss() -> None:
    st.session_state[state.REVIEW_FOLLOWUP] = None


def render_followup() -> None:
    offer = _followup()
    if offer is None:
        return
    merchant, category = md(offer["merchant"]), md(offer["category"])
    direction = DIRECTION_WORDS.get(offer["direction"], "")
    count = int(offer["count"])
    with st.container(border=True):
        st.markdown(f"You set **{merchant}** to **{category}**.")
        apply_col, rule_col, dismiss_col = st.columns([1.2, 1.6, 0.6])
        if count > 1:
            apply_col.button(
                f"Apply to all {count:,} transactions of this merchant",
                key=state.REVIEW_APPLY_ALL_BUTTON,
                on_click=_on_apply_all,
                type="primary",
                help=f"Sets {category} on every {direction} row of this merchant, as your own choice.",
            )
        else:
            apply_col.caption("This is the merchant's only transaction so far.")
        rule_col.button(
            "Always use this category for this merchant",
            key=state.REVIEW_CREATE_RULE_BUTTON,
            on_click=_on_create_rule,
        )
        changes = int(offer["rule_changes"])
        rule_col.caption(
            f"A rule would change {plural(changes, 'existing transaction')} now ({direction}), and categorize "
            "this merchant in every future import. Rows you set by hand are never changed."
        )
        dismiss_col.button("Not now", key=state.REVIEW_DISMISS_BUTTON, on_click=_on_dismiss)


@st.cache_data(max_entries=4, show_spinner=False)
def _rule_labels(db_path: str, version: str) -> dict[int, str]:
    return {
        rule.id: f"{display_name(rule.merchant_key)} ({DIRECTION_WORDS.get(rule.direction)}) → {rule.category}"
        for rule in resources.rules()
    }


def rule_label(rule_id: int) -> str:
    """How a rule reads in the picker (a plain function: widget options must stay picklable)."""
    labels = _rule_labels(resources.store_key(), resources.data_version())
    return labels.get(rule_id, f"rule #{rule_id}")


def _on_remove_rule() -> None:
    rule_id = st.session_state.get(state.REVIEW_RULE_CHOICE)
    if rule_id is None:
        return
    try:
        released = decisions.remove_rule(resources.store(), int(rule_id))
    except decisions.DecisionError as error:
        st.session_state[state.REVIEW_MESSAGE] = f"Not removed: {md(error)}"
        return
    bump_editor()
    refresh_queue()
    st.session_state[state.REVIEW_MESSAGE] = (
        f"Rule removed. {plural(released, 'transaction')} it had set keep their category until the next "
        "categorization run decides them again."
    )


def render_rules() -> None:
    rules = resources.rules()
    with st.expander(f"Your rules ({len(rules)})", expanded=False):
        if not rules:
            st.caption(
                "No rules yet. After you correct a transaction, choose “Always use this category for this "
                "merchant” to make one."
            )
            return
        st.dataframe(
            [
                {
                    "merchant": display_name(rule.merchant_key),
                    "direction": DIRECTION_WORDS.get(rule.direction, str(rule.direction)),
                    "category": rule.category,
                    "created (UTC)": rule.created_at,
                }
                for rule in rules
            ],
            hide_index=True,
            width="stretch",
            key="rules_table",
        )
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        left.selectbox(
            "Rule to remove",
            [rule.id for rule in rules],
            format_func=rule_label,
            key=state.REVIEW_RULE_CHOICE,
        )
        right.button("Remove rule", key=state.REVIEW_REMOVE_RULE_BUTTON, on_click=_on_remove_rule)
