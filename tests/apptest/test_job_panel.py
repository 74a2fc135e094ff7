"""The categorization status box: progress while running, Cancel, then Resume, across reruns."""

from __future__ import annotations

import threading

from app.jobs import job_for
from app.settings import Settings
from app.store import Store
from components import state
from tests.apptest.conftest import JOB_WAIT_S, texts


def test_progress_cancel_and_resume(open_page, seed, store: Store, settings: Settings) -> None:
    seed("chase_credit_card.csv")
    job = job_for(settings.data_dir)
    reached = threading.Event()
    release = threading.Event()

    def hold(progress) -> None:
        if not reached.is_set():
            reached.set()
            release.wait(JOB_WAIT_S)

    offline = settings.model_copy(update={"offline": True})
    assert job.start(store, offline, on_progress=hold)
    assert reached.wait(JOB_WAIT_S)

    at = open_page("import_page")
    assert [s.label for s in at.status if s.label.startswith("Categorizing")], "a running status box"
    assert at.button(key=state.JOB_CANCEL_BUTTON).label == "Cancel"
    assert any("in the background" in t for t in texts(at.caption))
    assert any("Categorizing in the background" in t for t in texts(at.sidebar.caption))

    at.button(key=state.JOB_CANCEL_BUTTON).click().run()
    assert job.snapshot().cancel_requested
    assert at.button(key=state.JOB_CANCEL_BUTTON).label == "Cancelling…"
    release.set()
    assert job.wait(JOB_WAIT_S).state == "cancelled"

    at.run()
    assert any(s.label.startswith("Categorization cancelled") for s in at.status)
    resume = at.button(key=state.JOB_START_BUTTON)
    assert resume.label == "Resume"
    resume.click().run()
    assert not at.exception
    final = job.wait(JOB_WAIT_S)
    assert (final.run_id, final.state) == (2, "finished")
    at.run()
    assert any(s.label.startswith("Categorization finished") for s in at.status)


def test_a_second_start_from_the_page_while_running_is_ignored(
    open_page, seed, store: Store, settings: Settings
) -> None:
    seed("chase_credit_card.csv")
    job = job_for(settings.data_dir)
    reached = threading.Event()
    release = threading.Event()

    def hold(progress) -> None:
        if not reached.is_set():
            reached.set()
            release.wait(JOB_WAIT_S)

    assert job.start(store, settings.model_copy(update={"offline": True}), on_progress=hold)
    assert reached.wait(JOB_WAIT_S)
    at = open_page("review")  # Review shows the running job too
    assert at.button(key=state.JOB_CANCEL_BUTTON)
    assert not [b for b in at.button if b.key == state.JOB_START_BUTTON]
    assert job.start(store, settings) is False
    release.set()
    assert job.wait(JOB_WAIT_S).run_id == 1
