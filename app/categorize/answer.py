"""Reading the model's answer: a tolerant, linear JSON reader and the check against the batch.

Small self-hosted models wrap their JSON in `<think>` blocks, code fences and prose, and get
the syntax slightly wrong (single quotes, trailing commas, bare keys, a truncated tail), and
real models ignore the requested shape, so both are read: the compact `{"1":"Groceries",
"2":null}` that `prompt` asks for and the long `{"results": [{"id", "category",
"confidence"}]}`. The answer is then checked against the batch it answers: only ids we
asked about, only categories of the taxonomy, never Income for money going out.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.categorize.prompt import AnswerShape, PromptItem, clip_text
from app.categorize.taxonomy import INCOME, Taxonomy

_THINK_OPEN_RE = re.compile(r"<think>", re.IGNORECASE)
_THINK_CLOSE_RE = re.compile(r"</think>", re.IGNORECASE)


def _without_think_blocks(content: str) -> str:
    """Closed `<think>…</think>` blocks removed, in one pass (a lazy `.*?` regex rescans to
    the end from every unclosed opening tag: quadratic on a reply full of them)."""
    kept: list[str] = []
    pos = 0
    while (opening := _THINK_OPEN_RE.search(content, pos)) is not None:
        closing = _THINK_CLOSE_RE.search(content, opening.end())
        if closing is None:
            break  # no closing tag after this one, so none after any later one either
        kept.append(content[pos : opening.start()])
        pos = closing.end()
    kept.append(content[pos:])
    return "".join(kept)


def strip_reasoning(content: str) -> str:
    """Remove `<think>` blocks, including an unclosed leading one and a lone closing tag."""
    text = _without_think_blocks(content)
    lone_closings = [m.end() for m in _THINK_CLOSE_RE.finditer(text)]
    if lone_closings:
        text = text[lone_closings[-1] :]
    stripped = text.lstrip()
    if stripped.lower().startswith("<think>"):
        # An unclosed block: the answer, if any, is the JSON after the reasoning.
        stripped = stripped[len("<think>") :]
    return stripped.strip()


class _Truncated(Exception):
    """The text ended inside a value."""


class _TooDeep(ValueError):
    """Nesting past MAX_NESTING: no model answer looks like that (8 KB of `[` does)."""


MAX_NESTING = 32
_UNSEEN = object()


class _PartialDict(dict[str, Any]):
    """An object whose closing brace never came (the answer was cut off)."""


class _PartialList(list[Any]):
    """An array whose closing bracket never came."""


_BARE_WORDS = {"true": True, "false": False, "null": None, "none": None, "True": True, "False": False}
_NUMBER_RE = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_BARE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


class _LenientParser:
    """JSON as small models write it: single quotes, bare keys, trailing commas, Python
    literals, `//` comments, and a truncated tail (complete elements are kept).

    Linear over all the start positions `extract_json` tries: what an object or array at a
    position parses to does not depend on what encloses it, so each one is parsed once and
    remembered (value and end, or failure). Nesting is capped at MAX_NESTING; past it, every
    container on the way down counts as unreadable.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self._memo: dict[int, tuple[Any, int] | None] = {}
        self._depth = 0
        self._newlines = [i for i, char in enumerate(text) if char == "\n"]

    def parse_at(self, start: int) -> Any:
        self.pos = start
        self._depth = 0
        return self._value()

    def _skip(self) -> None:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char.isspace():
                self.pos += 1
            elif text.startswith("//", self.pos):
                line_end = bisect.bisect_left(self._newlines, self.pos)
                self.pos = self._newlines[line_end] + 1 if line_end < len(self._newlines) else len(text)
            else:
                return

    def _container(self) -> Any:
        start = self.pos
        known = self._memo.get(start, _UNSEEN)
        if known is None:
            raise ValueError(f"unreadable value at {start}")
        if isinstance(known, tuple):
            value, self.pos = known
            return value
        if self._depth >= MAX_NESTING:
            raise _TooDeep(f"nested deeper than {MAX_NESTING} at {start}")
        self._depth += 1
        try:
            value = self._object() if self.text[start] == "{" else self._array()
        except ValueError:
            self._memo[start] = None
            raise
        finally:
            self._depth -= 1
        self._memo[start] = (value, self.pos)
        return value

    def _peek(self) -> str:
        self._skip()
        if self.pos >= len(self.text):
            raise _Truncated
        return self.text[self.pos]

    def _value(self) -> Any:
        char = self._peek()
        if char in "{[":
            return self._container()
        if char in "\"'":
            return self._string()
        number = _NUMBER_RE.match(self.text, self.pos)
        if number:
            self.pos = number.end()
            raw = number.group()
            return float(raw) if any(c in raw for c in ".eE") else int(raw)
        bare = _BARE_RE.match(self.text, self.pos)
        if bare:
            self.pos = bare.end()
            word = bare.group()
            return _BARE_WORDS.get(word, _BARE_WORDS.get(word.lower(), word))
        raise ValueError(f"unexpected {char!r} at {self.pos}")

    def _string(self) -> str:
        quote = self.text[self.pos]
        self.pos += 1
        out: list[str] = []
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char == "\\":
                if self.pos + 1 >= len(text):
                    raise _Truncated
                escape = text[self.pos + 1]
                if escape == "u" and self.pos + 6 <= len(text):
                    try:
                        out.append(chr(int(text[self.pos + 2 : self.pos + 6], 16)))
                    except ValueError:
                        out.append(escape)
                    else:
                        self.pos += 6
                        continue
                out.append({"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}.get(escape, escape))
                self.pos += 2
                continue
            if char == quote:
                self.pos += 1
                return "".join(out)
            out.append(char)
            self.pos += 1
        raise _Truncated

    def _key(self) -> str:
        char = self._peek()
        if char in "\"'":
            return self._string()
        bare = _BARE_RE.match(self.text, self.pos) or _NUMBER_RE.match(self.text, self.pos)
        if not bare:
            raise ValueError(f"expected a key at {self.pos}")
        self.pos = bare.end()
        return bare.group()

    def _object(self) -> dict[str, Any]:
        self.pos += 1
        result: dict[str, Any] = {}
        try:
            while True:
                if self._peek() == "}":
                    self.pos += 1
                    return result
                key = self._key()
                if self._peek() not in ":=":
                    raise ValueError(f"expected ':' at {self.pos}")
                self.pos += 1
                value = self._value()
                result[key] = value  # a cut-off array keeps its complete elements
                if isinstance(value, _PartialDict | _PartialList):
                    raise _Truncated
                if self._peek() == ",":
                    self.pos += 1
        except _Truncated:
            return _PartialDict(result)

    def _array(self) -> list[Any]:
        self.pos += 1
        result: list[Any] = []
        try:
            while True:
                if self._peek() == "]":
                    self.pos += 1
                    return result
                value = self._value()
                if isinstance(value, _PartialDict | _PartialList):
                    raise _Truncated  # a cut-off element is dropped, the complete ones stay
                result.append(value)
                if self._peek() == ",":
                    self.pos += 1
        except _Truncated:
            return _PartialList(result)


def extract_json(text: str) -> tuple[Any, bool] | None:
    """The answer's JSON value from free text, and whether it was cut off.

    Tries every `{`/`[` in order and prefers an object with a "results" key (reasoning
    and prose may contain other braces); falls back to the first compact answer
    (`{"1": "Dining"}`), array of objects or single result object. Linear in the length
    of the text (see `_LenientParser`).
    """
    parser = _LenientParser(text)
    fallback: tuple[Any, bool] | None = None
    for match in re.finditer(r"[\[{]", text):
        try:
            value = parser.parse_at(match.start())
        except (ValueError, _Truncated):
            continue
        truncated = isinstance(value, _PartialDict | _PartialList)
        if isinstance(value, dict) and any(str(k).lower() == "results" for k in value):
            return value, truncated
        if fallback is None and isinstance(value, list) and any(isinstance(v, dict) for v in value):
            fallback = (value, truncated)
        if fallback is None and isinstance(value, dict) and _looks_like_result(value):
            fallback = ([value], truncated)
        if fallback is None and isinstance(value, dict) and looks_like_compact_answer(value):
            fallback = (value, truncated)
    return fallback


def _looks_like_result(value: dict[str, Any]) -> bool:
    keys = {str(k).lower() for k in value}
    return bool(keys & set(_ID_KEYS)) and bool(keys & set(_CATEGORY_KEYS))


def looks_like_compact_answer(value: dict[Any, Any]) -> bool:
    """`{"1": "Dining", "2": null}`: ids (at least one a number, as ours are) mapped to a
    name, null, or an object with the category (`{"1": {"category": "Dining"}}`)."""
    if not value or _looks_like_result(value) or _field(value, _RESULTS_KEYS)[0]:
        return False
    if not any(str(key).strip().lstrip("-").isdigit() for key in value):
        return False
    return all(item is None or isinstance(item, str | dict) for item in value.values())


def _compact_entries(value: dict[Any, Any]) -> list[dict[str, Any]]:
    """A compact answer as the long shape's result entries (an object without a category is skipped)."""
    entries = []
    for key, item in value.items():
        if isinstance(item, dict):
            entries.append({**item, "id": key})
        else:
            entries.append({"id": key, "category": item})
    return entries


_RESULTS_KEYS = ("results", "result", "categorizations", "items")
_ID_KEYS = ("id", "item_id", "itemid", "transaction_id", "index", "item")
_CATEGORY_KEYS = ("category", "category_name", "categoryname", "label", "class")
_CONFIDENCE_KEYS = ("confidence", "score", "probability", "certainty")
_NULL_WORDS = {"", "null", "none", "unknown", "n/a", "na", "uncategorized", "unsure"}


def _field(entry: dict[str, Any], names: Sequence[str]) -> tuple[bool, Any]:
    lowered = {str(k).lower(): v for k, v in entry.items()}
    for name in names:
        if name in lowered:
            return True, lowered[name]
    return False, None


def clamp_confidence(raw: Any) -> float | None:
    """A number in [0, 1]; percentages (85) are scaled, anything unreadable is None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str):
        try:
            raw = float(raw.strip().rstrip("%"))
        except ValueError:
            return None
    if not isinstance(raw, int | float) or math.isnan(raw):
        return None
    value = float(raw)
    if 2.0 <= value <= 100.0:  # a percentage; 1.2 is more likely "very sure" than 1.2 %
        value /= 100.0
    return min(1.0, max(0.0, value))


MODEL_CONFIDENCE = 0.75
"""The confidence stored with every category a model named, whatever the answer's shape.

The model is not asked how sure it is (that would triple the output tokens, and a small
model's own number is poorly calibrated); it is told to answer null below 60 %, so a named
category means "the model's pick, unverified". One fixed value the review queue can rely
on: below the built-in rules' trusted 0.85, above the Review page's "low confidence" 0.7.
Whether a row needs a person is decided from the source and agreement, not from this number.
"""
UNSURE_BELOW = 0.6
"""A confidence the model volunteers (long shape) below this makes its category a null:
the prompt's own rule for "unsure"."""


@dataclass(frozen=True)
class ItemAnswer:
    """The model's validated answer for one item: a taxonomy category or None (unsure)."""

    category: str | None
    confidence: float
    note: str | None = None  # why an answer became None (an invalid category, a direction clash)


@dataclass
class ParsedAnswer:
    answers: dict[str, ItemAnswer] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    problem: str | None = None  # why some or all items got no usable answer
    truncated: bool = False
    shape: AnswerShape | None = None  # which shape the model answered in, when readable


def parse_answer(content: str | None, items: Sequence[PromptItem], taxonomy: Taxonomy) -> ParsedAnswer:
    """Validate the model's text against the batch it answered.

    - unknown ids are ignored; but unknown *numbers* together with missing ids mean the
      model renumbered the items, so nothing in the answer can be trusted;
    - a category outside the taxonomy (after near-miss matching) becomes None with a note;
    - Income for money going out is impossible, so it becomes None too (this also limits
      what a manipulated answer can do).
    """
    expected = {item.id: item for item in items}
    order = [item.id for item in items]
    if content is None or not content.strip():
        return ParsedAnswer(missing=order, problem="the model returned no answer text")
    extracted = extract_json(strip_reasoning(content))
    if extracted is None:
        return ParsedAnswer(missing=order, problem="the answer contained no readable JSON")
    value, truncated = extracted
    entries: list[Any] = []
    shape: AnswerShape = "long"
    if isinstance(value, dict):
        found, results = _field(value, _RESULTS_KEYS)
        if found and isinstance(results, list):
            entries = results
        elif found and isinstance(results, dict) and looks_like_compact_answer(results):
            entries, shape = _compact_entries(results), "compact"
        elif not found and looks_like_compact_answer(value):
            entries, shape = _compact_entries(value), "compact"
    elif value and all(isinstance(e, dict) and looks_like_compact_answer(e) for e in value):
        # [{"1": "Dining"}, {"2": null}]: the compact shape, one object per item
        entries, shape = [entry for e in value for entry in _compact_entries(e)], "compact"
    else:
        entries = list(value)
    seen: dict[str, ItemAnswer] = {}
    unknown: set[str] = set()
    conflicting: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        has_id, raw_id = _field(entry, _ID_KEYS)
        has_category, raw_category = _field(entry, _CATEGORY_KEYS)
        if not has_id or raw_id is None or not has_category:
            continue
        item_id = (
            str(int(raw_id)) if isinstance(raw_id, float) and raw_id.is_integer() else str(raw_id).strip()
        )
        if item_id not in expected:
            unknown.add(item_id)
            continue
        answer = _validate_item(raw_category, _field(entry, _CONFIDENCE_KEYS)[1], expected[item_id], taxonomy)
        previous = seen.get(item_id)
        if previous is not None and previous.category != answer.category:
            conflicting.add(item_id)
        seen.setdefault(item_id, answer)
    for item_id in conflicting:
        seen.pop(item_id, None)
    missing = [item_id for item_id in order if item_id not in seen]
    problem: str | None = None
    if missing and any(item_id.lstrip("-").isdigit() for item_id in unknown):
        # Our ids are numbers; other numbers in their place mean the model renumbered the
        # items (e.g. from 0), so every id in this answer may point at the wrong merchant.
        return ParsedAnswer(
            missing=order,
            problem="the answer's ids do not match the items sent (renumbered?)",
            truncated=truncated,
            shape=shape,
        )
    if missing:
        problem = (
            "the answer was cut off"
            if truncated
            else f"the answer left out {len(missing)} of {len(order)} items"
            if entries
            else "the answer did not follow the requested format"
        )
    return ParsedAnswer(answers=seen, missing=missing, problem=problem, truncated=truncated, shape=shape)


def _validate_item(
    raw_category: Any, raw_confidence: Any, item: PromptItem, taxonomy: Taxonomy
) -> ItemAnswer:
    if raw_category is None or (
        isinstance(raw_category, str) and raw_category.strip().lower() in _NULL_WORDS
    ):
        return ItemAnswer(category=None, confidence=0.0)
    if not isinstance(raw_category, str):
        return ItemAnswer(None, 0.0, note=f"the model answered {raw_category!r}, not a category name")
    category = taxonomy.match(raw_category)
    if category is None:
        return ItemAnswer(None, 0.0, note=f"the model answered {clip_text(raw_category)!r}, not a category")
    if category == INCOME and item.direction == "out":
        return ItemAnswer(None, 0.0, note="the model said Income for money going out")
    volunteered = clamp_confidence(raw_confidence)
    if volunteered is not None and volunteered < UNSURE_BELOW:
        return ItemAnswer(category=None, confidence=0.0)  # named, but by its own account unsure
    return ItemAnswer(category, MODEL_CONFIDENCE)
