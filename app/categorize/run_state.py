"""What one categorization run shares between the cascade and the model step: the store
writes, the tallies for its report, its limits and its progress snapshots."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Literal

from app.categorize.groups import Decision, MerchantGroup
from app.categorize.run_limits import RunLimits
from app.categorize.run_report import CategorizeReport, Progress, ProgressCallback
from app.settings import Settings
from app.store import CategoryUpdate, Store


class Counters:
    """Shared between worker threads (audit hooks) and the main loop."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0


class RunState:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        cancel: threading.Event,
        progress: ProgressCallback | None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.cancel = cancel
        self.progress_cb = progress
        self.report = CategorizeReport()
        self.counters = Counters()
        self.batches_done = 0
        self.batches_total = 0
        self.rows_written = 0
        self.started = time.monotonic()
        self.limits = RunLimits(
            deadline_s=settings.run_deadline_s, breaker_failures=settings.breaker_failures
        )
        self._deferred: list[tuple[MerchantGroup, Decision]] = []

    def emit(self, phase: str) -> None:
        if self.progress_cb is None:
            return
        with self.counters.lock:
            snapshot = Progress(
                phase=phase,
                batches_done=self.batches_done,
                batches_total=self.batches_total,
                requests_sent=self.counters.requests,
                cache_hits=self.report.cache_hits,
                prompt_tokens=self.counters.prompt_tokens,
                completion_tokens=self.counters.completion_tokens,
                rows_written=self.rows_written,
            )
        self.progress_cb(snapshot)

    def write(self, decided: Iterable[tuple[MerchantGroup, Decision]]) -> None:
        """One store transaction for a set of decisions (rows set by the user are never touched)."""
        updates: list[CategoryUpdate] = []
        for group, decision in decided:
            updates.extend(group.updates(decision))
        if updates:
            self.rows_written += self.store.apply_category_updates(updates)

    def defer(self, group: MerchantGroup, decision: Decision) -> None:
        """Keep a decision made without the model for `flush_local`'s one transaction."""
        self._deferred.append((group, decision))

    def flush_local(self) -> None:
        """Write the decisions made without the model (once): right after the first requests
        are on their way (the cluster need not wait for our disk), before any model answer,
        so a crash during the model step keeps them."""
        if self._deferred:
            self.write(self._deferred)
            self._deferred = []
            self.emit("decided locally")

    def settle(self, group: MerchantGroup, decision: Decision) -> None:
        """A group's final decision, counted in the report (written by the caller)."""
        group.decision = decision
        if decision.category is None:
            self.report.uncategorized[decision.reason or "no category"] += group.rows
        else:
            self.report.by_source[decision.source.value if decision.source else "none"] += group.rows

    def leave_unsettled(
        self, groups: Iterable[MerchantGroup], reason: str, then: Literal["write", "defer", "keep"] = "write"
    ) -> None:
        """Groups nothing settled keep their guess or stay uncategorized with `reason`; either
        way the next run retries them. `then` says what happens to the uncategorized rows:
        written now, deferred to `flush_local`, or kept as they are (a cancelled run). A guess
        is written with the local decisions: deferred here, or already by the caller."""
        uncategorized: list[tuple[MerchantGroup, Decision]] = []
        for group in groups:
            decision = group.fallback(reason)
            if group.guess is not None:
                self.report.low_confidence_guesses += group.rows
                if then == "defer":
                    self.defer(group, decision)
            else:
                uncategorized.append((group, decision))
            self.settle(group, decision)
        if then == "write":
            self.write(uncategorized)
        elif then == "defer":
            self._deferred.extend(uncategorized)
