"""The "Imported files" list: what each import holds, removing one (previewed first), and the sample data."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app.imports import (
    CategorizationRunning,
    ImportedFile,
    ImportNotFound,
    change_log,
    imported_files,
    moment_text,
    range_text,
    removal_preview,
    remove_import,
    remove_sample_data,
)
from components import resources, state
from components.formatting import md, plural
from components.job_panel import job

_CHANGES_SHOWN = 5


def removal_label(item: ImportedFile) -> str:
    """The choice's text; it starts with the import's id, which `_chosen_id` reads back."""
    return f"{item.id}: {item.file} · {range_text(item)} · imported {moment_text(item.imported_at)}"


def _chosen_id() -> int | None:
    chosen = st.session_state.get(state.IMPORTS_REMOVE_CHOICE)
    return int(str(chosen).split(":", 1)[0]) if chosen else None


def _after_removal(message: str) -> None:
    st.session_state[state.IMPORTS_PROBLEM] = None
    # The last import's summary ("Imported 455 new transactions from 3 files") would go on
    # counting the rows just removed.
    st.session_state[state.LAST_IMPORT] = None
    st.session_state.pop(state.IMPORTS_REMOVE_CHOICE, None)
    state.push_toast(message)


def _on_remove() -> None:
    chosen = _chosen_id()
    if chosen is None:
        return
    try:
        outcome = remove_import(resources.store(), chosen, job=job())
    except (CategorizationRunning, ImportNotFound) as problem:
        st.session_state[state.IMPORTS_PROBLEM] = f"Not removed: {problem}."
        return
    _after_removal(f"Removed {outcome.file}: {plural(outcome.removed_rows, 'transaction')}.")


def _on_remove_sample() -> None:
    try:
        outcomes = remove_sample_data(resources.store(), job=job())
    except CategorizationRunning as problem:
        st.session_state[state.IMPORTS_PROBLEM] = f"Not removed: {problem}."
        return
    removed = sum(o.removed_rows for o in outcomes)
    _after_removal(f"Removed the sample data: {plural(removed, 'transaction')}.")


def _render_table(files: list[ImportedFile]) -> None:
    # What tells one import from another (file, account, dates, when) comes first, in widths that
    # fit a 1400 px screen; the counts and the layout follow. Left to themselves, the file and
    # account names took the whole width and pushed the dates and the import time out of sight.
    st.dataframe(
        [
            {
                "file": item.file + (" (sample)" if item.sample else ""),
                "account": item.account or "",
                "dates": range_text(item),
                "imported": moment_text(item.imported_at),
                "rows": item.rows,
                "new": item.new_rows,
                "already there": item.duplicate_rows,
                "skipped": item.skipped_rows,
                "layout": item.layout or "",
            }
            for item in files
        ],
        hide_index=True,
        width="stretch",
        key=state.IMPORTS_TABLE,
        column_config={
            "file": st.column_config.TextColumn(width=200),
            "account": st.column_config.TextColumn(width=180),
            "dates": st.column_config.TextColumn(width=180),
            "imported": st.column_config.TextColumn(width=160),
            "rows": st.column_config.NumberColumn(width=55),
            "new": st.column_config.NumberColumn(width=55),
            "already there": st.column_config.NumberColumn(width=95),
            "skipped": st.column_config.NumberColumn(width=65),
        },
    )


def _render_removal(files: list[ImportedFile]) -> None:
    labels = [removal_label(item) for item in files]
    if st.session_state.get(state.IMPORTS_REMOVE_CHOICE) not in (None, *labels):
        st.session_state.pop(state.IMPORTS_REMOVE_CHOICE)  # removed meanwhile (another tab, the CLI)
    st.selectbox(
        "Remove an import",
        options=labels,
        index=None,
        placeholder="Choose an imported file",
        key=state.IMPORTS_REMOVE_CHOICE,
    )
    chosen = _chosen_id()
    if chosen is not None:
        preview = removal_preview(resources.store(), chosen)
        text = md(preview.message())
        if preview.untracked:
            text += (
                " Imported before privfin tracked overlaps: "
                + ", ".join(md(n) for n in preview.untracked)
                + "; rows they share with this file go too."
            )
        (st.warning if preview.hand_set or preview.untracked else st.info)(text)
        st.button("Remove this import", key=state.IMPORTS_REMOVE_BUTTON, on_click=_on_remove, type="primary")
    samples = [item for item in files if item.sample]
    if samples:
        st.button(
            "Remove the sample data",
            key=state.IMPORTS_SAMPLE_BUTTON,
            on_click=_on_remove_sample,
            help=f"Removes the {plural(len(samples), 'sample file')} and their rows; your own imports stay.",
        )
    problem = st.session_state.get(state.IMPORTS_PROBLEM)
    if problem:
        st.error(md(problem))


def _change_line(entry: dict[str, object]) -> str:
    when = moment_text(dt.datetime.fromisoformat(str(entry["ts"])))
    if entry["action"] == "import removed":
        return f"{when}: removed {md(str(entry['file']))} ({plural(int(str(entry['removed_rows'])), 'row')})"
    return f"{when}: {entry['action']}: {md(str(entry.get('from')))} → {md(str(entry.get('to')))}"


def render_recent_changes() -> None:
    """The change log: removals and renames stay on record after the rows are gone."""
    entries = change_log(resources.store(), limit=_CHANGES_SHOWN)
    if entries:
        st.caption("Recent changes: " + " · ".join(_change_line(entry) for entry in entries))


def render_imported_files() -> None:
    files = imported_files(resources.store())
    if not files:
        return
    with st.expander(
        f"Imported files ({len(files)})", expanded=bool(st.session_state.get(state.IMPORTS_PROBLEM))
    ):
        _render_table(files)
        _render_removal(files)
        render_recent_changes()
