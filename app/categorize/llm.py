"""The client for the user's model endpoint: a Parallax scheduler or any OpenAI-compatible server.

Two jobs:

- `probe_endpoint` answers "can I use this endpoint, and how hard may I push it?":
  reachability, Parallax cluster status and capacity, API era, model, nodes, and a
  plain-language reason when the answer is no (this is the Settings page's
  "Test connection").
- `EndpointClient.chat` sends one chat request with Parallax-safe parameters and does
  its own retries: backoff with jitter on transient failures (503/429/502, E1's
  500 "Server is not ready", timeouts, dropped connections, aborted generations),
  never on a 400 or an engine error. It reports what it sent through hooks so the
  caller can keep an audit log of everything that left the machine.

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
from app.lazy_import import LazyModule

if TYPE_CHECKING:
    import httpx2
    import openai

    from app.categorize import bounded_http
    from app.settings import Settings
else:  # loaded when an endpoint is first contacted: an offline run never pays for them
    httpx2 = LazyModule("httpx2")
    openai = LazyModule("openai")
    bounded_http = LazyModule("app.categorize.bounded_http")

PROBE_TOTAL_S = 5.0
"""The whole probe (every request it makes, connect to last byte): status endpoints answer at
once, so a slow one is as good as down, and "Test connection" must never hang."""
PROBE_MAX_BYTES = 1 << 20

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

DEFAULT_PARALLAX_CAPACITY = 8  # --max-batch-size default: one pipeline
DEFAULT_OTHER_CAPACITY = 4  # llama.cpp / Ollama often serve a handful of slots
PLACEHOLDER_MODEL = "default"

Era = Literal["e2", "legacy"]
ServerKind = Literal["parallax", "openai-compatible", "unknown"]
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


def _host_of(url: str) -> str:
    try:
        parts = urlsplit(url)
        return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    except ValueError:
        return "the endpoint"


# -- probing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeInfo:
    node_id: str
    status: str
    gpu_name: str | None
    gpu_num: int | None
    gpu_memory_gb: float | None


@dataclass(frozen=True)
class EndpointStatus:
    """What "Test connection" shows. `ready` means requests can be sent now."""

    url: str
    reachable: bool
    ready: bool
    kind: ServerKind = "unknown"
    era: Era | None = None
    model: str | None = None
    status: str | None = None
    nodes: tuple[NodeInfo, ...] = ()
    capacity: int | None = None
    need_more_nodes: bool = False
    reason: str | None = None
    offline: bool = False

    def summary(self) -> str:
        """One plain-language line."""
        if self.offline:
            return "offline mode: no requests are sent; built-in rules only"
        if not self.reachable or not self.ready:
            return f"{self.url}: {self.reason or 'not ready'}"
        what = "Parallax cluster" if self.kind == "parallax" else "OpenAI-compatible server"
        parts = [f"{what} at {self.url} is ready"]
        if self.era:
            parts.append(f"API {self.era}")
        if self.model:
            parts.append(f"model {self.model}")
        if self.nodes:
            parts.append(f"{len(self.nodes)} node(s)")
        if self.capacity:
            parts.append(f"capacity {self.capacity} concurrent requests")
        return ", ".join(parts)


def _describe_transport_error(exc: Exception, url: str, timeout_s: float) -> str:
    host = _host_of(url)
    text = str(exc).lower()
    if isinstance(exc, httpx2.TimeoutException):
        return f"no answer from {host} within {timeout_s:g} s (timeout)"
    if isinstance(exc, httpx2.ConnectError):
        if any(
            m in text for m in ("name or service", "nodename", "getaddrinfo", "name resolution", "no address")
        ):
            return f"cannot resolve the host name of {host} (DNS): check the address"
        if "refused" in text:
            return f"connection refused by {host}: is the server running on that port?"
        if "unreachable" in text:
            return f"network unreachable for {host}"
        return f"cannot connect to {host}"
    if isinstance(exc, httpx2.UnsupportedProtocol | httpx2.InvalidURL):
        return "the endpoint URL is not valid (it should look like http://host:3001/v1)"
    if isinstance(exc, httpx2.RemoteProtocolError):
        return f"{host} closed the connection unexpectedly"
    return f"cannot talk to {host} ({type(exc).__name__})"


def _auth_headers(settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {settings.api_key.get_secret_value()}"} if settings.api_key else {}


def _parse_cluster_status(
    payload: Any,
) -> tuple[str | None, str | None, tuple[NodeInfo, ...], int | None, bool] | None:
    """(status, model, nodes, capacity, need_more_nodes) from a §2a status object."""
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        return None
    data = payload["data"]
    nodes = tuple(
        NodeInfo(
            node_id=str(node.get("node_id", "?")),
            status=str(node.get("status", "?")),
            gpu_name=node.get("gpu_name"),
            gpu_num=node.get("gpu_num") if isinstance(node.get("gpu_num"), int) else None,
            gpu_memory_gb=float(node["gpu_memory"])
            if isinstance(node.get("gpu_memory"), int | float)
            else None,
        )
        for node in data.get("node_list") or []
        if isinstance(node, dict)
    )
    capacity = data.get("max_running_request")
    return (
        data.get("status"),
        data.get("model_name"),
        nodes,
        capacity if isinstance(capacity, int) and capacity > 0 else None,
        bool(data.get("need_more_nodes")),
    )


def _waiting_reason(model: str | None, nodes: tuple[NodeInfo, ...], need_more_nodes: bool) -> str:
    if model is None:
        return "the cluster has no model selected yet (choose one in the Parallax web UI)"
    if need_more_nodes:
        return "the cluster needs more nodes: the joined ones lack the memory for the model"
    ready = sum(1 for n in nodes if n.status == "available")
    if not nodes:
        return "the cluster is waiting for nodes to join"
    return f"the cluster is waiting for nodes ({ready} of {len(nodes)} ready; still loading or rebalancing)"


def _read_first_status_line(client: httpx2.Client, url: str) -> Any:
    """The first object of the infinite NDJSON `/cluster/status` stream, then hang up."""
    with client.stream("GET", url) as response:
        if response.status_code != 200:
            return response.status_code
        for line in response.iter_lines():
            if line.strip():
                return json.loads(line)
    return None


def probe_endpoint(settings: Settings) -> EndpointStatus:
    """Is the endpoint there and ready, what is it, how many concurrent requests it takes.

    Parallax: `GET {root}/cluster/status_json`, else the first line of `/cluster/status`;
    the era from `GET /v1/models` (200 = e2, 404 = legacy). Other servers: `/v1/models`.
    """
    shown = safe_url(settings.endpoint_url)
    if settings.offline:
        return EndpointStatus(url=shown, reachable=False, ready=False, offline=True, reason="offline mode")
    base = settings.endpoint_url.rstrip("/")
    root = root_url(base)
    total = min(PROBE_TOTAL_S, settings.request_timeout_s)
    client = bounded_http.bounded_client(
        seconds=total, max_bytes=PROBE_MAX_BYTES, connect_timeout_s=settings.connect_timeout_s
    )
    try:
        with client, bounded(total, PROBE_MAX_BYTES):
            return _probe(client, settings, base, root, shown)
    except (httpx2.HTTPError, OSError) as exc:
        return EndpointStatus(
            url=shown,
            reachable=False,
            ready=False,
            reason=_describe_transport_error(exc, settings.endpoint_url, total),
        )
    except ReplyRefused as refused:
        return EndpointStatus(url=shown, reachable=True, ready=False, reason=refused.message)
    except (ValueError, RecursionError):
        return EndpointStatus(
            url=shown, reachable=True, ready=False, reason="the server sent an unreadable status"
        )


def _probe(client: httpx2.Client, settings: Settings, base: str, root: str, shown: str) -> EndpointStatus:
    status_response = client.get(f"{root}/cluster/status_json")
    cluster: Any = None
    if status_response.status_code == 200:
        cluster = status_response.json()
    elif status_response.status_code in (404, 405):
        try:
            cluster = _read_first_status_line(client, f"{root}/cluster/status")
        except httpx2.TimeoutException:
            cluster = None
        if isinstance(cluster, int):  # a status code: not Parallax
            cluster = None
    models_response = client.get(f"{base}/models", headers=_auth_headers(settings))
    models_status = models_response.status_code
    listed_model: str | None = None
    if models_status == 200:
        try:
            data = models_response.json().get("data") or []
            listed_model = str(data[0]["id"]) if data and isinstance(data[0], dict) else None
        except (ValueError, AttributeError, KeyError, TypeError):
            listed_model = None

    parsed = _parse_cluster_status(cluster) if cluster is not None else None
    if parsed is not None:
        cluster_state, model_name, nodes, capacity, need_more = parsed
        era: Era = "e2" if models_status == 200 else "legacy"
        ready = cluster_state == "available" and model_name is not None
        return EndpointStatus(
            url=shown,
            reachable=True,
            ready=ready,
            kind="parallax",
            era=era,
            model=model_name or listed_model,
            status=cluster_state,
            nodes=nodes,
            capacity=capacity,
            need_more_nodes=need_more,
            reason=None if ready else _waiting_reason(model_name, nodes, need_more),
        )
    if models_status == 200:
        return EndpointStatus(
            url=shown,
            reachable=True,
            ready=True,
            kind="openai-compatible",
            model=listed_model,
            status="ready",
        )
    if models_status in (401, 403):
        reason = f"the server rejected the API key (HTTP {models_status}): check it in Settings"
    elif 300 <= models_status < 400:
        reason = _redirect_reason(models_status)
    elif models_status == 404:
        reason = "no OpenAI-compatible API at this URL (HTTP 404): it should end in /v1"
    else:
        reason = f"the server answered HTTP {models_status} to a model list request"
    return EndpointStatus(url=shown, reachable=True, ready=False, reason=reason)


def effective_concurrency(settings: Settings, status: EndpointStatus) -> int:
    """Keep the cluster busy but never flooded: its reported capacity, capped; settings override."""
    if settings.max_concurrency is not None:
        return settings.max_concurrency
    if status.capacity:
        capacity = status.capacity
    elif status.kind == "parallax":
        capacity = DEFAULT_PARALLAX_CAPACITY
    else:
        capacity = DEFAULT_OTHER_CAPACITY
    return max(1, min(capacity, settings.concurrency_cap))


def model_identity(settings: Settings, status: EndpointStatus | None) -> str:
    """The model a cached answer belongs to: the server's reported model, else settings.model."""
    if status is not None and status.model:
        return status.model
    return settings.model or PLACEHOLDER_MODEL


# -- chatting -----------------------------------------------------------------------------


class LLMError(Exception):
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


def _redirect_reason(status: int) -> str:
    return (
        f"the server answered with a redirect (HTTP {status}), which is not followed: "
        "privfin talks only to the configured endpoint (check the URL)"
    )


def classify_status(status: int, message: str, *, response_format_used: bool) -> LLMError:
    """Map an HTTP error (or an E1 '200 but error' body) to what the pipeline should do."""
    detail = f": {message}" if message else ""
    if 300 <= status < 400:
        return LLMError("failed", _redirect_reason(status), status)
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
