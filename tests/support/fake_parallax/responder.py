"""What the fake "model" says: the reply type, and the default responder for privfin's JSON contract.

Contract (request side): the last user message holds a JSON array of items, each an object
with at least "id" and "text" (merchant text), optionally "direction" ("in"/"out") and
"amount". The array may follow a short prose lead-in. Reply side, in input order, in the
shape the system prompt asks for (`requested_shape`, read the way a model follows an
instruction: from the example answer the prompt shows):
- long: `{"results": [{"id": <same id>, "category": <name or null>, "confidence": 0..1}, ...]}`,
  also the answer to a prompt that shows no example;
- compact: `{"<id>":"<name>","<id>":null}`, no confidence.
The knob `answer_shape` forces one shape (to test the client's parser against the other).
Every item is classified from its own text only, so hostile text in one item (prompt
injection) can never change another item's answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from tests.support.fake_parallax.classifier import classify


@dataclass(frozen=True)
class Reply:
    """The raw generation before the fake applies budgets, stop strings and delivery."""

    content: str | None
    reasoning: str | None = None
    finish_reason: str = "stop"
    tool_calls: tuple[Mapping[str, Any], ...] = ()


Responder = Callable[[dict[str, Any]], "Reply | Mapping[str, Any]"]


def coerce_reply(value: object) -> Reply:
    """Accept a `Reply` or the dict form of docs/parallax-api.md §9.1 (`content`, `reasoning`, `finish_reason`, `tool_calls`)."""
    if isinstance(value, Reply):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(f"responder must return Reply or a mapping, got {type(value).__name__}")
    content = value.get("content")
    reasoning = value.get("reasoning")
    if content is not None and not isinstance(content, str):
        raise TypeError("responder 'content' must be a string or None")
    if reasoning is not None and not isinstance(reasoning, str):
        raise TypeError("responder 'reasoning' must be a string or None")
    finish_reason = value.get("finish_reason") or "stop"
    tool_calls = tuple(value.get("tool_calls") or ())
    return Reply(
        content=content, reasoning=reasoning, finish_reason=str(finish_reason), tool_calls=tool_calls
    )


@dataclass(frozen=True)
class BatchItem:
    id: Any
    text: str
    direction: str | None


def message_text(message: Mapping[str, Any]) -> str:
    """Text of one chat message: a plain string, or the text parts of a content list."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part["text"]
            for part in content
            if isinstance(part, Mapping) and part.get("type") == "text" and isinstance(part.get("text"), str)
        )
    return ""


AnswerShape = Literal["compact", "long"]
ANSWER_SHAPE_KNOB_VALUES = ("auto", "compact", "long")


def system_text(body: Mapping[str, Any]) -> str:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return ""
    return "\n".join(
        message_text(m)
        for m in messages
        if isinstance(m, Mapping) and m.get("role") in ("system", "developer")
    )


def _example_shape(value: object) -> AnswerShape | None:
    if not isinstance(value, Mapping) or not value:
        return None
    if "results" in value:
        return "long"
    if all(str(key).isdigit() for key in value) and all(
        v is None or isinstance(v, str) for v in value.values()
    ):
        return "compact"
    return None


def requested_shape(body: Mapping[str, Any], knob: str = "auto") -> AnswerShape:
    """The shape to answer in: the knob's, or the first example answer the system prompt shows
    (`{"results": [...]}` or `{"1":"Groceries","2":null}`); long when it shows neither."""
    if knob in ("compact", "long"):
        return "compact" if knob == "compact" else "long"
    text = system_text(body)
    decoder = json.JSONDecoder()
    for start, char in enumerate(text):
        if char != "{":
            continue
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            continue
        shape = _example_shape(value)
        if shape is not None:
            return shape
    return "long"


def render_answer(results: list[dict[str, Any]], shape: AnswerShape) -> str:
    """Results (`id`, `category`, `confidence`) as the model's text in one shape."""
    if shape == "compact":
        compact = {str(r.get("id")): r.get("category") for r in results}
        return json.dumps(compact, ensure_ascii=False, separators=(",", ":"))
    return json.dumps({"results": results}, ensure_ascii=False)


def last_user_text(body: Mapping[str, Any]) -> str:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return ""
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role") == "user":
            return message_text(message)
    return ""


def _is_item_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, Mapping) and "id" in v for v in value)


def find_item_list(text: str) -> list[Mapping[str, Any]] | None:
    """First JSON array of `{"id": ...}` objects in `text`, tolerating prose around it.

    Also accepts an object wrapping such an array (`{"transactions": [...]}`).
    """
    decoder = json.JSONDecoder()
    for start, char in enumerate(text):
        if char not in "[{":
            continue
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            continue
        if _is_item_list(value):
            return list(value)
        if isinstance(value, Mapping):
            for nested in value.values():
                if _is_item_list(nested):
                    return list(nested)
    return None


def _direction(raw: Mapping[str, Any]) -> str | None:
    direction = raw.get("direction")
    if direction in ("in", "out"):
        return str(direction)
    amount = raw.get("amount")
    if isinstance(amount, bool) or amount is None:
        return None
    try:
        value = Decimal(str(amount).replace(",", ""))
    except InvalidOperation:
        return None
    if value == 0:
        return None
    return "in" if value > 0 else "out"


def to_batch_items(raw_items: list[Mapping[str, Any]]) -> list[BatchItem]:
    items = []
    for raw in raw_items:
        text = raw.get("text")
        if not isinstance(text, str):
            text = str(raw.get("description") or raw.get("merchant") or "")
        items.append(BatchItem(id=raw["id"], text=text, direction=_direction(raw)))
    return items


def categorize(items: list[BatchItem]) -> list[dict[str, Any]]:
    results = []
    for item in items:
        verdict = classify(item.text, item.direction)
        results.append({"id": item.id, "category": verdict.category, "confidence": verdict.confidence})
    return results


def batch_items_of(body: Mapping[str, Any]) -> list[BatchItem]:
    """The items privfin asked about in this request (empty if none were found)."""
    raw = find_item_list(last_user_text(body))
    return to_batch_items(raw) if raw else []


def default_responder(body: dict[str, Any], shape: str = "auto") -> Reply:
    items = batch_items_of(body)
    reasoning = (
        f"The user wants {len(items)} transaction(s) categorized. "
        "I will match each merchant description against the allowed categories and answer in JSON."
    )
    return Reply(content=render_answer(categorize(items), requested_shape(body, shape)), reasoning=reasoning)
