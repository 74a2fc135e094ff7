"""RunLimits: the request budget, the breaker's streaks, the deadline; how failures are named."""

from __future__ import annotations

import httpx2
import openai
import pytest

from app.categorize.llm import LLMError
from app.categorize.run_limits import (
    CONNECTION_FAILURES,
    SERVER_ERRORS,
    TIMEOUTS,
    UNREADABLE_REPLIES,
    RunLimits,
    failure_kind,
    request_budget,
)

REQUEST = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _caused(error: LLMError, cause: BaseException) -> LLMError:
    error.__cause__ = cause
    return error


def test_the_budget_is_a_small_multiple_of_the_planned_batches() -> None:
    assert request_budget(1, 4) == 5  # one batch still gets its retries
    assert request_budget(10, 4) == 30
    assert request_budget(0, 0) == 0


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (_caused(LLMError("transient", "no answer (timeout)"), openai.APITimeoutError(REQUEST)), TIMEOUTS),
        (LLMError("transient", "no complete answer within 60 s (timeout)"), TIMEOUTS),
        (
            _caused(LLMError("transient", "dropped"), openai.APIConnectionError(request=REQUEST)),
            CONNECTION_FAILURES,
        ),
        (LLMError("transient", "the cluster is not ready (HTTP 503)", 503), SERVER_ERRORS),
        (LLMError("failed", "server error (HTTP 500)", 500), SERVER_ERRORS),
        (_caused(LLMError("transient", "non-JSON body"), ValueError("x")), UNREADABLE_REPLIES),
        (LLMError("transient", "all pipelines are busy (HTTP 429)", 429), None),
        (LLMError("too_long", "the batch is too long", 400), None),
        (LLMError("cancelled", "cancelled"), None),
    ],
)
def test_failures_are_named_by_kind(error: LLMError, kind: str | None) -> None:
    assert failure_kind(error) == kind


def test_the_breaker_counts_one_kind_in_a_row_and_a_success_resets_it() -> None:
    limits = RunLimits(deadline_s=60, breaker_failures=3)
    for kind in (TIMEOUTS, TIMEOUTS, SERVER_ERRORS, SERVER_ERRORS, None):
        limits.failure(kind)
    limits.success()
    limits.failure(TIMEOUTS)
    limits.failure(TIMEOUTS)
    assert not limits.halt.is_set()
    limits.failure(TIMEOUTS)
    assert limits.halt.is_set()
    assert limits.stopped == "stopped after 3 timeouts in a row (circuit breaker): the endpoint looks broken"


def test_no_request_starts_past_the_budget_or_the_deadline() -> None:
    clock = Clock()
    limits = RunLimits(deadline_s=60, breaker_failures=5, clock=clock)
    limits.set_budget(1, 1)  # three requests
    for _ in range(3):
        limits.admit_request()
    with pytest.raises(LLMError) as refused:
        limits.admit_request()
    assert refused.value.kind == "cancelled"
    assert limits.stopped == "stopped after 3 requests: the limit for a run of 1 batch(es)"

    late = RunLimits(deadline_s=60, breaker_failures=5, clock=clock)
    late.admit_request()
    clock.now += 61
    with pytest.raises(LLMError):
        late.admit_request()
    assert late.stopped == "stopped after 61 s: the run deadline of 60 s passed"


def test_the_first_reason_to_stop_is_the_one_reported() -> None:
    limits = RunLimits(deadline_s=60, breaker_failures=1)
    limits.stop("the server rejected the API key")
    limits.failure(TIMEOUTS)
    assert limits.stopped == "the server rejected the API key"
