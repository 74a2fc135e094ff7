"""Settings → Privacy & data: what leaves the machine, proof of it, where data lives, deleting it."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from app.categorize.model_step import RECENT_CORRECTIONS
from app.privacy import delete_all_data, request_log, sent_previews
from app.store import TransactionFilter
from components import resources, state
from components.formatting import plural

PREVIEW_ROWS = 8
AUDIT_ROWS = 100
DELETE_WORD = "DELETE"
JOB_STOP_WAIT_S = 10.0


def _what_is_sent(send_amounts: bool, offline: bool) -> str:
    amount_line = (
        "- **a typical amount** for the merchant (the median, rounded to cents): *on*, you turned it on above"
        if send_amounts
        else "- amounts: **not sent** (you can turn this on above)"
    )
    lines = [
        "For each merchant still without a category, one line goes to **your endpoint only**:",
        "- **the merchant name** cleaned from the statement text, with card and account numbers, IBANs, "
        "social security numbers, e-mail addresses, phone numbers, street addresses, any run of six or "
        "more digits, your name on transfer lines and **the other person in a transfer** (after "
        "to/from/an/für/à/para/van/naar, a title such as Mr, Mrs, Dr, Herr, Frau, Mme, a label such "
        "as Payee:, Empfänger: or Beneficiario, a role such as babysitter or landlord, and any common "
        "first name with its surname) masked (see the preview below); look-alike letters and "
        "invisible characters are sent as the plain letters they imitate",
        "- whether it is **money in or out**",
        amount_line,
        "- a number that matches the answer to the line (1, 2, 3…), never a transaction id",
        "",
        "With them go the category list (names and descriptions, masked the same way) and up to "
        f"{RECENT_CORRECTIONS} of your recent corrections as examples (merchant name → category). "
        "**A correction that names a person is never sent**: a transfer line, or text that may be "
        "nothing but a name (“John Smith”), which no rule can tell from a merchant's, is left out of "
        "the examples rather than masked. **A transaction whose text may be nothing but a person's "
        "name is not sent either**: it waits for you in Review.",
        "",
        "Every request passes this masking once more on its way out, and the request log below shows "
        "exactly what was sent.",
        "",
        "**Never sent:** account names, dates, the exact amount of any transaction, balances, the full "
        "statement text, file names, or anything about other transactions.",
    ]
    if offline:
        lines.insert(0, "**Offline mode is on: nothing is sent at all.** When you turn it off:\n")
    return "\n".join(lines)


def redaction_preview(limit: int = PREVIEW_ROWS) -> pd.DataFrame:
    """A few of the user's own descriptions next to exactly what the model would receive for them."""
    frame = resources.transactions(TransactionFilter())
    if frame.empty:
        return pd.DataFrame(columns=["on your statement", "what the model would see"])
    # Descriptions with digits or separators show the redaction best; fill up with the rest.
    distinct = frame.drop_duplicates("description")
    interesting = distinct[distinct["description"].str.contains(r"\d{4}|@|\*|#", regex=True)]
    sample = pd.concat([interesting, distinct]).drop_duplicates("description").head(limit)
    previews = sent_previews(resources.store(), list(sample["id"]), resources.settings())
    return pd.DataFrame(
        [{"on your statement": p.description, "what the model would see": p.sent} for p in previews]
    )


def request_label(entry_id: int) -> str:
    return f"request #{entry_id}"


def render_audit_log() -> None:
    log = request_log(resources.store(), AUDIT_ROWS)
    total = log.total
    st.markdown("**What left this machine**")
    if total == 0:
        st.caption("No request has ever been sent from this data folder.")
        return
    entries = log.entries
    st.caption(
        f"{plural(total, 'request')} sent so far (newest first{', latest ' + str(AUDIT_ROWS) if total > AUDIT_ROWS else ''}). "
        "Each is logged before it is sent, with its full body."
    )
    st.dataframe(
        [
            {
                "#": e.id,
                "time (UTC)": e.ts,
                "endpoint": e.endpoint,
                "merchants": e.items,
                "outcome": e.outcome or "–",
            }
            for e in entries
        ],
        hide_index=True,
        width="stretch",
        key="audit_table",
    )
    chosen = st.selectbox(
        "Show the exact request",
        [e.id for e in entries],
        format_func=request_label,
        key=state.AUDIT_ENTRY,
    )
    entry = next((e for e in entries if e.id == chosen), None)
    if entry is None:
        return
    try:
        body = json.loads(entry.request_json)
    except ValueError:
        st.code(entry.request_json, language=None)
        return
    messages = body.get("messages") if isinstance(body, dict) else None
    if isinstance(messages, list) and messages and isinstance(messages[-1], dict):
        st.caption("The merchants in this request, exactly as sent:")
        st.code(str(messages[-1].get("content", "")), language=None, wrap_lines=True)
    with st.expander("The whole request body (instructions included)"):
        st.json(body, expanded=3)


def _on_delete() -> None:
    session = st.session_state
    if str(session.get(state.DELETE_CONFIRM_TEXT) or "").strip() != DELETE_WORD:
        session[state.DELETE_DONE] = ("error", f"Type {DELETE_WORD} in the box to confirm.")
        return
    forgot_settings = bool(session.get(state.DELETE_SETTINGS_TOO))
    deleted = delete_all_data(
        resources.store(), resources.settings(), settings_too=forgot_settings, stop_wait_s=JOB_STOP_WAIT_S
    )
    if not deleted:
        session[state.DELETE_DONE] = (
            "error",
            "A categorization run is still stopping; try again in a moment.",
        )
        return
    if forgot_settings:
        resources.forget_settings()
    st.cache_data.clear()
    session[state.DELETE_CONFIRM_TEXT] = ""
    session[state.IMPORT_VERSION] = int(session.get(state.IMPORT_VERSION, 0)) + 1
    session[state.LAST_IMPORT] = None
    session[state.REVIEW_FOLLOWUP] = None
    session[state.DELETE_DONE] = (
        "success",
        "All your data is deleted: transactions, imports, rules, categories, remembered answers and the "
        "request log." + (" Your settings are back to defaults." if forgot_settings else ""),
    )


def render_data_location() -> None:
    settings = resources.settings()
    db = settings.db_path
    size = db.stat().st_size if db.exists() else 0
    st.markdown("**Where your data lives**")
    st.text(
        f"Folder:    {settings.data_dir}\n"
        f"Ledger:    {db.name}  ({size / 1_048_576:.1f} MB, SQLite: transactions, rules, cache, request log)\n"
        f"Settings:  {settings.settings_path.name}"
        + ("" if settings.settings_path.exists() else "  (not written yet: defaults in use)")
    )
    st.caption("Set PRIVFIN_DATA_DIR to keep it somewhere else. Back it up by copying the folder.")


def render_delete() -> None:
    with st.container(border=True):
        st.markdown("**Delete all my data**")
        st.caption(
            "Removes every transaction, import record, rule, custom category, remembered model answer and "
            "the request log from this machine. It cannot be undone. Your CSV files are not touched."
        )
        st.text_input(f"Type {DELETE_WORD} to confirm", key=state.DELETE_CONFIRM_TEXT)
        st.checkbox("Also forget my settings (endpoint, model, API key)", key=state.DELETE_SETTINGS_TOO)
        st.button("Delete all my data", key=state.DELETE_BUTTON, on_click=_on_delete)
        outcome = st.session_state.get(state.DELETE_DONE)
        if outcome:
            kind, text = outcome
            (st.success if kind == "success" else st.error)(text)


def render_privacy_panel() -> None:
    settings = resources.settings()
    st.subheader("Privacy")
    st.markdown(_what_is_sent(settings.send_amounts, settings.offline))
    st.markdown("**Redaction preview, on your own transactions**")
    preview = redaction_preview()
    if preview.empty:
        st.caption("Import a statement to see exactly what would be sent for your own transactions.")
    else:
        st.dataframe(preview, hide_index=True, width="stretch", key="redaction_preview")
    render_audit_log()
    st.divider()
    st.subheader("Your data")
    render_data_location()
    render_delete()
