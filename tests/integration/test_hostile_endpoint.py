"""Whole categorization runs against a hostile endpoint: one run per fault mode.

Each mode asserts the same four things: the run ends within a bound (a few times the
configured 1 s request deadline, where it used to hang for minutes or for ever), its report
says plainly what went wrong, no row is lost or given a category outside the taxonomy, and
every row is left uncategorized and retryable: a second run against a healthy server
categorizes all of them, asking the model about every one (nothing bad was cached).

Modes the ASGI stand-in can play are scenarios pushed onto its queue (one per chat
request, more than a run can use); what lies below HTTP is a `WireFault` server.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from app.categorize.endpoint_probe import EndpointStatus
from app.categorize.pipeline import CategorizeReport, categorize_pending
from app.settings import Settings
from app.store import Store
from tests.integration.categorize_support import (
    assert_store_sound,
    expected_model_category,
    fake_settings,
    model_merchant,
    rows_for,
    seed,
    state,
)
from tests.support.fake_parallax import FakeParallax, WireFault

MERCHANTS = [model_merchant(n) for n in range(6)]
HOSTILE = {
    "batch_max_items": 2,
    "batch_token_budget": 8000,
    "max_concurrency": 3,
    "request_timeout_s": 1.0,
    "max_retries": 1,
    "run_deadline_s": 20.0,
}
RUN_BOUND_S = 25.0  # the run deadline plus slack; each mode ends far sooner
READY = EndpointStatus(url="loopback", reachable=True, ready=True, kind="openai-compatible")
PLENTY = 60  # scenarios queued: more requests than any run may send
# The batch's own problem, or the circuit breaker that stopped the run after a few of them.
UNREADABLE = ("no readable JSON", "unreadable replies in a row (circuit breaker)")


@dataclass(frozen=True)
class Mode:
    name: str
    scenario: str | None = None  # pushed PLENTY times onto the stand-in's queue
    wire: str | None = None  # or: every connection to a WireFault server misbehaves this way
    probe: bool = False  # let the run probe the endpoint (else it is told the endpoint is ready)
    messages: tuple[str, ...] = ()  # one of these appears in the report


MODES = [
    Mode("hang after accept", "hang", messages=("timeout",)),
    Mode("hang before reading (wire)", wire="silent", messages=("timeout",)),
    Mode("hang before reading, probed (wire)", wire="silent", probe=True, messages=("within 1 s (timeout)",)),
    Mode("slow drip: body, 1 byte / 0.2 s", "drip_body:0.2", messages=("timeout",)),
    Mode("slow drip: headers, 1 byte / 0.2 s (wire)", wire="drip_headers", messages=("timeout",)),
    Mode(
        "slow drip: headers, probed (wire)",
        wire="drip_headers",
        probe=True,
        messages=("within 1 s (timeout)",),
    ),
    Mode("huge body: 16 MB", "huge_body:16", messages=("reply is too large",)),
    Mode("pathological JSON: 8 KB of [", "pathological_json:brackets", messages=UNREADABLE),
    Mode("pathological JSON: open braces", "pathological_json:braces", messages=UNREADABLE),
    Mode("pathological JSON: 8 K levels deep", "pathological_json:deep_content", messages=UNREADABLE),
    Mode("pathological JSON: unclosed <think>", "pathological_json:think_tags", messages=UNREADABLE),
    Mode("pathological JSON: the body itself", "pathological_json:deep_body", messages=("non-JSON body",)),
    Mode("wrong ids: renumbered", "wrong_schema:renumbered", messages=("ids do not match", *UNREADABLE)),
    Mode("wrong ids: another request's", "wrong_schema:foreign_ids", messages=("left out", *UNREADABLE)),
    Mode("answers outside the taxonomy", "wrong_schema:out_of_taxonomy", messages=("not a category",)),
    Mode("redirect to another host", "redirect", messages=("redirect (HTTP 307), which is not followed",)),
    Mode("socket dropped mid-body", "stream_break:1", messages=("connection failed or dropped",)),
    Mode("connection reset on accept (wire)", wire="reset", messages=("connection failed or dropped",)),
    Mode("5xx storm: engine errors", "engine_error", messages=("circuit breaker", "HTTP 500")),
    Mode("5xx storm: 502 from upstream", "upstream_502", messages=("circuit breaker", "HTTP 502")),
    Mode("5xx storm: not ready", "not_ready", messages=("circuit breaker", "not ready")),
    Mode("garbage bytes in a 200", "garbage_body", messages=("non-JSON body",)),
    Mode("garbage bytes, not HTTP (wire)", wire="garbage", messages=("connection failed or dropped",)),
]


@contextmanager
def hostile_endpoint(mode: Mode) -> Iterator[tuple[str, FakeParallax | None]]:
    if mode.wire is not None:
        with WireFault(mode.wire, every_s=0.2) as server:
            yield server.base_url, None
        return
    assert mode.scenario is not None
    with FakeParallax() as elsewhere, FakeParallax() as fake:
        scenario = (
            f"redirect:{elsewhere.base_url}/chat/completions"
            if mode.scenario == "redirect"
            else mode.scenario
        )
        fake.push_scenarios(*[scenario] * PLENTY)
        yield fake.base_url, elsewhere
        fake.clear_scenarios()


def everything_reported(report: CategorizeReport) -> str:
    texts = [*report.failures, *report.uncategorized, report.stopped or ""]
    if report.endpoint is not None:
        texts.append(report.endpoint.reason or "")
    return " | ".join(texts)


def run_against(mode: Mode, store: Store, settings: Settings) -> tuple[CategorizeReport, float]:
    with hostile_endpoint(mode) as (url, elsewhere):
        configured = fake_settings(settings, url, **HOSTILE)
        started = time.monotonic()
        report = categorize_pending(store, configured, status=None if mode.probe else READY)
        elapsed = time.monotonic() - started
        if elsewhere is not None:
            assert elsewhere.requests() == [], "a redirect was followed to another host"
    return report, elapsed


def heal(store: Store, settings: Settings, ids: list[str]) -> CategorizeReport:
    with FakeParallax() as healthy:
        report = categorize_pending(store, fake_settings(settings, healthy))
    rows = state(store)
    for tid, merchant in zip(ids, MERCHANTS, strict=True):
        assert rows[tid].category == expected_model_category(merchant), (merchant, rows[tid])
    return report


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.name)
def test_a_hostile_endpoint_costs_a_bounded_run_and_no_row(
    settings: Settings, store: Store, mode: Mode
) -> None:
    ids = seed(store, rows_for(MERCHANTS))
    report, elapsed = run_against(mode, store, settings)

    assert elapsed < RUN_BOUND_S, f"{mode.name}: the run took {elapsed:.1f} s"
    said = everything_reported(report)
    assert any(message in said for message in mode.messages), said
    assert not report.cancelled
    assert report.by_source.get("model", 0) == 0
    assert_store_sound(store, ids)
    rows = state(store)
    assert all(rows[t].category is None for t in ids), rows
    retryable = "needs a model or you" if mode.probe else "retried on the next run"
    assert all(retryable in (rows[t].reason or "") for t in ids), {rows[t].reason for t in ids}

    healed = heal(store, settings, ids)
    assert healed.merchants_asked == len(MERCHANTS)  # nothing the hostile run saw was cached
    assert healed.cache_hits == 0
    assert_store_sound(store, ids)


def test_a_dripping_server_holds_a_run_no_longer_than_its_deadlines(settings: Settings, store: Store) -> None:
    """Before the total deadline, a server dripping a byte every 0.2 s held each request for
    minutes: every read "succeeded" well within the read timeout."""
    seed(store, rows_for(MERCHANTS))
    report, elapsed = run_against(Mode("drip", "drip_body:0.2"), store, settings)
    # Three batches at once, each: one attempt and one retry of 1 s, plus backoff.
    assert elapsed < 3 * HOSTILE["request_timeout_s"] + 3.0
    assert report.requests_sent <= 3 * (1 + HOSTILE["max_retries"])
