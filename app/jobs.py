"""Background categorization runs, shared by every dashboard session of one data dir.

A Streamlit script run is interrupted by any click, so a long categorization cannot live
inside one. Instead each data dir has one `CategorizationJob`: a worker thread running
`app.categorize.pipeline.categorize_pending` with a cancel `Event`, publishing a progress
snapshot that pages poll. The pipeline writes each batch to the store as it lands, so a
cancelled or crashed run is resumed by simply starting again.

Plain Python: no Streamlit here (the UI only reads `snapshot()`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from app.categorize.pipeline import CategorizeReport, Progress, categorize_pending
from app.settings import Settings
from app.store import Store

JobState = Literal["idle", "running", "finished", "cancelled", "failed"]
ProgressListener = Callable[[Progress], None]


@dataclass(frozen=True)
class JobSnapshot:
    """What a page needs to draw a run: immutable, safe to read from any thread."""

    state: JobState
    run_id: int  # 0 until the first start; +1 per start
    progress: Progress | None = None
    report: CategorizeReport | None = None
    error: str | None = None
    started_at: float | None = None  # time.time()
    finished_at: float | None = None
    cancel_requested: bool = False

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def elapsed_s(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.finished_at or time.time()) - self.started_at

    @property
    def fraction_done(self) -> float | None:
        """Share of model batches done, when the run has any; None before the model step."""
        if self.progress is None or self.progress.batches_total == 0:
            return None
        return min(1.0, self.progress.batches_done / self.progress.batches_total)


class CategorizationJob:
    """At most one run at a time for one data dir."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self._snapshot = JobSnapshot(state="idle", run_id=0)

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            return self._snapshot

    def start(self, store: Store, settings: Settings, *, on_progress: ProgressListener | None = None) -> bool:
        """Start a run in the background; False (and nothing happens) if one is already running.

        `on_progress` is called from the worker thread after each progress snapshot is published.
        """
        with self._lock:
            if self._snapshot.running:
                return False
            self._cancel = threading.Event()
            run_id = self._snapshot.run_id + 1
            self._snapshot = JobSnapshot(state="running", run_id=run_id, started_at=time.time())
            self._thread = threading.Thread(
                target=self._work,
                args=(run_id, store, settings, self._cancel, on_progress),
                name=f"privfin-categorize-{run_id}",
                daemon=True,
            )
            self._thread.start()
        return True

    def cancel(self) -> bool:
        """Ask the running job to stop after the batches in flight; False if nothing is running."""
        with self._lock:
            if not self._snapshot.running:
                return False
            self._cancel.set()
            self._snapshot = replace(self._snapshot, cancel_requested=True)
        return True

    def wait(self, timeout: float | None = None) -> JobSnapshot:
        """Block until the current run ends (or `timeout` seconds pass); for tests and the CLI."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.snapshot()

    # -- worker thread ------------------------------------------------------------------------

    def _publish(self, run_id: int, change: Callable[[JobSnapshot], JobSnapshot]) -> None:
        with self._lock:
            if self._snapshot.run_id == run_id:
                self._snapshot = change(self._snapshot)

    def _work(
        self,
        run_id: int,
        store: Store,
        settings: Settings,
        cancel: threading.Event,
        on_progress: ProgressListener | None,
    ) -> None:
        def progress(snapshot: Progress) -> None:
            self._publish(run_id, lambda current: replace(current, progress=snapshot))
            if on_progress is not None:
                on_progress(snapshot)

        try:
            report = categorize_pending(store, settings, cancel=cancel, progress=progress)
        except Exception as error:  # shown on the page; the worker must never die silently
            message = f"{type(error).__name__}: {error}"
            self._publish(
                run_id,
                lambda current: replace(current, state="failed", error=message, finished_at=time.time()),
            )
            return
        final: JobState = "cancelled" if report.cancelled else "finished"
        self._publish(
            run_id, lambda current: replace(current, state=final, report=report, finished_at=time.time())
        )


_registry: dict[Path, CategorizationJob] = {}
_registry_lock = threading.Lock()


def job_for(data_dir: Path) -> CategorizationJob:
    """The one job of this data dir, shared by every session of this process."""
    key = Path(data_dir).expanduser().resolve()
    with _registry_lock:
        job = _registry.get(key)
        if job is None:
            job = _registry[key] = CategorizationJob(key)
        return job
