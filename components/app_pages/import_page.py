"""Import: upload bank statements (CSV, OFX, QFX, QIF), check what was understood, store them, categorize."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from app import periods
from app.importer import FileImportResult, import_files
from app.imports import SAMPLE_DIR
from app.ingest import ColumnMapping
from app.ingest.formats import UPLOAD_TYPES
from app.models import SkipKind
from components import resources, state
from components.currency_choice import render_currency_choice, render_home_currency_question
from components.formatting import md, money, plural
from components.import_preview import FilePreview, file_sha256, preview_file
from components.imports_panel import render_imported_files
from components.job_panel import render_job_panel, start_categorization
from components.mapping_form import render_mapping_form

# -- committing ---------------------------------------------------------------------------------


def _summary(result: FileImportResult) -> dict[str, Any]:
    parsed = result.parsed
    return {
        "file": result.filename,
        "error": result.error,
        "inserted": result.inserted,
        "duplicates": len(result.duplicate_ids),
        "skipped": len(parsed.skipped) if parsed else 0,
        "layout": parsed.layout_name if parsed else None,
    }


def _finish_import(results: Sequence[FileImportResult]) -> None:
    st.session_state[state.LAST_IMPORT] = [_summary(r) for r in results]
    st.session_state[state.IMPORT_VERSION] = int(st.session_state.get(state.IMPORT_VERSION, 0)) + 1
    st.session_state[state.IMPORT_PLAN] = {}
    inserted = sum(r.inserted for r in results)
    if inserted:
        start_categorization()
    state.push_toast(f"Imported {plural(inserted, 'new transaction')}.")


def _on_import() -> None:
    uploaded = (
        st.session_state.get(state.uploader_key(int(st.session_state.get(state.IMPORT_VERSION, 0)))) or []
    )
    plan: dict[str, dict[str, Any]] = st.session_state.get(state.IMPORT_PLAN) or {}
    store = resources.store()
    settings = resources.settings()
    max_bytes = settings.max_upload_mb * 1024 * 1024
    results: list[FileImportResult] = []
    for upload in uploaded:
        data = upload.getvalue()
        choice = plan.get(file_sha256(data), {})
        mapping_json = choice.get("mapping")
        mappings = {upload.name: ColumnMapping.model_validate_json(mapping_json)} if mapping_json else None
        results.extend(
            import_files(
                store,
                [(upload.name, data)],
                account=choice.get("account"),
                mappings=mappings,
                max_bytes=max_bytes,
                currency=choice.get("currency"),
                home_currency=settings.home_currency,
            )
        )
    _finish_import(results)


def _on_try_sample() -> None:
    files = [(path.name, path.read_bytes()) for path in sorted(SAMPLE_DIR.glob("*.csv"))]
    # The sample statements are of banks whose profiles state their currency.
    _finish_import(import_files(resources.store(), files))


# -- one file's card ------------------------------------------------------------------------------


def _totals_line(preview: FilePreview) -> str:
    parts = []
    for currency in sorted(set(preview.money_out) | set(preview.money_in)):
        out = preview.money_out.get(currency)
        into = preview.money_in.get(currency)
        if out is not None:
            parts.append(f"out {money(out, currency)}")
        if into is not None:
            parts.append(f"in {money(into, currency, signed=True)}")
    return " · ".join(parts)


def count_line(preview: FilePreview, overlap: int) -> str:
    """ "103 transactions · 103 new · 0 already imported · 1 skipped (104 rows read)"."""
    new = max(preview.new_count - overlap, 0)
    already = len(preview.duplicate_ids) + overlap
    return (
        f"**{plural(len(preview.ids), 'transaction')}** · **{new:,}** new · **{already:,}** already imported · "
        f"**{len(preview.skipped):,}** skipped ({plural(preview.rows_read, 'row')} read)"
    )


def _render_counts(preview: FilePreview, overlap: int) -> None:
    st.markdown(count_line(preview, overlap))
    facts = []
    if preview.period:
        facts.append(f"{periods.day_text(preview.period[0])} – {periods.day_text(preview.period[1])}")
    totals = _totals_line(preview)
    if totals:
        facts.append(totals)
    if facts:
        st.caption(" · ".join(facts))


def _render_skipped(preview: FilePreview) -> None:
    if not preview.skipped:
        return
    invalid = sum(1 for s in preview.skipped if s.kind is SkipKind.INVALID)
    label = f"{plural(len(preview.skipped), 'row')} skipped"
    if invalid:
        label += f" ({invalid:,} could not be read)"
    with st.expander(label, expanded=invalid > 0):
        st.dataframe(
            pd.DataFrame(
                {
                    "line": [s.row for s in preview.skipped],
                    "why": [
                        "not a transaction" if s.kind is SkipKind.FILTERED else "could not be read"
                        for s in preview.skipped
                    ],
                    "reason": [s.reason for s in preview.skipped],
                    "line as written": [s.raw for s in preview.skipped],
                }
            ),
            hide_index=True,
            width="stretch",
        )


def _render_preview_table(preview: FilePreview) -> None:
    shown = len(preview.rows)
    st.dataframe(
        preview.rows,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * max(shown, 1), 320),
        column_config={
            "row": st.column_config.NumberColumn("Line", format="%d", width="small"),
            "date": st.column_config.DateColumn("Date", format="YYYY-MM-DD"),
            "description": st.column_config.TextColumn("Description"),
            "amount": st.column_config.NumberColumn("Amount", format="%.2f", help="Money out is negative"),
            "currency": st.column_config.TextColumn("", width="small"),
            "account": st.column_config.TextColumn("Account"),
            "status": st.column_config.TextColumn("Status", width="small"),
        },
    )
    if shown < len(preview.ids):
        st.caption(f"Showing the first {shown:,} of {len(preview.ids):,} transactions.")


def _account_choice(preview: FilePreview) -> str | None:
    """The account name the user wants for this file, or None to keep the detected one(s)."""
    key = state.file_widget_key(preview.sha256, "account")
    if len(preview.accounts) > 1:
        typed = st.text_input(
            "Account name",
            key=key,
            placeholder=f"keep the {len(preview.accounts)} accounts named in the file",
            help="Leave empty to keep each row's own account; type a name to put every row in one account.",
        )
        st.caption("Accounts in this file: " + ", ".join(md(a) for a in preview.accounts))
        return typed.strip() or None
    detected = preview.accounts[0] if preview.accounts else Path(preview.filename).stem
    typed = st.text_input(
        "Account name",
        value=detected,
        key=key,
        help="Transactions are stored under this account; re-importing the same statement later finds them "
        "again only under the same name.",
    )
    return typed.strip() if typed.strip() and typed.strip() != detected else None


def render_file_card(filename: str, data: bytes, seen_ids: set[str]) -> FilePreview:
    """One uploaded file: what was detected, a preview, and the controls to correct it."""
    detected = preview_file(filename, data)
    with st.container(border=True):
        st.markdown(f"#### 📄 {md(filename)}")
        if detected.currency_unknown and resources.settings().home_currency is None:
            render_home_currency_question(detected)
            return detected
        if not detected.ok:
            st.error(f"This file will not be imported: {md(detected.error)}")
            st.caption("The other files are not affected.")
            return detected
        layout_line = f"Layout: **{md(detected.layout_name)}**"
        st.markdown(layout_line + ("" if detected.confident else " · ⚠️ not sure this is right"))
        currency = render_currency_choice(detected)
        account = _account_choice(detected)
        preview_slot = st.container()
        mapping = None
        if detected.mapping is not None:
            with st.expander("Columns, dates and signs", expanded=not detected.confident):
                if detected.evidence:
                    st.caption(
                        "How privfin read it:\n" + "\n".join(f"- {md(line)}" for line in detected.evidence)
                    )
                mapping = render_mapping_form(detected.sha256, list(detected.columns), detected.mapping)
        preview = (
            preview_file(filename, data, account=account, mapping=mapping, currency=currency)
            if (account or mapping or currency)
            else detected
        )
        st.session_state[state.IMPORT_PLAN][detected.sha256] = {
            "account": account,
            "mapping": mapping.model_dump_json() if mapping is not None else None,
            "currency": currency,
        }
        with preview_slot:
            if not preview.ok:
                st.error(f"With these settings the file cannot be read: {md(preview.error)}")
                return preview
            if preview.uncertain_reasons:
                doubts = "\n".join(f"- {md(reason)}" for reason in preview.uncertain_reasons)
                st.warning(
                    f"privfin is not sure it read this file right:\n{doubts}\n\nCheck the preview; if it is "
                    "wrong, fix it under “Columns, dates and signs”."
                )
            for note in preview.notes:
                st.caption(md(note))
            overlap = len((set(preview.ids) - preview.duplicate_ids) & seen_ids)
            _render_counts(preview, overlap)
            if overlap:
                st.caption(f"{plural(overlap, 'row')} also appear in a file above and will be stored once.")
            _render_preview_table(preview)
            _render_skipped(preview)
        seen_ids.update(preview.ids)
        return preview


# -- the page ---------------------------------------------------------------------------------------


def render_last_import() -> None:
    summary = st.session_state.get(state.LAST_IMPORT)
    if not summary:
        return
    stored = [item for item in summary if not item["error"]]
    inserted = sum(item["inserted"] for item in stored)
    if stored:
        lines = "\n".join(
            f"- {md(item['file'])}: {plural(item['inserted'], 'new transaction')} stored, "
            f"{item['duplicates']:,} already there, {item['skipped']:,} skipped"
            for item in stored
        )
        st.success(
            f"Imported {plural(inserted, 'new transaction')} from {plural(len(stored), 'file')}:\n{lines}"
        )
    for item in summary:
        if item["error"]:
            st.error(f"{md(item['file'])} was not imported: {md(item['error'])}")


def render_sample_offer() -> None:
    with st.container(border=True):
        st.markdown("**New here?** See privfin with six months of made-up statements from six banks.")
        st.button(
            "Try with sample data",
            key=state.SAMPLE_BUTTON,
            on_click=_on_try_sample,
            type="primary",
            help="Imports the sample files that ship with privfin. Remove them any time under “Imported files” below.",
        )


def render() -> None:
    st.title("Import")
    st.caption(
        "Drop the statements your bank lets you download (CSV, or OFX, QFX and QIF: the “Quicken/Money” "
        "downloads): several at once is fine. Nothing is stored "
        "until you press Import, and re-importing an overlapping statement never creates duplicates."
    )
    empty = resources.transaction_count() == 0
    if empty and not st.session_state.get(state.LAST_IMPORT):
        render_sample_offer()
    max_mb = resources.settings().max_upload_mb
    uploaded = st.file_uploader(
        "Bank statements (CSV, OFX, QFX, QIF)",
        type=list(UPLOAD_TYPES),
        accept_multiple_files=True,
        max_upload_size=max_mb,
        key=state.uploader_key(int(st.session_state[state.IMPORT_VERSION])),
        help=f"Up to {max_mb} MB per file.",
    )
    st.session_state[state.IMPORT_PLAN] = {}
    previews: list[FilePreview] = []
    seen: set[str] = set()
    for upload in uploaded or []:
        previews.append(render_file_card(upload.name, upload.getvalue(), seen))
    if previews:
        readable = [p for p in previews if p.ok]
        new = len(seen - set().union(*(p.duplicate_ids for p in readable))) if readable else 0
        left, right = st.columns([1, 4], vertical_alignment="center")
        left.button(
            "Import", key=state.IMPORT_BUTTON, type="primary", on_click=_on_import, disabled=not readable
        )
        note = f"Stores {plural(new, 'new transaction')} from {plural(len(readable), 'file')}"
        if len(readable) < len(previews):
            note += f"; {plural(len(previews) - len(readable), 'file')} cannot be read and will be skipped"
        right.caption(note + ". Categorization starts right after, in the background.")
    render_last_import()
    if not empty or st.session_state.get(state.LAST_IMPORT):
        st.subheader("Categorization")
        render_job_panel()
    render_imported_files()


render()
