"""The categorization status box: start, watch, cancel and resume the background run.

The run itself lives in `app.jobs` (a worker thread per data dir), so it survives clicks,
reruns and page switches; this panel only polls its snapshot from a fragment that reruns
every second while the job is running.
"""

from __future__ import annotations

from typing import Literal

import streamlit as st

from app.categorize.pipeline import CategorizeReport
from app.jobs import CategorizationJob, JobSnapshot, job_for
from components import navigation, resources, state
from components.formatting import md, plural, source_label

POLL_SECONDS = 1.0


def job() -> CategorizationJob:
    return job_for(resources.settings().data_dir)


def start_categorization() -> bool:
    """Start a run with the current settings; False when one is already running."""
    return job().start(resources.store(), resources.settings())


def _on_start() -> None:
    start_categorization()


def _on_cancel() -> None:
    job().cancel()


def _progress_line(snap: JobSnapshot) -> str:
    progress = snap.progress
    if progress is None:
        return "Starting…"
    parts = []
    if progress.batches_total:
        parts.append(f"batches {progress.batches_done} / {progress.batches_total}")
    parts.append(f"requests sent {progress.requests_sent}")
    parts.append(f"cache hits {progress.cache_hits}")
    return " · ".join(parts)


def _render_running(snap: JobSnapshot) -> None:
    phase = snap.progress.phase if snap.progress else "starting"
    with st.status(f"Categorizing: {phase}…", state="running", expanded=True):
        fraction = snap.fraction_done
        st.progress(fraction if fraction is not None else 0.0, text=_progress_line(snap))
        st.caption(
            "This runs in the background: you can keep working or switch pages. Every batch is saved "
            "as soon as it is answered, so cancelling keeps what is done."
        )
        st.button(
            "Cancelling…" if snap.cancel_requested else "Cancel",
            key=state.JOB_CANCEL_BUTTON,
            on_click=_on_cancel,
            disabled=snap.cancel_requested,
        )


def _render_report(snap: JobSnapshot, pending: int) -> None:
    report = snap.report
    elapsed = f" in {snap.elapsed_s:.1f} s" if snap.elapsed_s is not None else ""
    box_state: Literal["complete", "error"]
    if snap.state == "failed":
        label, box_state = f"Categorization stopped with an error{elapsed}", "error"
    elif snap.state == "cancelled":
        label, box_state = f"Categorization cancelled{elapsed}: what was done is saved", "error"
    else:
        label, box_state = f"Categorization finished{elapsed}", "complete"
    if report is not None and snap.state != "failed":
        decided = sum(report.by_source.values())
        label += f": {decided:,} categorized"
        # The report is what the run left; corrections made since then (on Review) count too,
        # so the line says how many are still waiting now, not how many were when it ended.
        still = min(report.needs_attention, pending)
        if still:
            label += f", {still:,} need a model or you"
        elif report.needs_attention:
            label += ", and the rest have since been categorized"
    with st.status(label, state=box_state, expanded=snap.state != "finished"):
        if snap.error:
            st.error(md(snap.error))
        if report is not None:
            done = ", ".join(
                f"{count:,} by {source_label(source)}" for source, count in report.by_source.most_common()
            )
            st.markdown(
                f"**{plural(report.transactions, 'transaction')} considered.** {done or 'None decided.'}"
            )
            st.caption(
                f"{report.requests_sent} request(s) sent · {report.cache_hits} merchant(s) from the cache · "
                f"{report.merchants_asked} merchant(s) asked · {report.batches} batch(es)"
            )
            if report.endpoint is not None:
                st.text(f"Endpoint: {report.endpoint.summary()}")
            if report.stopped:
                st.warning(f"The model step stopped early: {md(report.stopped)}")
            problems = [
                f"- {plural(groups, 'merchant')} failed: {md(problem)}"
                for problem, groups in report.failures.most_common()
            ]
            if problems:
                st.warning("\n".join(problems))
            left = [
                f"- {plural(rows, 'transaction')} still uncategorized: {md(reason)}"
                for reason, rows in report.uncategorized.most_common()
            ]
            if report.low_confidence_guesses:
                left.append(
                    f"- {plural(report.low_confidence_guesses, 'transaction')} kept a low-confidence built-in "
                    "guess: check them on Review"
                )
            if left and pending < report.needs_attention:
                fixed = report.needs_attention - pending
                left.insert(0, f"When the run ended ({plural(fixed, 'transaction')} categorized since):")
            if left:
                st.info("\n".join(left))
    if report is not None and min(report.needs_attention, pending) and _model_was_unavailable(report):
        render_connect_hint(report.endpoint.reason if report.endpoint else None)
    _render_start(pending, resume=snap.state in ("cancelled", "failed"))


def _model_was_unavailable(report: CategorizeReport) -> bool:
    endpoint = report.endpoint
    return endpoint is None or endpoint.offline or not endpoint.ready


def render_connect_hint(reason: str | None) -> None:
    """Say plainly that only the built-in rules ran, and how to connect a model."""
    settings = resources.settings()
    if settings.offline:
        why = "Offline mode is on, so only the built-in rules ran."
    else:
        why = f"No model could be used ({md(reason or 'the endpoint is not ready')}), so only the built-in rules ran."
    st.info(
        f"{why} Everything else works as usual; the rest waits for a model or for you on Review. "
        "To connect a Parallax cluster, run `parallax run --host 0.0.0.0 -u` on the scheduler machine, "
        "then set the endpoint to `http://<scheduler>:3001/v1` in Settings and press Test connection."
    )
    navigation.link(navigation.SETTINGS, "Open Settings", icon="⚙️")


def _render_start(pending: int, *, resume: bool) -> None:
    if pending == 0 and not resume:
        return
    settings = resources.settings()
    left, right = st.columns([1, 3], vertical_alignment="center")
    left.button(
        "Resume" if resume else "Categorize now",
        key=state.JOB_START_BUTTON,
        on_click=_on_start,
        type="primary",
    )
    if pending:
        verb = "has" if pending == 1 else "have"
        note = f"{plural(pending, 'transaction')} {verb} no category yet."
        if settings.offline:
            note += " Offline mode is on, so only built-in rules run: connect a model in Settings."
        right.caption(note)


def render_job_panel() -> None:
    """The status box; polls while a run is active and refreshes the whole page when it ends."""
    running = job().snapshot().running

    @st.fragment(run_every=POLL_SECONDS if running else None)
    def panel() -> None:
        snap = job().snapshot()
        if snap.running != running:
            # A run started or ended since the page was drawn: rerun the whole page, so its
            # counts and tables update and this fragment polls only while a run is active.
            st.rerun()
        if snap.running:
            _render_running(snap)
            return
        pending = resources.uncategorized_count()
        if snap.run_id == 0:
            _render_start(pending, resume=False)
        else:
            _render_report(snap, pending)

    panel()
