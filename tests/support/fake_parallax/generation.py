"""Turn a responder reply into what the server would generate (docs/parallax-api.md §9.3 step 9).

Pure functions: output scenarios, thinking, max_tokens budget (reasoning is spent
before content), stop strings, token counts, and the pacing of the pieces in time.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from tests.support.fake_parallax.config import FakeConfig
from tests.support.fake_parallax.responder import (
    Reply,
    batch_items_of,
    categorize,
    render_answer,
    requested_shape,
)
from tests.support.fake_parallax.scenarios import Scenario

LEGACY_DEFAULT_MAX_TOKENS = 2048
LEGACY_EOS_TOKEN_ID = 151645  # Qwen <|im_end|>, what E1 reported as matched_stop
CHARS_PER_TOKEN = 4
# Models whose E1 chat template opens the think block in the prompt, so the server prepended it.
_LEGACY_PREPENDS_THINK = ("qwen3.5", "qwen3.6", "minimax-m2")
_FALLBACK_REASONING = "Let me look at each transaction and pick the best category."
OUT_OF_TAXONOMY_CATEGORY = "Food & Drink"  # Plaid's name, not one of privfin's 21
UNKNOWN_CATEGORY = "Quantum Flux Capacitors"  # near no category of any taxonomy


def thinking_enabled(body: Mapping[str, Any], default: bool, *, legacy: bool) -> bool:
    kwargs = body.get("chat_template_kwargs")
    extra = body.get("extra_body")
    if legacy and not isinstance(kwargs, Mapping) and isinstance(extra, Mapping):
        # E1 also read a literal "extra_body" key from the JSON.
        kwargs = extra.get("chat_template_kwargs")
    if isinstance(kwargs, Mapping) and "enable_thinking" in kwargs:
        return bool(kwargs["enable_thinking"])
    return default


def requested_max_tokens(body: Mapping[str, Any]) -> int | None:
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def stop_strings(body: Mapping[str, Any]) -> tuple[str, ...]:
    stop = body.get("stop")
    if isinstance(stop, str):
        return (stop,)
    if isinstance(stop, list):
        return tuple(s for s in stop if isinstance(s, str) and s)
    return ()


# ---------------------------------------------------------------- output scenarios


def _invalid_json(content: str, variant: str) -> str:
    if variant == "refusal":
        return "I cannot categorize these transactions because I don't have enough information about the merchants."
    if variant == "single_quotes":
        return content.replace('"', "'")
    if variant == "unquoted_keys":
        return re.sub(r'"(\w+)"\s*:', r"\1:", content)
    # trailing_comma: a comma before the closing bracket of the outermost container
    for closer in ("]", "}"):
        cut = content.rfind(closer)
        if cut > 0:
            return content[:cut] + ", " + content[cut:]
    return content + ","


def _unknown_id(ids: list[Any]) -> Any:
    if ids and all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        return max(ids) + 1000
    return "unknown-id-1"


def _wrong_schema(body: Mapping[str, Any], content: str | None, variant: str, shape_knob: str) -> str:
    """The answer with one kind of mistake, in the shape the request asked for (`wrong_keys`
    is a shape of its own)."""
    shape = requested_shape(body, shape_knob)
    try:
        parsed = json.loads(content or "")
    except json.JSONDecodeError:
        parsed = None
    results = parsed.get("results") if isinstance(parsed, dict) else None
    if not isinstance(results, list):
        results = categorize(batch_items_of(body))
    results = [dict(r) for r in results if isinstance(r, Mapping)]
    ids = [r.get("id") for r in results]
    if variant == "wrong_keys":
        return json.dumps(
            {
                "transactions": [
                    {"txn_id": r.get("id"), "label": r.get("category"), "score": r.get("confidence")}
                    for r in results
                ]
            }
        )
    if variant == "renumbered":
        # The model numbered the rows itself; shift to 0-based if the real ids already were 1..n.
        base = 0 if any(str(n + 1) == str(i) for n, i in enumerate(ids)) else 1
        for n, result in enumerate(results):
            result["id"] = n + base
        return render_answer(results, shape)
    if variant == "foreign_ids":  # ids of some other request: none is one we were asked about
        for n, result in enumerate(results):
            result["id"] = f"txn-{n + 1:04d}"
        return render_answer(results, shape)
    if variant == "out_of_taxonomy":
        for result in results:
            result["category"], result["confidence"] = UNKNOWN_CATEGORY, 0.95
        return render_answer(results, shape)
    if variant in ("bad_category", "mixed") and results:
        results[0]["category"] = OUT_OF_TAXONOMY_CATEGORY
    if variant == "missing_id" or (variant == "mixed" and len(results) >= 2):
        results = results[:-1]
    if variant in ("extra_id", "mixed"):
        results.append({"id": _unknown_id(ids), "category": "Other", "confidence": 0.5})
    return render_answer(results, shape)


def apply_output_scenario(
    reply: Reply, scenario: Scenario | None, body: Mapping[str, Any], shape_knob: str = "auto"
) -> Reply:
    """Shape the model's text the way misbehaving models do (fences, bad JSON, think tags...)."""
    if scenario is None:
        return reply
    name, content = scenario.name, reply.content or ""
    if name == "fenced_json":
        fenced = f"Here you go:\n```json\n{content}\n```\nLet me know if you need anything else."
        return replace(reply, content=fenced)
    if name == "bad_json":
        return replace(reply, content=_invalid_json(content, scenario.variant))
    if name == "wrong_schema":
        return replace(reply, content=_wrong_schema(body, reply.content, scenario.variant, shape_knob))
    if name == "length_truncated":
        return replace(reply, content=content[: max(1, int(len(content) * 0.6))], finish_reason="length")
    if name == "reasoning_only":
        return replace(
            reply, content=None, reasoning=reply.reasoning or _FALLBACK_REASONING, finish_reason="length"
        )
    if name == "think_in_content":
        thought = reply.reasoning or _FALLBACK_REASONING
        if scenario.variant == "unclosed":
            return replace(reply, content=f"<think>\n{thought}", reasoning=None, finish_reason="length")
        opener = "" if scenario.variant == "no_open" else "<think>\n"
        return replace(reply, content=f"{opener}{thought}\n</think>\n\n{content}", reasoning=None)
    return reply


# ---------------------------------------------------------------- budget and stop


@dataclass(frozen=True)
class Piece:
    kind: str  # "reasoning" or "content"
    text: str


@dataclass(frozen=True)
class Output:
    """What was generated. In legacy, `content` carries the reasoning inline and `reasoning` is None."""

    content: str | None
    reasoning: str | None
    finish_reason: str
    stop_reason: str | None
    tool_calls: tuple[Mapping[str, Any], ...]
    prompt_tokens: int
    completion_tokens: int
    show_reasoning: bool = True
    legacy_think_prefix: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def visible_reasoning(self) -> str | None:
        return self.reasoning if self.show_reasoning else None

    def pieces(self, chunk_chars: int) -> list[Piece]:
        """Generated text in delivery order, hidden reasoning included (it still takes time)."""
        pieces = []
        for kind, text in (("reasoning", self.reasoning), ("content", self.content)):
            for start in range(0, len(text or ""), chunk_chars):
                pieces.append(Piece(kind, (text or "")[start : start + chunk_chars]))
        return pieces

    def truncated_to(self, fraction: float, finish_reason: str) -> Output:
        """The part generated before an abort: reasoning intact, `fraction` of the content."""
        content = self.content or ""
        kept = content[: math.ceil(len(content) * fraction)] or None
        tokens = math.ceil((len(self.reasoning or "") + len(kept or "")) / CHARS_PER_TOKEN)
        return replace(
            self, content=kept, finish_reason=finish_reason, stop_reason=None, completion_tokens=tokens
        )


def _tokens(*texts: str | None) -> int:
    return math.ceil(sum(len(t or "") for t in texts) / CHARS_PER_TOKEN)


def _wants_tool_calls(body: Mapping[str, Any], reply: Reply) -> bool:
    return bool(reply.tool_calls) and bool(body.get("tools")) and body.get("tool_choice") != "none"


def generate_e2(body: Mapping[str, Any], reply: Reply, cfg: FakeConfig, prompt_tokens: int) -> Output:
    room = max(cfg.max_model_len - prompt_tokens, 1)
    asked = requested_max_tokens(body)
    budget = (room if asked is None else min(asked, room)) * CHARS_PER_TOKEN
    reasoning, content = reply.reasoning or None, reply.content
    finish, stop_reason = reply.finish_reason, None
    if reasoning and len(reasoning) >= budget:
        # Thinking ate the whole budget: no answer at all.
        reasoning, content, finish = reasoning[:budget], None, "length"
    elif content is not None:
        room_chars = budget - len(reasoning or "")
        hits = [(content.find(s), s) for s in stop_strings(body) if s in content]
        first_stop = min(hits, default=None)
        if first_stop is not None and first_stop[0] + len(first_stop[1]) <= room_chars:
            content, finish, stop_reason = content[: first_stop[0]], "stop", first_stop[1]
        elif len(content) > room_chars:
            content, finish = content[:room_chars], "length"
    tool_calls = reply.tool_calls if _wants_tool_calls(body, reply) else ()
    if tool_calls and finish == "stop" and stop_reason is None:
        finish = "tool_calls"
    return Output(
        content=content or None,
        reasoning=reasoning,
        finish_reason=finish,
        stop_reason=stop_reason,
        tool_calls=tool_calls,
        prompt_tokens=prompt_tokens,
        completion_tokens=_tokens(reasoning, content),
        show_reasoning=body.get("include_reasoning", True) is not False,
    )


def generate_legacy(body: Mapping[str, Any], reply: Reply, cfg: FakeConfig, prompt_tokens: int) -> Output:
    """E1: reasoning inline in `content` as `<think>…</think>\\n\\n`, stop strings ignored."""
    prefix = False
    text = reply.content or ""
    if reply.reasoning and reply.content is None:
        text = f"<think>\n{reply.reasoning}"  # the budget ran out while still thinking: never closed
        prefix = any(tag in (cfg.model_name or "").lower() for tag in _LEGACY_PREPENDS_THINK)
    elif reply.reasoning:
        text = f"<think>\n{reply.reasoning}\n</think>\n\n{text}"
        prefix = any(tag in (cfg.model_name or "").lower() for tag in _LEGACY_PREPENDS_THINK)
    asked = body.get("max_tokens")
    limit = (
        asked
        if isinstance(asked, int) and not isinstance(asked, bool) and asked > 0
        else LEGACY_DEFAULT_MAX_TOKENS
    )
    finish = reply.finish_reason
    if len(text) > limit * CHARS_PER_TOKEN:
        text, finish = text[: limit * CHARS_PER_TOKEN], "length"
    return Output(
        content=text,
        reasoning=None,
        finish_reason=finish,
        stop_reason=None,
        tool_calls=reply.tool_calls if _wants_tool_calls(body, reply) else (),
        prompt_tokens=prompt_tokens,
        completion_tokens=_tokens(text),
        legacy_think_prefix=prefix,
    )


# ---------------------------------------------------------------- pacing


@dataclass(frozen=True)
class Pace:
    """When each piece is generated, in seconds after the request got its capacity slot.

    Rate mode (`decode_tokens_per_s` set) spreads completion_tokens/decode over the pieces in
    proportion to their length; otherwise pieces are `itl_s` apart. Non-stream replies pay
    per-piece time only in rate mode or under `slow_tokens`, so default tests stay fast.
    """

    first_token_s: float
    itl_s: float
    decode_s: float | None
    paces_non_stream: bool

    def offsets(self, pieces: list[Piece]) -> list[float]:
        if self.decode_s is None:
            return [self.first_token_s + i * self.itl_s for i in range(len(pieces))]
        total = sum(len(p.text) for p in pieces) or 1
        offsets, done = [], 0
        for piece in pieces:
            done += len(piece.text)
            offsets.append(self.first_token_s + self.decode_s * done / total)
        return offsets

    def stream_end(self, pieces: list[Piece]) -> float:
        offsets = self.offsets(pieces)
        return offsets[-1] if offsets else self.first_token_s

    def non_stream_end(self, pieces: list[Piece]) -> float:
        return self.stream_end(pieces) if self.paces_non_stream else self.first_token_s


def make_pace(cfg: FakeConfig, scenario: Scenario | None, prompt_tokens: int, completion_tokens: int) -> Pace:
    first = cfg.ttft_s if cfg.prefill_tokens_per_s is None else prompt_tokens / cfg.prefill_tokens_per_s
    if scenario is not None and scenario.name == "slow_first_token":
        first = scenario.seconds
    if scenario is not None and scenario.name == "slow_tokens":
        return Pace(first, scenario.seconds, None, paces_non_stream=True)
    if cfg.decode_tokens_per_s is not None:
        return Pace(first, cfg.itl_s, completion_tokens / cfg.decode_tokens_per_s, paces_non_stream=True)
    return Pace(first, cfg.itl_s, None, paces_non_stream=False)
