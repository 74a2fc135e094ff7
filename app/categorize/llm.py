"""The chat client for the user's model endpoint: a Parallax scheduler or any OpenAI-compatible server.

- `EndpointClient.chat`- `EndpointClient.chat` sends one chat request with Parallax-safe parameters and does
  its own retries: backoff with jitter on transient failures (503/429/502, E1's
  500 "Server is not ready", timeouts, dropped connections, aborted generations),
  never on a 400 or an engine error. It reports what it sent through hooks so the
  caller can keep an audit log of everything that left the machine.
- The endpoint's URL as shown and logged (`safe_url`) and its server root (`root_url`),
  shared with the probe (`app.categorize.endpoint_probe`, "can I use it, how hard").

Every exchange is bounded (`bounded_http`): a total deadline a dripping server cannot
extend, and a cap on the bytes of a reply. Redirects are never followed.

Secrets (the API key, credentials in the URL) never appear in a message or exception.
"""

from __future__ import annotations

import json
import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from app.categorize.exchange_bounds import ReplyRefused, bounded
from app.errors import UserFacingError
from app.lazy_import import LazyModule

if TYPE_CHECKING:
    import httpx2
    import openai

    from app.categorize import bounded_http
    from app.categorize.endpoint_probe import EndpointStatus
    from app.settings import Settings
else:  # loaded when an endpoint is first contacted: an offline run never pays for them
    httpx2 = LazyModule("httpx2")
    openai = LazyModule("openai")
    bounded_http = LazyModule("app.categorize.bounded_http")

QUEUE_AND_PREFILL_S = 60.0
SLOWEST_DECODE_TOKENS_PER_S = 5.0
"""A request's deadline: a minute for queueing and prefill, then `max_tokens` at the pace of a
slow CPU server; never more than `request_timeout_s`."""
REPLY_BASE_BYTES = 1 << 20
REPLY_BYTES_PER_TOKEN = 256
"""A reply's cap: generous for any real answer of `max_tokens` (reasoning, JSON escapes and
the envelope included), tiny next to what a broken or hostile server could send."""
TIMEOUT_RETRIES = 1
"""A server that let a whole deadline pass is rarely ready the next moment: retry it once."""

PLACEHOLDER_MODEL = "default"

ErrorKind = Literal["transient", "too_long", "fatal", "failed", "cancelled"]


def safe_url(url: str) -> str:
    """The URL without credentials, query or fragment: safe to show and to log."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def root_url(endpoint_url: str) -> str:
    """The server root: the base URL minus a trailing `/v1` (where Parallax serves /cluster/*)."""
    base = endpoint_url.rstrip("/")
    return base[: -len("/v1")] if base.endswith("/v1") else base


# -- chatting -----------------------------------------------------------------------------


class LLMError(UserFacingError):
    """A request that produced no usable answer. `kind` says what to do about it;
    `timed_out` marks a request that used up its whole deadline."""

    def __init__(
        self, kind: ErrorKind, message: str, status: int | None = None, *, timed_out: bool = False
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message
        self.status = status
        self.timed_out = timed_out


@dataclass(frozen=True)
class ChatResult:
    content: str | None
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    model: str | None
    attempts: int


@dataclass
class SendHooks:
    """Called around every attempt, from the worker thread that sends it."""

    on_send: Callable[[dict[str, Any]], int] = field(default=lambda body: 0)
    on_outcome: Callable[[int, str], None] = field(default=lambda entry, outcome: None)
    # Every failed attempt, retried or not: the caller's circuit breaker counts them.
    on_error: Callable[[LLMError], None] = field(default=lambda error: None)


_TOO_LONG_RE = re.compile(
    r"max_model_len|prompt.{0,20}too long|too long.{0,20}prompt|context length|maximum context|"
    r"context window|too many tokens|exceeds? the (?:model|context)",
    re.IGNORECASE,
)
_NOT_READY_RE = re.compile(r"not ready", re.IGNORECASE)
_TRANSIENT_STATUSES = frozenset({408, 429, 502, 503, 504})


def _error_message(body: object) -> str:
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            return str(inner.get("message") or inner.get("detail") or "")[:300]
        if isinstance(inner, str):
            return inner[:300]
        message = body.get("message") or body.get("detail")
        return str(message)[:300] if message else ""
    return str(body)[:300] if body is not None else ""


def redirect_reason(status: int) -> str:
    return (
        f"the server answered with a redirect (HTTP {status}), which is not followed: "
        "privfin talks only to the configured endpoint (check the URL)"
    )


def classify_status(status: int, message: str, *, response_format_used: bool) -> LLMError:
    """Map an HTTP error (or an E1 '200 but error' body) to what the pipeline should do."""
    detail = f": {message}" if message else ""
    if 300 <= status < 400:
        return LLMError("failed", redirect_reason(status), status)
    if _TOO_LONG_RE.search(message):
        return LLMError("too_long", f"the batch is too long for the model's context (HTTP {status})", status)
    if status in _TRANSIENT_STATUSES:
        what = {
            429: "all pipelines are busy",
            502: "the cluster could not reach a node",
            503: "the cluster is not ready",
        }.get(status, "temporary server error")
        return LLMError("transient", f"{what} (HTTP {status}){detail}", status)
    if status == 500 and _NOT_READY_RE.search(message):
        return LLMError("transient", f"the cluster is not ready (HTTP 500){detail}", status)
    if status in (401, 403):
        return LLMError(
            "fatal", f"the server rejected the API key (HTTP {status}): check it in Settings", status
        )
    if status == 404:
        return LLMError("fatal", f"the server does not know this model or path (HTTP 404){detail}", status)
    if status == 500 and response_format_used:
        return LLMError(
            "fatal",
            "the server failed on JSON mode (HTTP 500; Parallax rejects response_format): "
            "turn 'use response_format' off in Settings",
            status,
        )
    if 400 <= status < 500:
        return LLMError("failed", f"the server refused the request (HTTP {status}){detail}", status)
    return LLMError("failed", f"server error (HTTP {status}){detail}", status)


class EndpointClient:
    """Sends chat requests to the configured endpoint; safe to share between threads."""

    def __init__(
        self, settings: Settings, status: EndpointStatus, *, rng: random.Random | None = None
    ) -> None:
        self.settings = settings
        self.status = status
        self.request_model = settings.model or status.model or PLACEHOLDER_MODEL
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        http_client = bounded_http.bounded_client(
            seconds=settings.request_timeout_s,
            max_bytes=REPLY_BASE_BYTES,
            connect_timeout_s=settings.connect_timeout_s,
        )
        self._client = openai.OpenAI(
            base_url=settings.endpoint_url,
            api_key=settings.api_key_value(),
            max_retries=0,  # retries are ours: the SDK would also retry what must not be
            timeout=http_client.timeout,
            http_client=http_client,
        )

    def close(self) -> None:
        self._client.close()

    def deadline_s(self, max_tokens: int) -> float:
        """The most one attempt may take, connect to last byte, however the server paces it."""
        pace = QUEUE_AND_PREFILL_S + max_tokens / SLOWEST_DECODE_TOKENS_PER_S
        return min(self.settings.request_timeout_s, pace)

    @staticmethod
    def reply_cap_bytes(max_tokens: int) -> int:
        return REPLY_BASE_BYTES + max_tokens * REPLY_BYTES_PER_TOKEN

    def request_body(self, messages: list[dict[str, str]], max_tokens: int) -> dict[str, Any]:
        """Exactly what goes over the wire (the SDK merges `extra_body` at the top level).

        The messages pass the redaction gate here too, whatever built them, so no request
        can carry text that skipped it; the audit log records this body.
        """
        # Imported here, by the one method every request passes: a run that sends nothing
        # (offline, no endpoint) never loads the gate's name lists.
        from app.categorize.redact import redact_messages

        body: dict[str, Any] = {
            "model": self.request_model,
            "messages": redact_messages(messages),
            "max_tokens": max_tokens,
            "temperature": 0,
            "stream": False,
            # Parallax: thinking is on by default and would eat the token budget; E1
            # reads sampling only from this nested object (E2 ignores it harmlessly).
            "chat_template_kwargs": {"enable_thinking": False},
            "sampling_params": {"temperature": 0, "top_k": 1},
        }
        if self.settings.use_response_format:
            body["response_format"] = {"type": "json_object"}
        return body

    def chat(
        self,
        messages: list[dict[str, str]],
        max_tokens: int,
        *,
        cancel: threading.Event | None = None,
        hooks: SendHooks | None = None,
    ) -> ChatResult:
        """One answer, retrying transient failures; raises LLMError when there is none."""
        hooks = hooks or SendHooks()
        body = self.request_body(messages, max_tokens)
        attempts = 1 + self.settings.max_retries
        last: LLMError | None = None
        timeouts = 0
        for attempt in range(attempts):
            if cancel is not None and cancel.is_set():
                raise LLMError("cancelled", "cancelled before sending")
            entry = hooks.on_send(body)
            try:
                result = self._send_once(body, attempt + 1)
            except LLMError as error:
                hooks.on_outcome(entry, f"error: {error.message}")
                hooks.on_error(error)
                last = error
                timeouts += error.timed_out
                if error.kind != "transient" or attempt + 1 >= attempts or timeouts > TIMEOUT_RETRIES:
                    raise
                delay = self._backoff(attempt)
                if cancel is not None:
                    if cancel.wait(delay):
                        raise LLMError("cancelled", "cancelled while waiting to retry") from error
                else:
                    threading.Event().wait(delay)
                continue
            hooks.on_outcome(entry, f"ok: finish_reason={result.finish_reason}")
            return result
        assert last is not None
        raise last

    def _backoff(self, attempt: int) -> float:
        """Exponential, capped, with jitter so parallel workers do not retry in lockstep."""
        ceiling = min(self.settings.backoff_max_s, self.settings.backoff_base_s * (2**attempt))
        with self._rng_lock:
            jitter = self._rng.random()
        return float(ceiling * (0.5 + 0.5 * jitter))

    def _send_once(self, body: dict[str, Any], attempt: int) -> ChatResult:
        extra = {k: body[k] for k in ("chat_template_kwargs", "sampling_params")}
        kwargs: dict[str, Any] = {}
        if "response_format" in body:
            kwargs["response_format"] = body["response_format"]
        deadline = self.deadline_s(body["max_tokens"])
        timeout = httpx2.Timeout(deadline, connect=min(self.settings.connect_timeout_s, deadline))
        try:
            with bounded(deadline, self.reply_cap_bytes(body["max_tokens"])):
                raw = self._client.chat.completions.with_raw_response.create(
                    model=body["model"],
                    messages=body["messages"],
                    max_tokens=body["max_tokens"],
                    temperature=body["temperature"],
                    stream=False,
                    extra_body=extra,
                    timeout=timeout,
                    **kwargs,
                )
                text = raw.http_response.text
        except ReplyRefused as refused:
            raise LLMError("failed", refused.message) from refused
        except openai.APITimeoutError as exc:
            raise LLMError(
                "transient", f"no complete answer within {deadline:g} s (timeout)", timed_out=True
            ) from exc
        except openai.APIConnectionError as exc:
            cause = exc.__cause__
            what = type(cause).__name__ if cause is not None else "connection error"
            raise LLMError("transient", f"the connection failed or dropped ({what})") from exc
        except openai.APIStatusError as exc:
            raise classify_status(
                exc.status_code,
                _error_message(exc.body),
                response_format_used="response_format" in body,
            ) from exc
        except httpx2.HTTPError as exc:
            raise LLMError("transient", f"the connection failed or dropped ({type(exc).__name__})") from exc
        return self._read_body(text, attempt, "response_format" in body)

    @staticmethod
    def _read_body(text: str, attempt: int, response_format_used: bool) -> ChatResult:
        try:
            payload = json.loads(text)
        except (ValueError, RecursionError) as exc:
            # E1 answers a failed node call with HTTP 200 and the text "internal server error".
            snippet = " ".join(text.split())[:80]
            raise LLMError(
                "transient", f"the server answered 200 with a non-JSON body ({snippet!r})"
            ) from exc
        if not isinstance(payload, dict):
            raise LLMError("failed", "the server answered 200 with an unexpected body")
        if payload.get("object") == "error" or "error" in payload:
            code = payload.get("code")
            status = code if isinstance(code, int) and 400 <= code < 600 else 500
            raise classify_status(status, _error_message(payload), response_format_used=response_format_used)
        choices = payload.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise LLMError("failed", "the server answered without choices")
        choice = choices[0]
        finish = choice.get("finish_reason")
        if finish == "abort":
            raise LLMError("transient", "the cluster aborted the generation (a node may have dropped)")
        raw_message = choice.get("message")
        message: dict[str, Any] = raw_message if isinstance(raw_message, dict) else {}
        content = message.get("content") if isinstance(message.get("content"), str) else None
        raw_usage = payload.get("usage")
        usage: dict[str, Any] = raw_usage if isinstance(raw_usage, dict) else {}
        return ChatResult(
            content=content,
            finish_reason=finish if isinstance(finish, str) else None,
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            model=payload.get("model") if isinstance(payload.get("model"), str) else None,
            attempts=attempt,
        )
