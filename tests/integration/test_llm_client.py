"""The endpoint client against real loopback HTTP servers: the Parallax stand-in, plus two
tiny servers for what it is not (a plain OpenAI-compatible server, a server that never answers)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2
import pytest

from app.categorize.endpoint_probe import (
    EndpointStatus,
    _describe_transport_error,
    effective_concurrency,
    probe_endpoint,
)
from app.categorize.llm import EndpointClient, LLMError, SendHooks, classify_status, root_url, safe_url
from app.settings import Settings
from tests.support.fake_parallax import FakeParallax

SECRET = "sk-test-SECRET-4242"
MESSAGES = [
    {"role": "system", "content": "Answer in JSON."},
    {"role": "user", "content": json.dumps([{"id": "1", "text": "STARBUCKS", "direction": "out"}])},
]


def make_settings(settings: Settings, url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "endpoint_url": url,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "request_timeout_s": 5.0,
        "connect_timeout_s": 1.0,
    }
    return Settings(**(settings.model_dump() | values | extra))


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _OpenAIish(BaseHTTPRequestHandler):
    """A vLLM/llama.cpp-like server: no /cluster/*, /v1/models behind an optional key."""

    key: str | None = None

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/v1/models":
            if self.key and self.headers.get("Authorization") != f"Bearer {self.key}":
                return self._send(401, {"error": "Unauthorized"})
            return self._send(200, {"object": "list", "data": [{"id": "llama-3.1-8b", "object": "model"}]})
        return self._send(404, {"detail": "Not Found"})

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def openai_server() -> Iterator[tuple[str, type[_OpenAIish]]]:
    handler = type("Handler", (_OpenAIish,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", handler
    finally:
        server.shutdown()
        server.server_close()


# -- probing ----------------------------------------------------------------------------------


def test_probe_reports_a_ready_e2_cluster(settings: Settings) -> None:
    with FakeParallax() as fake:
        status = probe_endpoint(make_settings(settings, fake.base_url))
    assert status.ready and status.reachable
    assert (status.kind, status.era, status.status) == ("parallax", "e2", "available")
    assert status.model == "Qwen/Qwen3-0.6B"
    assert status.capacity == 8
    assert [(n.gpu_name, n.gpu_memory_gb) for n in status.nodes] == [("NVIDIA GeForce RTX 4090", 24.0)]
    assert status.reason is None
    assert "ready" in status.summary() and "capacity 8" in status.summary()


def test_probe_reads_a_legacy_cluster_from_the_first_line_of_the_status_stream(settings: Settings) -> None:
    # The stream never ends by itself; a long interval proves the probe does not wait for more.
    with FakeParallax(profile="legacy", status_interval_s=60.0) as fake:
        status = probe_endpoint(make_settings(settings, fake.base_url))
        paths = [r.path for r in fake.requests()]
    assert status.ready
    assert (status.kind, status.era, status.capacity) == ("parallax", "legacy", None)
    assert "/cluster/status" in paths
    assert effective_concurrency(make_settings(settings, "http://x/v1"), status) == 8


@pytest.mark.parametrize(
    ("knobs", "expected"),
    [
        ({"cluster_status": "waiting"}, "waiting for nodes"),
        ({"model_name": None}, "no model selected"),
        ({"cluster_status": "waiting", "need_more_nodes": True}, "needs more nodes"),
    ],
)
def test_probe_explains_why_a_cluster_is_not_ready(
    settings: Settings, knobs: dict[str, Any], expected: str
) -> None:
    with FakeParallax(**knobs) as fake:
        status = probe_endpoint(make_settings(settings, fake.base_url))
    assert status.reachable and not status.ready
    assert expected in (status.reason or "")


def test_probe_connection_refused(settings: Settings) -> None:
    url = f"http://127.0.0.1:{unused_port()}/v1"
    status = probe_endpoint(make_settings(settings, url, api_key=SECRET))
    assert not status.reachable and not status.ready
    assert "connection refused" in (status.reason or "")
    assert SECRET not in status.summary()


def test_probe_timeout_on_a_server_that_never_answers(settings: Settings) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # accepts connections into the backlog, never replies
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
        status = probe_endpoint(make_settings(settings, url, request_timeout_s=0.3))
    assert not status.reachable
    assert "timeout" in (status.reason or "")


def test_probe_of_a_plain_openai_compatible_server(settings: Settings, openai_server) -> None:
    url, _handler = openai_server
    status = probe_endpoint(make_settings(settings, url))
    assert status.ready
    assert (status.kind, status.era, status.model) == ("openai-compatible", None, "llama-3.1-8b")
    assert effective_concurrency(make_settings(settings, url), status) == 4


def test_probe_sends_the_key_and_reports_a_rejected_one_without_showing_it(
    settings: Settings, openai_server
) -> None:
    url, handler = openai_server
    handler.key = "the-right-key"
    ok = probe_endpoint(make_settings(settings, url, api_key="the-right-key"))
    rejected = probe_endpoint(make_settings(settings, url, api_key=SECRET))
    assert ok.ready
    assert not rejected.ready
    assert "rejected the API key" in (rejected.reason or "")
    assert SECRET not in repr(rejected) and SECRET not in rejected.summary()


def test_offline_probe_sends_nothing(settings: Settings) -> None:
    with FakeParallax() as fake:
        status = probe_endpoint(make_settings(settings, fake.base_url, offline=True))
        assert fake.requests() == []
    assert status.offline and not status.ready


def test_transport_errors_are_put_plainly() -> None:
    url = "http://nas.local:3001/v1"
    dns = _describe_transport_error(httpx2.ConnectError("[Errno -2] Name or service not known"), url, 5)
    assert "DNS" in dns and "nas.local:3001" in dns
    assert "timeout" in _describe_transport_error(httpx2.ReadTimeout("timed out"), url, 5)


def test_urls_are_shown_without_credentials() -> None:
    assert safe_url("http://user:pw@host:3001/v1?key=abc") == "http://host:3001/v1"
    assert root_url("http://host:3001/v1") == "http://host:3001"
    assert root_url("http://host:8080") == "http://host:8080"


def test_concurrency_follows_capacity_under_the_cap_and_settings_override(settings: Settings) -> None:
    status = EndpointStatus(url="u", reachable=True, ready=True, kind="parallax", capacity=24)
    assert effective_concurrency(make_settings(settings, "http://x/v1", concurrency_cap=16), status) == 16
    assert effective_concurrency(make_settings(settings, "http://x/v1", concurrency_cap=32), status) == 24
    assert effective_concurrency(make_settings(settings, "http://x/v1", max_concurrency=3), status) == 3


# -- chatting ---------------------------------------------------------------------------------


class AuditRecorder:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.outcomes: dict[int, str] = {}

    def hooks(self) -> SendHooks:
        return SendHooks(on_send=self.on_send, on_outcome=self.outcomes.__setitem__)

    def on_send(self, body: dict[str, Any]) -> int:
        self.bodies.append(body)
        return len(self.bodies)


def _client(settings: Settings, fake: FakeParallax, **extra: Any) -> EndpointClient:
    configured = make_settings(settings, fake.base_url, **extra)
    return EndpointClient(configured, probe_endpoint(configured))


def test_request_body_is_parallax_safe(settings: Settings) -> None:
    with FakeParallax() as fake:
        client = _client(settings, fake)
        result = client.chat(MESSAGES, 64)
        [sent] = fake.chat_requests()
    body = sent.body
    assert body["chat_template_kwargs"] == {"enable_thinking": False}
    assert body["sampling_params"] == {"temperature": 0, "top_k": 1}
    assert body["temperature"] == 0 and body["max_tokens"] == 64
    assert "response_format" not in body
    assert body["messages"] == MESSAGES
    assert body == client.request_body(MESSAGES, 64)  # the audit log stores exactly this
    assert result.finish_reason == "stop"
    assert json.loads(result.content or "")["results"][0]["category"] == "Dining"
    assert result.prompt_tokens > 0 and result.completion_tokens > 0


def test_json_mode_is_opt_in_and_its_engine_error_is_not_retried(settings: Settings) -> None:
    with FakeParallax() as fake:
        client = _client(settings, fake, use_response_format=True)
        with pytest.raises(LLMError) as caught:
            client.chat(MESSAGES, 64)
        assert len(fake.chat_requests()) == 1
        assert fake.chat_requests()[0].body["response_format"] == {"type": "json_object"}
    assert caught.value.kind == "fatal"
    assert "response_format" in caught.value.message


@pytest.mark.parametrize(
    "scenario", ["not_ready", "routing_not_ready", "busy_429", "upstream_502", "stall_then_abort"]
)
def test_transient_failures_are_retried(settings: Settings, scenario: str) -> None:
    with FakeParallax() as fake:
        fake.push_scenarios(scenario)
        audit = AuditRecorder()
        result = _client(settings, fake).chat(MESSAGES, 64, hooks=audit.hooks())
        assert len(fake.chat_requests()) == 2
    assert result.content
    assert len(audit.bodies) == 2
    assert audit.outcomes[1].startswith("error:") and audit.outcomes[2].startswith("ok:")


def test_legacy_not_ready_500_is_retried_but_other_500s_are_not(settings: Settings) -> None:
    with FakeParallax(profile="legacy") as fake:
        fake.push_scenarios("not_ready")
        assert _client(settings, fake).chat(MESSAGES, 64).content
        assert len(fake.chat_requests()) == 2
    with FakeParallax() as fake:
        fake.push_scenarios("engine_error")
        with pytest.raises(LLMError) as caught:
            _client(settings, fake).chat(MESSAGES, 64)
        assert len(fake.chat_requests()) == 1
    assert caught.value.kind == "failed"


def test_retries_stop_after_max_retries(settings: Settings) -> None:
    with FakeParallax(cluster_status="available") as fake:
        client = _client(settings, fake, max_retries=2)
        fake.configure(cluster_status="waiting")
        with pytest.raises(LLMError) as caught:
            client.chat(MESSAGES, 64)
        assert len(fake.chat_requests()) == 3
    assert caught.value.kind == "transient"
    assert "not ready" in caught.value.message


def test_prompt_too_long_is_a_split_signal_not_a_retry(settings: Settings) -> None:
    with FakeParallax() as fake:
        fake.push_scenarios("prompt_too_long")
        with pytest.raises(LLMError) as caught:
            _client(settings, fake).chat(MESSAGES, 64)
        assert len(fake.chat_requests()) == 1
    assert caught.value.kind == "too_long"


def test_legacy_200_but_error_bodies_are_errors(settings: Settings) -> None:
    with FakeParallax(profile="legacy") as fake:
        fake.push_scenarios("legacy_node_error:json")
        with pytest.raises(LLMError) as caught:
            _client(settings, fake).chat(MESSAGES, 64)
        assert len(fake.chat_requests()) == 1
        assert caught.value.kind == "failed"
        fake.push_scenarios("legacy_node_error:text")
        result = _client(settings, fake).chat(MESSAGES, 64)  # a node hiccup: retried
        assert result.content
        assert len(fake.chat_requests()) == 3


def test_a_timeout_is_retried_and_secrets_stay_out_of_errors(settings: Settings) -> None:
    with FakeParallax() as fake:
        fake.push_scenarios("slow_first_token:1.5", "slow_first_token:1.5")
        client = _client(settings, fake, request_timeout_s=0.4, max_retries=1, api_key=SECRET)
        with pytest.raises(LLMError) as caught:
            client.chat(MESSAGES, 64)
        assert len(fake.chat_requests()) == 2
        assert fake.chat_requests()[0].headers.get("authorization") == f"Bearer {SECRET}"
    assert caught.value.kind == "transient" and "timeout" in caught.value.message
    assert SECRET not in str(caught.value) and SECRET not in repr(caught.value)


def test_a_rejected_key_is_fatal(settings: Settings) -> None:
    error = classify_status(401, "Unauthorized", response_format_used=False)
    assert error.kind == "fatal" and "API key" in error.message
    assert (
        classify_status(400, "prompt_len 40000 exceeds max_model_len 32768", response_format_used=False).kind
        == "too_long"
    )
    assert classify_status(400, "Only n=1 is supported.", response_format_used=False).kind == "failed"


def test_cancel_stops_retrying(settings: Settings) -> None:
    with FakeParallax(cluster_status="waiting") as fake:
        cancel = threading.Event()
        client = _client(settings, fake, backoff_base_s=5.0, backoff_max_s=5.0, max_retries=3)
        timer = threading.Timer(0.2, cancel.set)
        timer.start()
        with pytest.raises(LLMError) as caught:
            client.chat(MESSAGES, 64, cancel=cancel)
        timer.cancel()
        assert len(fake.chat_requests()) == 1
    assert caught.value.kind == "cancelled"
