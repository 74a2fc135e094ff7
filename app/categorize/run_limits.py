"""What one categorize run may spend before it stops: a deadline, a request budget, a breaker.

A hostile or broken endpoint must not hold a run for ever. Three limits, checked before
every request (retries included) and by the run's main loop:

- the run deadline (`Settings.run_deadline_s`): once it passes no request starts, the
  requests in flight are abandoned, and what is left stays pending for the next run;
- the request budget: a small multiple of the run's planned batches, so retries and
  splits can never multiply into an unbounded number of requests;
- the circuit breaker: after `Settings.breaker_failures` consecutive failures of one kind
  (timeouts, connection failures, server errors, unreadable replies) the endpoint is
  taken to be broken and the run stops.

Whichever trips first names the reason; `halt` is the event workers wait on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.categorize.llm import LLMError
from app.lazy_import import LazyModule

if TYPE_CHECKING:
    import httpx2
    import openai
else:  # only a failed request is classified, and by then both are loaded
    httpx2 = LazyModule("httpx2")
    openai = LazyModule("openai")

REQUESTS_PER_BATCH = 3
"""A healthy run sends one request per batch; this many allows for retries and splits."""

TIMEOUTS = "timeouts"
CONNECTION_FAILURES = "connection failures"
SERVER_ERRORS = "server errors (HTTP 5xx)"
REFUSED_REQUESTS = "refused requests (HTTP 4xx)"
UNREADABLE_REPLIES = "unreadable replies"


def request_budget(planned_batches: int, max_retries: int) -> int:
    """The most requests a run of `planned_batches` may send: a few per batch, and at least
    one batch's full retries so a small run still rides out a short outage."""
    return max(REQUESTS_PER_BATCH * planned_batches, planned_batches + max_retries)


def failure_kind(error: LLMError) -> str | None:
    """The breaker's name for a failed attempt; None for what is no sign of a broken endpoint
    (a cancel, a prompt too long for the context, a busy cluster asking us to wait)."""
    if error.kind in ("cancelled", "too_long") or error.status == 429:
        return None
    cause = error.__cause__
    if isinstance(cause, openai.APITimeoutError | httpx2.TimeoutException) or "timeout" in error.message:
        return TIMEOUTS
    if isinstance(cause, openai.APIConnectionError | httpx2.HTTPError | OSError):
        return CONNECTION_FAILURES
    if error.status is not None:
        return SERVER_ERRORS if error.status >= 500 else REFUSED_REQUESTS
    return UNREADABLE_REPLIES


class RunLimits:
    """Shared by the run's main loop and its worker threads."""

    def __init__(
        self,
        *,
        deadline_s: float,
        breaker_failures: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.halt = threading.Event()
        self.deadline_s = deadline_s
        self.breaker_failures = breaker_failures
        self._clock = clock
        self._started = clock()
        self._lock = threading.Lock()
        self._stopped: str | None = None
        self._budget: int | None = None
        self._planned = 0
        self._sent = 0
        self._streak_kind: str | None = None
        self._streak = 0

    @property
    def stopped(self) -> str | None:
        with self._lock:
            return self._stopped

    def elapsed_s(self) -> float:
        return self._clock() - self._started

    def seconds_left(self) -> float:
        return self.deadline_s - self.elapsed_s()

    def set_budget(self, planned_batches: int, max_retries: int) -> None:
        with self._lock:
            self._planned = planned_batches
            self._budget = request_budget(planned_batches, max_retries)

    def stop(self, reason: str) -> None:
        """Stop the run; the first reason given is the one reported."""
        with self._lock:
            if self._stopped is None:
                self._stopped = reason
        self.halt.set()

    def check_deadline(self) -> bool:
        """True (and the run stopped) once the deadline has passed."""
        if self.seconds_left() > 0:
            return False
        self.stop(f"stopped after {self.elapsed_s():.0f} s: the run deadline of {self.deadline_s:g} s passed")
        return True

    def admit_request(self) -> None:
        """Called before every request, retries included; raises instead of letting it start."""
        if not self.halt.is_set():
            self.check_deadline()
        with self._lock:
            over_budget = self._budget is not None and self._sent >= self._budget
            if not over_budget and not self.halt.is_set():
                self._sent += 1
                return
            sent, planned = self._sent, self._planned
        if over_budget:
            self.stop(f"stopped after {sent} requests: the limit for a run of {planned} batch(es)")
        raise LLMError("cancelled", self.stopped or "the run was stopped")

    def failure(self, kind: str | None) -> None:
        """One failed attempt; the breaker trips on the `breaker_failures`-th of a kind in a row."""
        if kind is None:
            return
        with self._lock:
            if kind == self._streak_kind:
                self._streak += 1
            else:
                self._streak_kind, self._streak = kind, 1
            tripped = self._streak >= self.breaker_failures
            count = self._streak
        if tripped:
            self.stop(f"stopped after {count} {kind} in a row (circuit breaker): the endpoint looks broken")

    def success(self) -> None:
        with self._lock:
            self._streak_kind, self._streak = None, 0
