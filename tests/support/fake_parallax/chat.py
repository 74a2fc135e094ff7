"""`POST /v1/chat/completions`, in the processing order of docs/parallax-api.md §9.3 (e2) and §9.4 (legacy)."""

from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Send

from tests.support.fake_parallax.config import FakeConfig
from tests.support.fake_parallax.delivery import (
    Emission,
    Exchange,
    Plan,
    deliver,
    json_plan,
    raw_plan,
    raw_stream_plan,
)
from tests.support.fake_parallax.generation import (
    Output,
    apply_output_scenario,
    generate_e2,
    generate_legacy,
    make_pace,
    thinking_enabled,
)
from tests.support.fake_parallax.hostile import hostile_plan
from tests.support.fake_parallax.records import RecordedRequest
from tests.support.fake_parallax.responder import Reply, coerce_reply, default_responder
from tests.support.fake_parallax.runtime import CapacityGate, Clock, Lease
from tests.support.fake_parallax.scenarios import Scenario
from tests.support.fake_parallax.shapes import (
    BUSY_MESSAGE,
    DONE_EVENT,
    INTERNAL_MESSAGE,
    JSON_CONTENT_TYPE,
    NOT_READY_MESSAGE,
    ROUTING_MESSAGE,
    SSE_HEADERS,
    E2Chunks,
    LegacyChunks,
    compact,
    e2_completion,
    legacy_completion,
    legacy_error,
    legacy_node_error,
    openai_error,
    server_error,
    sse,
)
from tests.support.fake_parallax.state import FakeState
from tests.support.fake_parallax.streams import (
    e2_stream_plan,
    interruption_of,
    legacy_stream_plan,
    non_stream_plan,
)
from tests.support.fake_parallax.validation import (
    RequestProblem,
    engine_rejection,
    prompt_text,
    prompt_too_long,
    validate_e2,
)

logger = logging.getLogger(__name__)

LEGACY_TEXT_ERROR = b"internal server error"
_STREAM_VALIDATION_PROBLEM = RequestProblem("Only n=1 is supported.", "n")


@dataclass(frozen=True)
class Runtime:
    """The loop-bound parts the handlers share."""

    state: FakeState
    gate: CapacityGate
    clock: Clock


def _problem_body(problem: RequestProblem) -> dict[str, Any]:
    return openai_error(problem.message, "invalid_request_error", problem.code, problem.param)


class ChatExchange:
    """One chat request from admission to the last byte."""

    def __init__(
        self,
        runtime: Runtime,
        record: RecordedRequest,
        body: dict[str, Any],
        scenario: Scenario | None,
        content_type: str,
    ) -> None:
        self.runtime = runtime
        self.state = runtime.state
        self.cfg: FakeConfig = runtime.state.config
        self.record = record
        self.body = body
        self.scenario = scenario
        self.content_type = content_type
        self.stream = body.get("stream") is True
        self.prompt_tokens = self.cfg.count_tokens(prompt_text(body))

    def _is(self, name: str) -> bool:
        return self.scenario is not None and self.scenario.name == name

    # ------------------------------------------------------------ before a slot

    async def run(self, send: Send) -> None:
        cfg, clock = self.cfg, self.runtime.clock
        await clock.pause(cfg.network_latency_s)  # the request travelling to us
        early = await self._refusal_before_admission()
        if early is not None:
            await self._send_unadmitted(send, early)
            return
        if not await self.runtime.gate.acquire(cfg.busy_wait_s):
            await self._send_unadmitted(send, self._busy())
            return
        lease = Lease(self.runtime.gate, lambda at: self.state.update_record(self.record, service_end=at))
        self.state.update_record(self.record, service_start=lease.started_at)
        try:
            plan = hostile_plan(self.scenario, self._healthy_body)
            if plan is None:
                plan = self._legacy_plan() if cfg.is_legacy else self._e2_plan()
            await deliver(
                send, plan, base=lease.started_at, latency=cfg.network_latency_s, clock=clock, lease=lease
            )
        finally:
            lease.release()

    async def _send_unadmitted(self, send: Send, plan: Plan) -> None:
        now = time.monotonic()
        await deliver(
            send, plan, base=now, latency=self.cfg.network_latency_s, clock=self.runtime.clock, lease=None
        )

    async def _refusal_before_admission(self) -> Plan | None:
        cfg, clock, legacy = self.cfg, self.runtime.clock, self.cfg.is_legacy
        if self._is("not_ready") or not self.state.is_ready():
            if legacy:
                return json_plan(500, legacy_error(NOT_READY_MESSAGE))
            return json_plan(503, openai_error(NOT_READY_MESSAGE, "server_unavailable", "server_not_ready"))
        if self._is("routing_not_ready"):
            await clock.pause(cfg.routing_wait_s)
            if legacy:
                return json_plan(503, legacy_error(ROUTING_MESSAGE))
            return json_plan(503, openai_error(ROUTING_MESSAGE, "server_unavailable", "routing_not_ready"))
        if self._is("busy_429"):
            await clock.pause(cfg.busy_wait_s)
            return self._busy()
        if self._is("upstream_502") and not self.stream:
            await clock.pause(cfg.upstream_retry_s)
            if legacy:
                return json_plan(500, legacy_error(INTERNAL_MESSAGE))
            return json_plan(
                502, openai_error("Downstream request failed", "upstream_error", "upstream_error")
            )
        return None

    def _busy(self) -> Plan:
        if self.cfg.is_legacy:
            return json_plan(429, legacy_error(BUSY_MESSAGE))
        return json_plan(429, openai_error(BUSY_MESSAGE, "rate_limit_error", "rate_limit_exceeded"))

    # ------------------------------------------------------------ e2, holding a slot

    def _e2_plan(self) -> Plan:
        cfg, body = self.cfg, self.body
        if cfg.direct_node_mode:
            refusal = self._direct_node_refusal()
            if refusal is not None:
                return refusal
        problem = validate_e2(body, self.prompt_tokens, cfg.max_model_len)
        if self._is("prompt_too_long"):
            problem = prompt_too_long(max(self.prompt_tokens, cfg.max_model_len), cfg.max_model_len)
        if self._is("stream_validation_400") and problem is None:
            problem = _STREAM_VALIDATION_PROBLEM
        if problem is not None:
            if self.stream and not cfg.direct_node_mode:
                # The scheduler already sent 200 + SSE headers and relays vllm-rs's raw body (docs/parallax-api.md §4b).
                return raw_stream_plan(compact(_problem_body(problem)))
            return json_plan(400, _problem_body(problem))
        if self._is("engine_error") or engine_rejection(body) is not None:
            return self._e2_engine_error()
        if self._is("node_httpx_502"):
            return self._node_httpx_502()
        if self._is("legacy_node_error"):
            return self._legacy_node_error_plan()
        return self._generate(generate_e2)

    def _direct_node_refusal(self) -> Plan | None:
        if not self.content_type.lower().startswith(JSON_CONTENT_TYPE):
            message = "Expected request with `Content-Type: application/json`"
            return json_plan(400, openai_error(message, "invalid_request_error", "json_parse_error"))
        model = self.body.get("model")
        if isinstance(model, str) and model and model != self.cfg.served_model_id:
            message = f"The model `{model}` does not exist."
            return json_plan(404, openai_error(message, "invalid_request_error", "model_not_found", "model"))
        return None

    def _e2_engine_error(self) -> Plan:
        if not self.stream:
            return json_plan(500, server_error())
        chunks = self._e2_chunks()
        emissions = []
        if self.cfg.engine_error_role_chunk:
            emissions.append(Emission(0.0, chunks.delta({"role": "assistant"}, 0)))
        emissions += [Emission(0.0, sse(server_error())), Emission(0.0, DONE_EVENT)]
        return Plan(200, SSE_HEADERS, tuple(emissions))

    def _node_httpx_502(self) -> Plan:
        error = openai_error(INTERNAL_MESSAGE, "upstream_error", "upstream_error")
        if not self.stream:
            return json_plan(502, error)
        envelope = {
            "__parallax_http_response__": True,
            "status_code": 502,
            "content_type": JSON_CONTENT_TYPE,
            "body_base64": base64.b64encode(compact(error)).decode(),
        }
        return raw_stream_plan(compact(envelope))

    # ------------------------------------------------------------ legacy, holding a slot

    def _legacy_plan(self) -> Plan:
        messages = self.body.get("messages")
        if not isinstance(messages, list) or not messages:
            return json_plan(500, legacy_error(INTERNAL_MESSAGE))  # the executor's AssertionError
        if self._is("legacy_node_error") or self._is("stream_validation_400"):
            return self._legacy_node_error_plan()
        if self._is("prompt_too_long"):
            return self._legacy_node_error_plan(
                prompt_too_long(
                    max(self.prompt_tokens, self.cfg.max_model_len), self.cfg.max_model_len
                ).message
            )
        if self._is("engine_error"):
            if not self.stream:
                return json_plan(500, legacy_error(INTERNAL_MESSAGE))
            return self._legacy_error_stream(INTERNAL_MESSAGE)
        if self._is("node_httpx_502"):
            return self._legacy_text_error()
        return self._generate(generate_legacy)

    def _legacy_node_error_plan(self, message: str = "Request rejected by the node") -> Plan:
        text_variant = (
            self._is("legacy_node_error") and self.scenario is not None and self.scenario.variant == "text"
        )
        if text_variant:
            return self._legacy_text_error()
        if self.stream:
            return self._legacy_error_stream(message)
        return json_plan(200, legacy_node_error(message))

    def _legacy_text_error(self) -> Plan:
        """E1 relayed an httpx failure as 200 + plain text labelled JSON; in streams, appended bytes."""
        if not self.stream:
            return raw_plan(200, LEGACY_TEXT_ERROR, JSON_CONTENT_TYPE)
        first = self._legacy_chunks().first("")
        return Plan(200, SSE_HEADERS, (Emission(0.0, first), Emission(0.0, LEGACY_TEXT_ERROR)))

    def _legacy_error_stream(self, message: str) -> Plan:
        chunks = self._legacy_chunks()
        emissions = (
            Emission(0.0, chunks.first("")),
            Emission(0.0, chunks.error(message)),
            Emission(0.0, chunks.last("abort", 0)),
            Emission(0.0, DONE_EVENT),
        )
        return Plan(200, SSE_HEADERS, emissions)

    # ------------------------------------------------------------ generation

    def _generate(self, generate: Callable[[dict[str, Any], Reply, FakeConfig, int], Output]) -> Plan:
        try:
            reply = self._reply()
        except Exception as exc:
            # A broken custom responder is a test bug: say so plainly instead of faking a server error.
            logger.exception("fake parallax responder failed")
            error = openai_error(
                f"fake parallax: responder failed: {exc!r}", "fake_responder_error", "responder_error"
            )
            return json_plan(500, error)
        return self._success_plan(generate(self.body, reply, self.cfg, self.prompt_tokens))

    def _reply(self) -> Reply:
        if self.cfg.responder is not None:
            reply = coerce_reply(self.cfg.responder(self.body))
        else:
            reply = default_responder(self.body, self.cfg.answer_shape)
        legacy = self.cfg.is_legacy
        if not thinking_enabled(self.body, self.cfg.thinking_default, legacy=legacy):
            reply = Reply(reply.content, None, reply.finish_reason, reply.tool_calls)
        return apply_output_scenario(reply, self.scenario, self.body, self.cfg.answer_shape)

    def _success_plan(self, output: Output) -> Plan:
        cfg = self.cfg
        pace = make_pace(cfg, self.scenario, self.prompt_tokens, output.completion_tokens)
        interruption = interruption_of(self.scenario, stream=self.stream)
        delivered = output
        if self.stream:
            if cfg.is_legacy:
                plan = legacy_stream_plan(
                    output,
                    pace,
                    self._legacy_chunks(),
                    chunk_chars=cfg.chunk_chars,
                    interruption=interruption,
                )
            else:
                options = self.body.get("stream_options")
                include_usage = isinstance(options, Mapping) and options.get("include_usage") is True
                plan = e2_stream_plan(
                    output,
                    pace,
                    self._e2_chunks(),
                    chunk_chars=cfg.chunk_chars,
                    include_usage=include_usage,
                    interruption=interruption,
                )
        else:
            plan, delivered = non_stream_plan(
                output, pace, self._render_body, chunk_chars=cfg.chunk_chars, interruption=interruption
            )
        finish: str | None = delivered.finish_reason
        if interruption is not None:
            finish = None if interruption.kind == "break" else "abort"
        self.state.update_record(
            self.record,
            prompt_tokens=delivered.prompt_tokens,
            completion_tokens=delivered.completion_tokens,
            finish_reason=finish,
        )
        return plan

    def _render_body(self, output: Output) -> dict[str, Any]:
        if self.cfg.is_legacy:
            return legacy_completion(output, str(uuid.uuid4()), time.time(), self._legacy_model())
        return e2_completion(output, self._completion_id(), int(time.time()), self.cfg.served_model_id)

    def _completion_id(self) -> str:
        request_id = self.body.get("request_id")
        return "chatcmpl-" + (request_id if isinstance(request_id, str) and request_id else str(uuid.uuid4()))

    def _e2_chunks(self) -> E2Chunks:
        options = self.body.get("stream_options")
        continuous = isinstance(options, Mapping) and options.get("continuous_usage_stats") is True
        return E2Chunks(
            self._completion_id(), int(time.time()), self.cfg.served_model_id, self.prompt_tokens, continuous
        )

    def _healthy_body(self) -> bytes:
        """The body an honest server would send for this request (what `drip_body` drips)."""
        generate = generate_legacy if self.cfg.is_legacy else generate_e2
        output = generate(self.body, self._reply(), self.cfg, self.prompt_tokens)
        return compact(self._render_body(output))

    def _legacy_model(self) -> str:
        model = self.body.get("model")
        return model if isinstance(model, str) and model else "default"

    def _legacy_chunks(self) -> LegacyChunks:
        return LegacyChunks(str(uuid.uuid4()), time.time(), self._legacy_model(), self.prompt_tokens)


def _parse_error(cfg: FakeConfig, message: str) -> Plan:
    if cfg.is_legacy:
        return json_plan(500, legacy_error(INTERNAL_MESSAGE))
    return json_plan(400, openai_error(message, "invalid_request_error", "invalid_request_error"))


async def chat_completions(request: Request, runtime: Runtime) -> Response:
    state = runtime.state
    record: RecordedRequest = request.state.fake_record
    raw = await request.body()
    cfg = state.config
    try:
        body: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        state.update_record(record, raw_body=raw)
        return _one_shot(runtime, record, _parse_error(cfg, "Invalid request body"))
    state.update_record(record, raw_body=raw, body=body)
    if not isinstance(body, dict):
        return _one_shot(runtime, record, _parse_error(cfg, "Request body must be a JSON object"))
    try:
        scenario = state.take_scenario(request.headers.get("x-fake-scenario"))
    except ValueError as exc:
        error = openai_error(f"fake parallax: {exc}", "fake_configuration_error", "unknown_scenario")
        return _one_shot(runtime, record, json_plan(400, error))
    state.update_record(
        record, scenario=None if scenario is None else str(scenario), stream=body.get("stream") is True
    )
    exchange = ChatExchange(runtime, record, body, scenario, request.headers.get("content-type", ""))
    return Exchange(exchange.run, lambda: state.update_record(record, aborted=True))


def _one_shot(runtime: Runtime, record: RecordedRequest, plan: Plan) -> Response:
    latency = runtime.state.config.network_latency_s

    async def run(send: Send) -> None:
        await runtime.clock.pause(latency)
        await deliver(send, plan, base=time.monotonic(), latency=latency, clock=runtime.clock, lease=None)

    return Exchange(run, lambda: runtime.state.update_record(record, aborted=True))
