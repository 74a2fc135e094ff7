"""Reading a model's answer takes time linear in its length, whatever the text.

The tolerant extractor used to parse afresh from every `{`/`[` to the end of the text
(8 KB of `[` cost 22 s of CPU; 64 KB would take over an hour), and the `<think>` stripper
rescanned to the end from every unclosed tag. The bounds below are generous: each input
takes well under a second now.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TypeVar

import pytest

from app.categorize.answer import MAX_NESTING, extract_json, parse_answer, strip_reasoning
from app.categorize.prompt import PromptItem
from app.categorize.taxonomy import DEFAULT_TAXONOMY

SIZE = 64 * 1024
ANSWER = json.dumps({"results": [{"id": "1", "category": "Dining", "confidence": 0.9}]})
PATHOLOGICAL = {
    "brackets": "[" * SIZE,
    "braces": "{" * SIZE,
    "alternating": "[{" * (SIZE // 2),
    "open keys": "{a:" * (SIZE // 3),
    "open objects": '[{"a": 1},' * (SIZE // 10),
    "strings of brackets": '["[", ' * (SIZE // 6),
    "single-quoted brackets": "['[" * (SIZE // 3),
    "comments": "[//" * (SIZE // 3),
    "deeply nested, closed": "[" * SIZE + "]" * SIZE,
}
GENEROUS_S = 20.0


T = TypeVar("T")


def _timed(function: Callable[[str], T], text: str) -> tuple[T, float]:
    started = time.process_time()
    result = function(text)
    return result, time.process_time() - started


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_text_is_read_in_linear_time(name: str) -> None:
    _, spent = _timed(extract_json, PATHOLOGICAL[name])
    assert spent < GENEROUS_S


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_an_answer_after_pathological_text_is_still_found(name: str) -> None:
    found, spent = _timed(extract_json, PATHOLOGICAL[name] + "\n" + ANSWER)
    assert spent < GENEROUS_S
    assert found is not None
    value, truncated = found
    assert value["results"][0]["category"] == "Dining" and not truncated


def test_unclosed_think_tags_are_stripped_in_linear_time() -> None:
    text = "<think>" * (256 * 1024 // 7) + ANSWER
    stripped, spent = _timed(strip_reasoning, text)
    assert spent < GENEROUS_S
    assert stripped.endswith(ANSWER)


def test_nesting_past_the_cap_is_no_answer_but_ordinary_nesting_is() -> None:
    assert extract_json("[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1)) is None
    nested = '{"results": [{"id": "1", "category": "Dining", "meta": {"why": [[["ok"]]]}}]}'
    value, _ = extract_json(nested) or (None, True)
    assert isinstance(value, dict) and value["results"][0]["meta"]["why"] == [[["ok"]]]


def test_a_pathological_answer_leaves_its_items_for_the_next_run() -> None:
    items = [PromptItem("1", "ZORBLAX DELI", "out")]
    parsed = parse_answer(PATHOLOGICAL["brackets"], items, DEFAULT_TAXONOMY)
    assert parsed.answers == {} and parsed.missing == ["1"]
    assert parsed.problem == "the answer contained no readable JSON"
