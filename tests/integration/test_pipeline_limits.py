"""What a categorize run may spend against a broken endpoint, and what it remembers.

Against the loopback stand-in: a server that answers garbage gets a bounded number of
requests (split floor, request budget); a silent one trips the circuit breaker or the run
deadline; an answer outside the taxonomy is a failure, not a remembered null. Every case
ends with the rows uncategorized, saying they are retried, and a healthy run heals them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from typing import Any

from app.categorize.pipeline import categorize_pending
from app.categorize.run_limits import request_budget
from app.cli.categorize import EXIT_INCOMPLETE
from app.settings import Settings
from app.store import Store
from tests.conftest import REPO_ROOT
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
from tests.support.fake_parallax import FakeParallax, Reply

TWENTY = [model_merchant(n) for n in range(20)]
ONE_BATCH = {"batch_max_items": 40, "batch_token_budget": 8000}
HANG = "slow_first_token:30"  # accepts, then says nothing for longer than any test waits


def garbage(body: dict[str, Any]) -> Reply:
    return Reply(content="I am sorry, I cannot help with that.")


def outside_taxonomy(body: dict[str, Any]) -> Reply:
    items = json.loads(body["messages"][-1]["content"])
    results = [{"id": item["id"], "category": "Spaceships", "confidence": 0.9} for item in items]
    return Reply(content=json.dumps({"results": results}))


def _assert_left_for_the_next_run(store: Store, ids: list[str]) -> None:
    rows = state(store)
    assert all(rows[t].category is None for t in ids)
    assert all("retried on the next run" in (rows[t].reason or "") for t in ids), {
        rows[t].reason for t in ids
    }
    assert_store_sound(store, ids)


def _heal(store: Store, settings: Settings, ids: list[str], descriptions: list[str]) -> int:
    """A healthy server categorizes everything the fault left; returns the merchants it was asked."""
    with FakeParallax() as healthy:
        report = categorize_pending(store, fake_settings(settings, healthy))
    rows = state(store)
    for tid, description in zip(ids, descriptions, strict=True):
        assert rows[tid].category == expected_model_category(description), (description, rows[tid])
    assert_store_sound(store, ids)
    return report.merchants_asked


def test_garbage_replies_split_a_batch_at_most_twice(settings: Settings, store: Store) -> None:
    """20 merchants answered with garbage used to cost 39 requests, halving down to singles."""
    ids = seed(store, rows_for(TWENTY))
    with FakeParallax(responder=garbage) as fake:
        # Retries and breaker out of the way: only the split floor limits the requests.
        configured = fake_settings(settings, fake, **ONE_BATCH, max_retries=20, breaker_failures=100)
        report = categorize_pending(store, configured)
        sizes = [len(items_sent(r)) for r in fake.chat_requests()]
    assert sizes == [20, 10, 10, 5, 5, 5, 5]  # whole, halves, quarters; then the ask limit
    assert report.failures == {"the answer contained no readable JSON": 20}
    assert report.stopped is None
    _assert_left_for_the_next_run(store, ids)
    assert _heal(store, settings, ids, TWENTY) == 20


def test_a_run_sends_no_more_than_its_request_budget(settings: Settings, store: Store) -> None:
    ids = seed(store, rows_for(TWENTY))
    with FakeParallax(responder=garbage) as fake:
        configured = fake_settings(settings, fake, **ONE_BATCH, breaker_failures=100)
        report = categorize_pending(store, configured)
    # Requests still in flight when the budget ran out are abandoned, maybe before arriving.
    budget = request_budget(1, configured.max_retries)
    assert len(fake.chat_requests()) <= report.requests_sent == budget == 5
    assert report.stopped == "stopped after 5 requests: the limit for a run of 1 batch(es)"
    _assert_left_for_the_next_run(store, ids)
    assert _heal(store, settings, ids, TWENTY) == 20


def test_a_silent_endpoint_trips_the_circuit_breaker(settings: Settings, store: Store) -> None:
    """Ten batches, one at a time, each timing out: without a breaker every batch pays its retries."""
    ids = seed(store, rows_for(TWENTY))
    started = time.monotonic()
    with FakeParallax() as fake:
        fake.push_scenarios(*[HANG] * 60)
        configured = fake_settings(
            settings, fake, batch_max_items=2, batch_token_budget=8000, max_concurrency=1
        )
        configured = configured.model_copy(update={"request_timeout_s": 0.4})
        report = categorize_pending(store, configured)
        sent = len(fake.chat_requests())
        fake.clear_scenarios()
    assert sent == report.requests_sent == 5  # the default breaker_failures
    assert report.stopped == "stopped after 5 timeouts in a row (circuit breaker): the endpoint looks broken"
    assert time.monotonic() - started < 15
    _assert_left_for_the_next_run(store, ids)
    assert _heal(store, settings, ids, TWENTY) == 20


def test_the_run_deadline_abandons_requests_in_flight(settings: Settings, store: Store) -> None:
    """Four requests hang for 30 s each (two attempts apiece); the run gives up after 1.5 s."""
    merchants = TWENTY[:8]
    ids = seed(store, rows_for(merchants))
    started = time.monotonic()
    with FakeParallax() as fake:
        fake.push_scenarios(*[HANG] * 20)
        configured = fake_settings(
            settings, fake, batch_max_items=2, batch_token_budget=8000, run_deadline_s=1.5
        )
        configured = configured.model_copy(update={"request_timeout_s": 25.0})
        report = categorize_pending(store, configured)
        returned_after = time.monotonic() - started
        sent = len(fake.chat_requests())
        fake.clear_scenarios()
    assert returned_after < 10
    assert sent == report.requests_sent == 4  # the first wave; nothing starts after the deadline
    assert report.stopped is not None
    assert report.stopped.startswith("stopped after 2 s: the run deadline of 1.5 s passed"), report.stopped
    _assert_left_for_the_next_run(store, ids)
    assert _heal(store, settings, ids, merchants) == 8


def test_the_command_exits_at_the_deadline_however_long_the_requests_would_hang(
    settings: Settings, store: Store
) -> None:
    """Abandoned requests must not hold the process: its exit would otherwise wait for them."""
    seed(store, rows_for(TWENTY[:4]))
    env = os.environ | {"PRIVFIN_RUN_DEADLINE_S": "1", "PRIVFIN_REQUEST_TIMEOUT_S": "25"}
    with FakeParallax() as fake:
        fake.push_scenarios(*[HANG] * 10)
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", "categorize", "--endpoint", fake.base_url],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO_ROOT,
            timeout=60,
            check=False,
        )
        took = time.monotonic() - started
        fake.clear_scenarios()
    assert done.returncode == EXIT_INCOMPLETE, done.stderr  # a script can tell the rows were left
    # The run's clock starts before the local steps, which a loaded machine can stretch past 1 s.
    assert re.search(
        r"stopped asking the model: stopped after \d+ s: the run deadline of 1 s passed", done.stderr
    )
    assert took < 15, took


def test_an_answer_outside_the_taxonomy_is_a_failure_and_asked_again(
    settings: Settings, store: Store
) -> None:
    merchants = TWENTY[:4]
    ids = seed(store, rows_for(merchants))
    with FakeParallax(responder=outside_taxonomy) as fake:
        report = categorize_pending(store, fake_settings(settings, fake))
    assert report.failures == {"the model answered 'Spaceships', not a category": 4}
    assert report.by_source == {}
    assert store.cache_size() == 0
    _assert_left_for_the_next_run(store, ids)
    assert _heal(store, settings, ids, merchants) == 4  # asked again, not a remembered null
