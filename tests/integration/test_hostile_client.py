"""The endpoint client against hostile loopback servers: a total deadline per request that
dripping cannot extend, a 5 s probe, capped replies, no redirect followed, no crash on
pathological bodies. Every bound asserted here is generous; what it proves is "ends", where
the unbounded client hung for minutes (or for ever)."""

from __future__ import annotations

import contextlib
import gzip
import json
import time
import tracemalloc
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any

import pytest

from app.categorize.endpoint_probe import PROBE_TOTAL_S, EndpointStatus, probe_endpoint
from app.categorize.llm import EndpointClient, LLMError
from app.settings import Settings
from tests.support.fake_parallax import FakeParallax, WireFault

MESSAGES = [
    {"role": "system", "content": "Answer in JSON."},
    {"role": "user", "content": json.dumps([{"id": "1", "text": "ZORBLAX DELI", "direction": "out"}])},
]
READY = EndpointStatus(url="loopback", reachable=True, ready=True, kind="openai-compatible")


def hostile_settings(settings: Settings, url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "endpoint_url": url,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "request_timeout_s": 1.0,
        "connect_timeout_s": 1.0,
        "max_retries": 0,
    }
    return Settings(**(settings.model_dump() | values | extra))


def chat_error(settings: Settings, url: str, **extra: Any) -> tuple[LLMError, float]:
    client = EndpointClient(hostile_settings(settings, url, **extra), READY)
    started = time.monotonic()
    try:
        with pytest.raises(LLMError) as caught:
            client.chat(MESSAGES, 64)
    finally:
        client.close()
    return caught.value, time.monotonic() - started


# -- the request deadline -----------------------------------------------------------------


def test_a_body_dripped_one_byte_at_a_time_cannot_extend_the_deadline(settings: Settings) -> None:
    with FakeParallax() as fake:
        fake.push_scenarios("drip_body:0.2")  # ~600 bytes: two minutes, and every read "succeeds"
        error, elapsed = chat_error(settings, fake.base_url)
    assert elapsed < 5.0
    assert error.timed_out and error.kind == "transient"
    assert "within 1 s (timeout)" in error.message


def test_dripped_headers_cannot_extend_the_deadline(settings: Settings) -> None:
    with WireFault("drip_headers", every_s=0.2) as server:
        error, elapsed = chat_error(settings, server.base_url)
    assert elapsed < 5.0
    assert error.timed_out


def test_a_server_that_never_answers_costs_the_deadline_and_one_retry_only(settings: Settings) -> None:
    with FakeParallax() as fake:
        fake.push_scenarios(*["hang"] * 5)
        error, elapsed = chat_error(settings, fake.base_url, max_retries=4)
        sent = len(fake.chat_requests())
    assert sent == 2  # the first attempt and one retry, not 1 + max_retries
    assert elapsed < 2 * 1.0 + 3.0
    assert error.timed_out


def test_the_deadline_grows_with_the_answer_but_never_past_the_setting(settings: Settings) -> None:
    client = EndpointClient(hostile_settings(settings, "http://127.0.0.1:9/v1", request_timeout_s=180), READY)
    try:
        assert client.deadline_s(40) < client.deadline_s(800) == 180
        assert client.deadline_s(40) >= 60
    finally:
        client.close()


# -- the probe ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["silent", "drip_headers"])
def test_the_probe_takes_five_seconds_at_most(settings: Settings, mode: str) -> None:
    with WireFault(mode, every_s=0.5) as server:
        configured = hostile_settings(settings, server.base_url, request_timeout_s=180)
        started = time.monotonic()
        status = probe_endpoint(configured)
        elapsed = time.monotonic() - started
    assert elapsed < PROBE_TOTAL_S + 2.0
    assert not status.ready and not status.reachable
    assert "within 5 s (timeout)" in (status.reason or "")


# -- reply size -----------------------------------------------------------------------------


def test_a_huge_reply_is_cut_off_and_not_held_in_memory(settings: Settings) -> None:
    with FakeParallax() as fake:
        fake.push_scenarios("huge_body:64")
        tracemalloc.start()
        try:
            error, _elapsed = chat_error(settings, fake.base_url, request_timeout_s=30)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert error.kind == "failed" and not error.timed_out
    assert "reply is too large" in error.message
    assert peak < 16 * 1024 * 1024  # a 64 MB reply; the cap is about 1 MB


class _Scripted(BaseHTTPRequestHandler):
    """Answers every request with `reply` (status, headers, body)."""

    reply: tuple[int, dict[str, str], bytes] = (200, {}, b"{}")
    url = ""

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        status, headers, body = self.reply
        self.send_response(status)
        for name, value in (headers | {"Content-Length": str(len(body))}).items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client stopped reading
            self.wfile.write(body)

    do_GET = _answer
    do_POST = _answer


@pytest.fixture
def scripted() -> Iterator[type[_Scripted]]:
    handler: type[_Scripted] = type("Handler", (_Scripted,), {})  # its own reply per test
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    Thread(target=server.serve_forever, daemon=True).start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


def test_a_compressed_reply_is_refused_unopened(settings: Settings, scripted: type[_Scripted]) -> None:
    bomb = gzip.compress(b"0" * (64 * 1024 * 1024))  # 64 MB in about 64 KB
    scripted.reply = (200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, bomb)
    error, _ = chat_error(settings, scripted.url)
    assert error.kind == "failed" and "compressed reply (gzip)" in error.message


def test_a_huge_probe_reply_is_cut_off(settings: Settings, scripted: type[_Scripted]) -> None:
    scripted.reply = (200, {"Content-Type": "application/json"}, b'{"data": "' + b"x" * (8 << 20) + b'"}')
    status = probe_endpoint(hostile_settings(settings, scripted.url))
    assert not status.ready and "reply is too large" in (status.reason or "")


# -- redirects and unreadable bodies -------------------------------------------------------


def test_a_redirect_to_another_host_is_not_followed(settings: Settings) -> None:
    with FakeParallax() as elsewhere, FakeParallax() as fake:
        fake.push_scenarios(f"redirect:{elsewhere.base_url}/chat/completions")
        error, _ = chat_error(settings, fake.base_url)
        assert elsewhere.requests() == []
    assert error.kind == "failed" and "redirect (HTTP 307), which is not followed" in error.message


@pytest.mark.parametrize("scenario", ["pathological_json:deep_body", "garbage_body"])
def test_an_unreadable_body_is_a_plain_error(settings: Settings, scenario: str) -> None:
    with FakeParallax() as fake:
        fake.push_scenarios(scenario)
        error, _ = chat_error(settings, fake.base_url)
    assert error.kind == "transient" and "non-JSON body" in error.message
