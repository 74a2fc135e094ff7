"""The categorization status box: progress while running, Cancel, then Resume, across reruns."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

from app.jobs import job_for
from app.models import CategorySource, RowSource, Transaction
from app.settings import Settings
from app.store import CategoryUpdate, ImportRecord, Store
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


def test_the_finished_line_counts_what_still_waits_after_a_manual_fix(
    open_page, categorized, store: Store
) -> None:
    # Merchants no built-in rule knows: offline, they wait for a model or the user.
    unknown = [
        Transaction(
            id=f"unknown{n}",
            account="Card",
            date=dt.date(2024, 3, n),
            description=f"QZX VENDOR {n} KRT",
            amount=Decimal(f"-{n}.25"),
            currency="USD",
            source=RowSource(file_sha256="d" * 64, row=n),
        )
        for n in range(1, 6)
    ]
    store.commit_import(ImportRecord("d" * 64, "d.csv", "test", "Card", len(unknown)), unknown)
    categorized()
    at = open_page("import_page")
    waiting = len(store.uncategorized_ids())
    assert waiting >= 2, "the offline rules leave some rows to a model or the user"
    (label,) = [s.label for s in at.status if s.label.startswith("Categorization finished")]
    assert label.endswith(f", {waiting:,} need a model or you")

    fixed = store.uncategorized_ids()[:2]
    store.apply_category_updates(CategoryUpdate(i, "Shopping", CategorySource.USER, 1.0) for i in fixed)
    at.run()
    (label,) = [s.label for s in at.status if s.label.startswith("Categorization finished")]
    assert label.endswith(f", {waiting - 2:,} need a model or you")
    assert any("2 transactions categorized since" in t for t in texts(at.info))
