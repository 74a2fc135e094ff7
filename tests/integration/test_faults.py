"""Every fault scenario of docs/parallax-api.md §9.5 against a whole categorization run.

For each: the run completes (or stops cleanly) with a clear message in its report; no
transaction is lost, duplicated or given a category outside the taxonomy; what failed is
left uncategorized with a reason and is categorized by a second run against a healthy
server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from app.categorize.pipeline import CategorizeReport, categorize_pending
from app.settings import Settings
from app.store import Store
from tests.integration.categorize_support import (
    assert_store_sound,
    expected_model_category,
    fake_settings,
    items_sent,
    model_merchant,
    rows_for,
    seed,
    state,
)
from tests.support.fake_parallax import FakeParallax, Reply, default_responder

MERCHANTS = [model_merchant(n) for n in range(8)]
BATCHING = {"batch_max_items": 2, "batch_token_budget": 8000}  # four requests per run


@dataclass(frozen=True)
class Case:
    scenarios: tuple[str, ...]  # consumed one per chat request, in order
    outcome: str  # "recovers": fixed within the run; "fails": some rows left for the next run
    profile: str = "e2"
    settings: tuple[tuple[str, Any], ...] = ()
    exact: bool = True  # every answered row has the expected category
    message: str = ""  # expected in the report's failure reasons ("fails" cases)


def case(*scenarios: str, outcome: str = "recovers", **fields: Any) -> Case:
    return Case(scenarios=scenarios, outcome=outcome, **fields)


CASES = [
    case("not_ready"),
    case("not_ready", profile="legacy"),
    case("routing_not_ready"),
    case("busy_429"),
    case("upstream_502"),
    case("node_httpx_502"),
    case("node_httpx_502", profile="legacy"),
    case("slow_first_token:1.2", settings=(("request_timeout_s", 0.4),)),
    case("slow_tokens:0.001"),
    case("stream_break:1"),
    case("stall_then_abort:0.05"),
    case("length_truncated"),
    case("reasoning_only"),
    case("think_in_content:closed", "think_in_content:no_open", "think_in_content:unclosed"),
    case("think_in_content:closed", "think_in_content:unclosed", profile="legacy"),
    case("fenced_json"),
    case("bad_json:trailing_comma", "bad_json:single_quotes", "bad_json:unquoted_keys", "bad_json:refusal"),
    case(
        "wrong_schema:missing_id",
        "wrong_schema:extra_id",
        "wrong_schema:wrong_keys",
        "wrong_schema:renumbered",
    ),
    # A near-miss name ("Food & Drink") maps into the taxonomy: valid, not necessarily right.
    case("wrong_schema:bad_category", "wrong_schema:mixed", exact=False),
    case("prompt_too_long"),
    case("prompt_too_long", profile="legacy"),
    case("legacy_node_error:text", profile="legacy"),
    case("engine_error", outcome="fails", message="server error (HTTP 500)"),
    case("engine_error", outcome="fails", profile="legacy", message="server error (HTTP 500)"),
    case("stream_validation_400", outcome="fails", message="refused the request (HTTP 400)"),
    case(
        "legacy_node_error:json", outcome="fails", profile="legacy", message="refused the request (HTTP 400)"
    ),
]


def _check_answers(store: Store, ids: list[str], descriptions: list[str], *, exact: bool) -> None:
    rows = state(store)
    for tid, description in zip(ids, descriptions, strict=True):
        row = rows[tid]
        if row.category is not None and row.source == "model" and exact:
            assert row.category == expected_model_category(description), (description, row)


def _heal(
    store: Store,
    settings: Settings,
    ids: list[str],
    descriptions: list[str],
    profile: str,
    *,
    exact: bool = True,
) -> CategorizeReport:
    """A second run against a healthy server categorizes whatever the fault left behind."""
    with FakeParallax(profile=profile) as healthy:
        report = categorize_pending(store, fake_settings(settings, healthy))
    rows = state(store)
    for tid, description in zip(ids, descriptions, strict=True):
        assert rows[tid].category is not None, (description, rows[tid])
        if exact:
            assert rows[tid].category == expected_model_category(description), (description, rows[tid])
    assert_store_sound(store, ids)
    return report


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{'+'.join(c.scenarios)}-{c.profile}")
def test_fault_scenario(settings: Settings, store: Store, case: Case) -> None:
    rows = rows_for(MERCHANTS)
    ids = seed(store, rows)
    descriptions = [r.description for r in rows]
    with FakeParallax(profile=case.profile) as fake:
        fake.push_scenarios(*case.scenarios)
        configured = fake_settings(settings, fake, **(BATCHING | dict(case.settings)))
        report = categorize_pending(store, configured)
        assert fake.queued_scenarios() == [], "every fault was served"
    assert not report.cancelled
    assert_store_sound(store, ids)
    _check_answers(store, ids, descriptions, exact=case.exact)
    after = state(store)
    if case.outcome == "recovers":
        assert report.failures == {}, report.failures
        assert all(after[t].category is not None for t in ids), report.uncategorized
        return
    failed = [t for t in ids if after[t].category is None]
    assert len(failed) == sum(report.failures.values()) == 2  # the one faulted batch
    assert any(case.message in problem for problem in report.failures), report.failures
    assert all("retried on the next run" in (after[t].reason or "") for t in failed)
    assert report.needs_attention == len(failed)
    healed = _heal(store, settings, ids, descriptions, case.profile)
    assert healed.merchants_asked == len(failed)


def test_a_cluster_warming_up_is_waited_for(settings: Settings, store: Store) -> None:
    ids = seed(store, rows_for(MERCHANTS))
    with FakeParallax() as fake:
        fake.push_scenarios("warming_up:2")  # the next two status polls say "waiting"
        report = categorize_pending(store, fake_settings(settings, fake))
        polls = [r for r in fake.requests() if r.path == "/cluster/status_json"]
    assert len(polls) == 3
    assert report.endpoint is not None and report.endpoint.ready
    assert report.by_source == {"model": len(MERCHANTS)}
    assert_store_sound(store, ids)


def test_a_dropped_node_is_reported_nothing_is_sent_and_a_restored_one_heals(
    settings: Settings, store: Store
) -> None:
    ids = seed(store, rows_for(MERCHANTS))
    with FakeParallax() as fake:
        configured = fake_settings(settings, fake, max_retries=2)
        fake.push_scenarios("drop_node")
        report = categorize_pending(store, configured)
        assert fake.chat_requests() == []
        [reason] = {state(store)[t].reason for t in ids}
        fake.push_scenarios("restore_node")
        healed = categorize_pending(store, configured)
    assert report.endpoint is not None and not report.endpoint.ready
    assert "waiting for nodes" in (report.endpoint.reason or "")
    assert reason and reason.startswith("needs a model or you: the cluster is waiting for nodes")
    assert report.needs_attention == len(ids)
    assert healed.by_source == {"model": len(ids)}
    assert_store_sound(store, ids)


def test_a_node_dropping_mid_run_fails_the_rest_cleanly(settings: Settings, store: Store) -> None:
    rows = rows_for(MERCHANTS)
    ids = seed(store, rows)
    holder: dict[str, FakeParallax] = {}

    def answer_then_drop(body: dict[str, Any]) -> Reply:
        reply = default_responder(body)
        holder["fake"].push_scenarios("drop_node")  # every later request sees a degraded cluster
        return reply

    with FakeParallax(responder=answer_then_drop) as fake:
        holder["fake"] = fake
        configured = fake_settings(
            settings, fake, batch_max_items=2, batch_token_budget=8000, max_concurrency=1
        )
        report = categorize_pending(store, configured.model_copy(update={"max_retries": 1}))
        statuses = [r.status for r in fake.chat_requests()]
    assert statuses[0] == 200 and set(statuses[1:]) == {503}
    assert report.by_source == {"model": 2}
    # Five 503s in a row trip the breaker: the last batch is never sent, and waits like the failed ones.
    assert len(statuses) == 1 + 5
    assert report.stopped and "5 server errors (HTTP 5xx) in a row (circuit breaker)" in report.stopped
    assert any("not ready (HTTP 503)" in problem for problem in report.failures)
    left = [state(store)[t] for t in ids if state(store)[t].category is None]
    assert len(left) == report.needs_attention == len(MERCHANTS) - 2
    assert all("retried on the next run" in (row.reason or "") for row in left)
    assert_store_sound(store, ids)
    healed = _heal(store, settings, ids, [r.description for r in rows], "e2")
    assert healed.merchants_asked == len(MERCHANTS) - 2


def test_a_rejected_json_mode_stops_the_run_with_advice(settings: Settings, store: Store) -> None:
    ids = seed(store, rows_for(MERCHANTS))
    with FakeParallax() as fake:
        configured = fake_settings(
            settings, fake, use_response_format=True, batch_max_items=2, batch_token_budget=8000
        )
        report = categorize_pending(store, configured)
        sent = len(fake.chat_requests())
    assert report.stopped and "response_format" in report.stopped
    assert sent <= report.concurrency  # stops instead of failing batch after batch
    assert all(state(store)[t].category is None for t in ids)
    assert_store_sound(store, ids)
    _heal(store, settings, ids, MERCHANTS, "e2")


def test_repeated_bad_answers_give_up_on_a_merchant_and_say_why(settings: Settings, store: Store) -> None:
    ids = seed(store, rows_for(MERCHANTS[:1]))
    with FakeParallax() as fake:
        fake.push_scenarios(*["bad_json:refusal"] * 5)
        report = categorize_pending(store, fake_settings(settings, fake))
        asked = [items_sent(r) for r in fake.chat_requests()]
    assert len(asked) == 3  # the ask limit, not an endless loop
    assert report.failures == {"the answer contained no readable JSON": 1}
    assert "no readable JSON" in (state(store)[ids[0]].reason or "")
    _heal(store, settings, ids, MERCHANTS[:1], "e2")
