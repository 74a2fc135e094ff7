"""The background categorization runner, against the real offline pipeline and a real store."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from decimal import Decimal

import pytest

from app.ids import identity_key, occurrence_ids
from app.jobs import CategorizationJob, job_for
from app.models import RowSource, Transaction
from app.settings import Settings
from app.store import ImportRecord, Store

WAIT_S = 30

ROWS = [
    ("2024-03-01", "STARBUCKS STORE 1234 SEATTLE WA", "-5.75"),
    ("2024-03-02", "SHELL OIL 57444 HOUSTON TX", "-41.10"),
    ("2024-03-03", "NETFLIX.COM", "-15.49"),
    ("2024-03-04", "ACME PAYROLL DIRECT DEP", "2500.00"),
    ("2024-03-05", "ZQXW LOCAL SHOP 77", "-12.00"),
]


def _seed(store: Store) -> list[str]:
    keys = [
        identity_key("Checking", dt.date.fromisoformat(d), Decimal(a), "USD", text) for d, text, a in ROWS
    ]
    ids = list(occurrence_ids(keys))
    transactions = [
        Transaction(
            id=tid,
            account="Checking",
            date=dt.date.fromisoformat(d),
            description=text,
            amount=Decimal(a),
            currency="USD",
            source=RowSource(file_sha256="f" * 64, row=n),
        )
        for n, (tid, (d, text, a)) in enumerate(zip(ids, ROWS, strict=True), start=1)
    ]
    store.commit_import(ImportRecord("f" * 64, "seed.csv", None, "Checking", len(ROWS)), transactions)
    return ids


@pytest.fixture
def offline(settings: Settings) -> Settings:
    return settings.model_copy(update={"offline": True})


def test_a_run_categorizes_in_the_background_and_publishes_its_report(
    store: Store, offline: Settings
) -> None:
    ids = _seed(store)
    job = CategorizationJob(offline.data_dir)
    assert job.snapshot().state == "idle"

    assert job.start(store, offline) is True
    final = job.wait(WAIT_S)

    assert final.state == "finished"
    assert final.run_id == 1
    assert final.error is None
    assert final.report is not None
    assert final.report.transactions == len(ids)
    # every row is accounted for: written with a source, or left uncategorized with a reason
    assert sum(final.report.by_source.values()) + final.report.low_confidence_guesses + sum(
        final.report.uncategorized.values()
    ) >= len(ids)
    assert final.report.requests_sent == 0  # offline: nothing left the machine
    assert final.progress is not None and final.progress.phase == "done"
    assert final.finished_at is not None and final.elapsed_s is not None
    frame = store.transactions_frame()
    assert frame["category_source"].notna().any() or frame["category_reason"].notna().all()


def test_a_second_start_while_running_is_a_no_op_and_cancel_stops_the_run(
    store: Store, offline: Settings
) -> None:
    _seed(store)
    job = CategorizationJob(offline.data_dir)
    first_progress = threading.Event()
    release = threading.Event()
    phases: list[str] = []

    def hold_on_first_progress(progress) -> None:
        phases.append(progress.phase)
        if not first_progress.is_set():
            first_progress.set()
            release.wait(WAIT_S)

    assert job.start(store, offline, on_progress=hold_on_first_progress) is True
    assert first_progress.wait(WAIT_S)
    running = job.snapshot()
    assert running.state == "running"
    assert running.progress is not None and running.progress.phase == phases[0]

    assert job.start(store, offline) is False  # no double start
    assert job.snapshot().run_id == 1

    assert job.cancel() is True
    assert job.snapshot().cancel_requested is True
    release.set()
    final = job.wait(WAIT_S)

    assert final.state == "cancelled"
    assert final.report is not None and final.report.cancelled is True
    assert job.cancel() is False  # nothing left to cancel


def test_start_again_resumes_after_a_cancel(store: Store, offline: Settings) -> None:
    _seed(store)
    job = CategorizationJob(offline.data_dir)
    gate = threading.Event()

    def cancel_at_once(progress) -> None:
        if not gate.is_set():
            gate.set()
            job.cancel()

    job.start(store, offline, on_progress=cancel_at_once)
    assert job.wait(WAIT_S).state == "cancelled"

    assert job.start(store, offline) is True
    resumed = job.wait(WAIT_S)
    assert resumed.state == "finished"
    assert resumed.run_id == 2
    assert resumed.cancel_requested is False


def test_a_failing_run_is_reported_not_lost(store: Store, offline: Settings) -> None:
    _seed(store)
    # The database vanishes under the job and a directory takes its place: sqlite cannot open it.
    for suffix in ("", "-wal", "-shm"):
        (store.path.parent / f"{store.path.name}{suffix}").unlink(missing_ok=True)
    store.path.mkdir()
    job = CategorizationJob(offline.data_dir)

    assert job.start(store, offline) is True
    final = job.wait(WAIT_S)

    assert final.state == "failed"
    assert final.error and "OperationalError" in final.error
    shutil.rmtree(store.path)


def test_one_job_per_data_dir(settings: Settings, tmp_path) -> None:
    assert job_for(settings.data_dir) is job_for(settings.data_dir / ".")
    assert job_for(settings.data_dir) is not job_for(tmp_path / "elsewhere")
