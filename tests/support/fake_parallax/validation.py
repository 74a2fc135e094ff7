"""E2 (vllm-rs) request checks: the 400s of docs/parallax-api.md §9.3 step 7 and the engine rejections of step 8."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.support.fake_parallax.generation import requested_max_tokens
from tests.support.fake_parallax.responder import message_text

ROLES = ("system", "user", "assistant", "tool", "developer")
_STRUCTURED_FORMATS = frozenset({"json_object", "json_schema", "structural_tag"})
_GUIDED_FIELDS = ("structured_outputs", "guided_json", "guided_regex", "guided_grammar", "guided_choice")
_REJECTED_SAMPLING_FIELDS = ("logit_bias", "allowed_token_ids", "bad_words")
_UNSUPPORTED_REQUEST_FIELDS = ("length_penalty", "media_io_kwargs", "mm_processor_kwargs")


@dataclass(frozen=True)
class RequestProblem:
    """A 400 from vllm-rs: `code` is `invalid_request_error` or `json_parse_error`."""

    message: str
    param: str | None = None
    code: str = "invalid_request_error"


def prompt_text(body: Mapping[str, Any]) -> str:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return ""
    return "".join(message_text(m) for m in messages if isinstance(m, Mapping))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_messages(body: Mapping[str, Any]) -> RequestProblem | None:
    messages = body.get("messages")
    if messages is None:
        return RequestProblem("missing field `messages`", "messages", "json_parse_error")
    if not isinstance(messages, list):
        return RequestProblem(
            "invalid type for `messages`: expected a sequence", "messages", "json_parse_error"
        )
    if not messages:
        return RequestProblem("messages must not be empty", "messages")
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            return RequestProblem(f"messages[{index}]: expected an object", "messages", "json_parse_error")
        role = message.get("role")
        if role not in ROLES:
            return RequestProblem(
                f"messages[{index}].role: unknown variant `{role}`, expected one of {', '.join(ROLES)}",
                "messages",
                "json_parse_error",
            )
        content = message.get("content")
        if content is not None and not isinstance(content, str | list):
            return RequestProblem(f"messages[{index}].content: invalid type", "messages", "json_parse_error")
        if role == "user" and (content is None or content == "" or content == []):
            return RequestProblem(f"messages[{index}]: user message content must not be empty", "messages")
    return None


def _check_range(
    body: Mapping[str, Any], key: str, low: float, high: float, *, open_low: bool
) -> RequestProblem | None:
    value = body.get(key)
    if value is None:
        return None
    if not _is_number(value):
        return RequestProblem(f"invalid type for `{key}`: expected a number", key, "json_parse_error")
    too_low = value <= low if open_low else value < low
    if too_low or value > high:
        bracket = "(" if open_low else "["
        return RequestProblem(f"{key} must be in {bracket}{low}, {high}], got {value}", key)
    return None


def _check_token_limits(body: Mapping[str, Any]) -> RequestProblem | None:
    for key in ("max_tokens", "max_completion_tokens", "min_tokens"):
        value = body.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            return RequestProblem(f"invalid type for `{key}`: expected an integer", key, "json_parse_error")
    maximum = requested_max_tokens(body)
    if maximum is not None and maximum < 1:
        key = "max_completion_tokens" if body.get("max_completion_tokens") is not None else "max_tokens"
        return RequestProblem(f"{key} must be at least 1, got {maximum}", key)
    minimum = body.get("min_tokens")
    if isinstance(minimum, int) and maximum is not None and minimum > maximum:
        return RequestProblem(
            f"min_tokens ({minimum}) must be less than or equal to max_tokens ({maximum})", "min_tokens"
        )
    return None


def _check_options(body: Mapping[str, Any]) -> RequestProblem | None:
    if body.get("stream") is not None and not isinstance(body.get("stream"), bool):
        return RequestProblem("invalid type for `stream`: expected a boolean", "stream", "json_parse_error")
    n = body.get("n")
    if n is not None and (not isinstance(n, int) or isinstance(n, bool)):
        return RequestProblem("invalid type for `n`: expected an integer", "n", "json_parse_error")
    if isinstance(n, int) and n > 1:
        return RequestProblem("Only n=1 is supported.", "n")
    if body.get("stream_options") is not None and body.get("stream") is not True:
        return RequestProblem("stream_options can only be set when stream is true", "stream_options")
    if body.get("top_logprobs") is not None and not body.get("logprobs"):
        return RequestProblem("top_logprobs requires logprobs to be true", "top_logprobs")
    if body.get("use_beam_search") is True:
        return RequestProblem("beam search is not supported", "use_beam_search")
    for key in _UNSUPPORTED_REQUEST_FIELDS:
        if body.get(key) is not None:
            return RequestProblem(f"{key} is not supported", key)
    stop = body.get("stop")
    if stop == "" or (isinstance(stop, list) and "" in stop):
        return RequestProblem("stop strings must not be empty", "stop")
    response_format = body.get("response_format")
    if isinstance(response_format, Mapping) and response_format.get("type") == "json_schema":
        schema = response_format.get("json_schema")
        if not isinstance(schema, Mapping) or schema.get("schema") is None:
            return RequestProblem("response_format json_schema requires a schema", "response_format")
    return None


def validate_e2(body: Mapping[str, Any], prompt_tokens: int, max_model_len: int) -> RequestProblem | None:
    """First vllm-rs validation failure, in the order docs/parallax-api.md §9.3 step 7 lists them."""
    for problem in (
        _check_messages(body),
        _check_options(body),
        _check_range(body, "temperature", 0, 2, open_low=False),
        _check_range(body, "top_p", 0, 1, open_low=True),
        _check_range(body, "presence_penalty", -2, 2, open_low=False),
        _check_range(body, "frequency_penalty", -2, 2, open_low=False),
        _check_token_limits(body),
    ):
        if problem is not None:
            return problem
    if prompt_tokens >= max_model_len:
        return prompt_too_long(prompt_tokens, max_model_len)
    return None


def prompt_too_long(prompt_tokens: int, max_model_len: int) -> RequestProblem:
    return RequestProblem(
        f"This model's maximum context length is {max_model_len} tokens, but the prompt has "
        f"{prompt_tokens} tokens (prompt_len {prompt_tokens} >= max_model_len {max_model_len})."
    )


def engine_rejection(body: Mapping[str, Any]) -> str | None:
    """Why the Parallax engine would finish this request with ERROR, or None if it would run."""
    response_format = body.get("response_format")
    if isinstance(response_format, Mapping) and response_format.get("type") in _STRUCTURED_FORMATS:
        return f"response_format {response_format.get('type')}"
    for key in _GUIDED_FIELDS + _REJECTED_SAMPLING_FIELDS:
        if body.get(key) is not None:
            return key
    if body.get("logprobs") is True:
        return "logprobs"
    prompt_logprobs = body.get("prompt_logprobs")
    if (
        isinstance(prompt_logprobs, int | float)
        and not isinstance(prompt_logprobs, bool)
        and prompt_logprobs > 0
    ):
        return "prompt_logprobs"
    xargs = body.get("vllm_xargs")
    if isinstance(xargs, Mapping) and xargs:
        return "vllm_xargs"
    tool_choice = body.get("tool_choice")
    if tool_choice == "required" or isinstance(tool_choice, Mapping):
        return "tool_choice"
    return None
