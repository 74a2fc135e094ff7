"""Wire shapes of both API eras: error envelopes, completion bodies, stream chunks (docs/parallax-api.md §3d, §3e, §9.4)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.support.fake_parallax.generation import LEGACY_EOS_TOKEN_ID, Output

SSE_HEADERS: tuple[tuple[str, str], ...] = (
    ("content-type", "text/event-stream; charset=utf-8"),
    ("cache-control", "no-cache"),
    ("x-content-type-options", "nosniff"),
)
JSON_CONTENT_TYPE = "application/json"
DONE_EVENT = b"data: [DONE]\n\n"

NOT_READY_MESSAGE = "Server is not ready"
ROUTING_MESSAGE = "Routing pipelines not ready"
BUSY_MESSAGE = "All pipelines are busy or not ready. Please retry later."
INTERNAL_MESSAGE = "Internal server error"


def compact(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def sse(obj: object) -> bytes:
    return b"data: " + compact(obj) + b"\n\n"


# ---------------------------------------------------------------- errors


def openai_error(message: str, type_: str, code: str, param: str | None = None) -> dict[str, Any]:
    """E2 envelope: `{"error": {"message", "type", "param", "code"}}`."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def server_error() -> dict[str, Any]:
    return openai_error(INTERNAL_MESSAGE, "server_error", "server_error")


def legacy_error(message: str) -> dict[str, Any]:
    """E1 scheduler envelope: a bare string."""
    return {"error": message}


def legacy_node_error(message: str) -> dict[str, Any]:
    """E1 node error body, relayed by the scheduler with HTTP 200."""
    return {"object": "error", "message": message, "type": "ValueError", "param": None, "code": 400}


# ---------------------------------------------------------------- non-stream bodies


def _usage(output: Output, *, with_details: bool) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "prompt_tokens": output.prompt_tokens,
        "total_tokens": output.total_tokens,
        "completion_tokens": output.completion_tokens,
    }
    if with_details:
        usage["prompt_tokens_details"] = None
    return usage


def e2_completion(output: Output, completion_id: str, created: int, model: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": output.content,
        "reasoning": output.visible_reasoning,
    }
    if output.tool_calls:
        message["tool_calls"] = [dict(call) for call in output.tool_calls]
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": output.finish_reason,
                "stop_reason": output.stop_reason,
                "token_ids": None,
            }
        ],
        "usage": _usage(output, with_details=True),
        "system_fingerprint": None,
        "prompt_logprobs": None,
        "prompt_token_ids": None,
        "kv_transfer_params": None,
        "ec_transfer_params": None,
    }


def legacy_matched_stop(finish_reason: str) -> int | None:
    return LEGACY_EOS_TOKEN_ID if finish_reason == "stop" else None


def legacy_completion(output: Output, completion_id: str, created: float, model: str) -> dict[str, Any]:
    return {
        "id": completion_id,
        "object": "chat.completion",
        "model": model,
        "created": created,
        "choices": [
            {
                "index": 0,
                "logprobs": None,
                "finish_reason": output.finish_reason,
                "matched_stop": legacy_matched_stop(output.finish_reason),
                "message": {
                    "role": "assistant",
                    "content": output.content,
                    "reasoning_content": None,
                    "tool_calls": [dict(c) for c in output.tool_calls] or None,
                },
            }
        ],
        "usage": _usage(output, with_details=False),
    }


# ---------------------------------------------------------------- stream chunks


def running_usage(prompt_tokens: int, completion_tokens: int, *, with_details: bool) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "completion_tokens": completion_tokens,
    }
    if with_details:
        usage["prompt_tokens_details"] = None
    return usage


@dataclass(frozen=True)
class E2Chunks:
    """vllm-rs chunks: null fields omitted; usage only on request (docs/parallax-api.md §3e)."""

    completion_id: str
    created: int
    model: str
    prompt_tokens: int
    continuous_usage: bool

    def _chunk(self, choices: list[dict[str, Any]], completion_tokens: int) -> bytes:
        chunk: dict[str, Any] = {
            "id": self.completion_id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": choices,
        }
        if self.continuous_usage:
            chunk["usage"] = running_usage(self.prompt_tokens, completion_tokens, with_details=True)
        return sse(chunk)

    def delta(self, delta: Mapping[str, Any], completion_tokens: int) -> bytes:
        return self._chunk([{"index": 0, "delta": dict(delta)}], completion_tokens)

    def final(self, finish_reason: str, stop_reason: str | None, completion_tokens: int) -> bytes:
        choice: dict[str, Any] = {"index": 0, "delta": {}, "finish_reason": finish_reason}
        if stop_reason is not None:
            choice["stop_reason"] = stop_reason
        return self._chunk([choice], completion_tokens)

    def usage(self, completion_tokens: int) -> bytes:
        return sse(
            {
                "id": self.completion_id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model,
                "choices": [],
                "usage": running_usage(self.prompt_tokens, completion_tokens, with_details=True),
            }
        )


@dataclass(frozen=True)
class LegacyChunks:
    """E1 chunks: every one carries usage, logprobs and matched_stop; role/content always present."""

    completion_id: str
    created: float
    model: str
    prompt_tokens: int

    def _chunk(self, delta: dict[str, Any], finish: str | None, completion_tokens: int) -> bytes:
        return sse(
            {
                "id": self.completion_id,
                "object": "chat.completion.chunk",
                "model": self.model,
                "created": self.created,
                "choices": [
                    {
                        "index": 0,
                        "logprobs": None,
                        "finish_reason": finish,
                        "matched_stop": legacy_matched_stop(finish) if finish else None,
                        "delta": delta,
                    }
                ],
                "usage": running_usage(self.prompt_tokens, completion_tokens, with_details=False),
            }
        )

    def first(self, content: str) -> bytes:
        return self._chunk({"role": "assistant", "content": content}, None, 0)

    def middle(self, content: str, completion_tokens: int) -> bytes:
        return self._chunk({"role": None, "content": content}, None, completion_tokens)

    def last(self, finish_reason: str, completion_tokens: int) -> bytes:
        return self._chunk({"role": None, "content": None}, finish_reason, completion_tokens)

    def error(self, message: str, type_: str = "ValueError") -> bytes:
        return sse(
            {
                "id": self.completion_id,
                "object": "chat.completion.chunk",
                "model": self.model,
                "created": self.created,
                "error": {"message": message, "type": type_, "code": 400},
            }
        )
