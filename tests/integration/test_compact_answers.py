"""The compact answer shape end to end: asked for, answered by the stand-in, sized, stored.

`{"1":"Groceries","2":null}` costs a few output tokens per merchant where the long
`{"results": [...]}` shape cost about twenty; the stand-in follows the shape the system
prompt shows, and can be told to answer in the long one, as real models sometimes do.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from app.categorize.answer import MODEL_CONFIDENCE, parse_answer
from app.categorize.pipeline import categorize_pending
from app.categorize.prompt import (
    ANSWER_EXAMPLES,
    PromptItem,
    answer_budget,
    build_messages,
    build_system_prompt,
)
from app.categorize.taxonomy import DEFAULT_TAXONOMY
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
from tests.support.fake_parallax import FakeParallax

ITEMS = [PromptItem("1", "ZORBLAX DELI", "out"), PromptItem("2", "QUILONDA XQZ", "out")]


def _content(fake: FakeParallax, system: str) -> str:
    body = {
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": json.dumps([item.as_json() for item in ITEMS])},
        ],
        "max_tokens": 200,
        "chat_template_kwargs": {"enable_thinking": False},
    }
    response = httpx2.post(f"{fake.base_url}/chat/completions", json=body, timeout=10)
    assert response.status_code == 200
    content: str = response.json()["choices"][0]["message"]["content"]
    return content


def test_the_stand_in_answers_in_the_shape_the_system_prompt_shows() -> None:
    compact_prompt = build_system_prompt(DEFAULT_TAXONOMY).text
    long_prompt = build_system_prompt(DEFAULT_TAXONOMY, shape="long").text
    with FakeParallax() as fake:
        compact = json.loads(_content(fake, compact_prompt))
        long = json.loads(_content(fake, long_prompt))
        plain = json.loads(_content(fake, "You categorize bank transactions. Answer in JSON."))
        fake.configure(answer_shape="long")
        forced = json.loads(_content(fake, compact_prompt))
    assert compact == {"1": expected_model_category("ZORBLAX DELI"), "2": None}
    assert [r["id"] for r in long["results"]] == ["1", "2"]
    assert plain == long and forced == long  # no example shown, or told to: the long shape


def test_output_faults_keep_the_requested_shape() -> None:
    system = build_system_prompt(DEFAULT_TAXONOMY).text
    with FakeParallax() as fake:
        fake.push_scenarios("wrong_schema:missing_id", "wrong_schema:renumbered", "bad_json:trailing_comma")
        missing = json.loads(_content(fake, system))
        renumbered = json.loads(_content(fake, system))
        trailing = _content(fake, system)
    assert list(missing) == ["1"]
    assert list(renumbered) == ["0", "1"]  # the model counted from 0
    assert trailing.endswith(", }")
    assert parse_answer(trailing, ITEMS, DEFAULT_TAXONOMY).missing == []
    assert "renumbered" in (parse_answer(json.dumps(renumbered), ITEMS, DEFAULT_TAXONOMY).problem or "")


def test_the_shape_knob_is_checked() -> None:
    with FakeParallax() as fake, pytest.raises(ValueError, match="answer_shape"):
        fake.configure(answer_shape="tiny")


def test_a_run_asks_for_the_compact_shape_and_spends_at_most_eight_answer_tokens_per_merchant(
    settings: Settings, store: Store
) -> None:
    merchants = [model_merchant(n) for n in range(30)]
    ids = seed(store, rows_for(merchants, repeats=2))
    with FakeParallax() as fake:
        report = categorize_pending(store, fake_settings(settings, fake, batch_max_items=10))
        chats = fake.chat_requests()
    system = chats[0].body["messages"][0]["content"]
    assert ANSWER_EXAMPLES["compact"] in system and "confidence" not in system
    for record in chats:
        assert record.body["max_tokens"] == answer_budget(len(items_sent(record)), DEFAULT_TAXONOMY)
        assert record.finish_reason == "stop"
    # the stand-in counts tokens as characters / 4, as privfin's own estimate does
    assert 0 < report.completion_tokens_per_merchant <= 8
    assert report.completion_tokens == sum(r.completion_tokens or 0 for r in chats)
    assert report.prompt_tokens_per_merchant == pytest.approx(sum(r.prompt_tokens or 0 for r in chats) / 30)
    rows = state(store)
    for tid, row in zip(ids, rows_for(merchants, repeats=2), strict=True):
        assert rows[tid].category == expected_model_category(row.description)
        assert rows[tid].confidence == MODEL_CONFIDENCE
    assert_store_sound(store, ids)


def test_a_model_that_answers_in_the_long_shape_is_given_the_room_it_needs(
    settings: Settings, store: Store
) -> None:
    merchants = [model_merchant(n) for n in range(24)]
    ids = seed(store, rows_for(merchants))
    with FakeParallax(answer_shape="long") as fake:
        report = categorize_pending(
            store, fake_settings(settings, fake, batch_max_items=8, max_concurrency=1)
        )
        chats = fake.chat_requests()
    # The first answer, twice as long as the room asked for, is cut off and split; from then
    # on every request has the long shape's room and none is cut.
    assert chats[0].finish_reason == "length"
    later: list[Any] = chats[1:]
    assert later and all(r.finish_reason == "stop" for r in later)
    assert all(
        r.body["max_tokens"] >= answer_budget(len(items_sent(r)), DEFAULT_TAXONOMY, "long") for r in later
    )
    assert report.by_source == {"model": 24} and not report.failures
    rows = state(store)
    assert {rows[t].confidence for t in ids} == {MODEL_CONFIDENCE}
    assert_store_sound(store, ids)


def test_build_messages_keep_the_items_as_an_array_of_id_text_direction() -> None:
    messages = build_messages(build_system_prompt(DEFAULT_TAXONOMY), ITEMS)
    assert json.loads(messages[-1]["content"]) == [
        {"id": "1", "text": "ZORBLAX DELI", "direction": "out"},
        {"id": "2", "text": "QUILONDA XQZ", "direction": "out"},
    ]
