"""The Starlette app: the scheduler's `:3001` surface (docs/parallax-api.md §9.2) plus the `/__fake__/` control plane."""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.support.fake_parallax.chat import Runtime, chat_completions
from tests.support.fake_parallax.config import PYTHON_ONLY_KNOBS
from tests.support.fake_parallax.delivery import Exchange
from tests.support.fake_parallax.records import CHAT_PATH
from tests.support.fake_parallax.runtime import ServerStopping
from tests.support.fake_parallax.shapes import compact

CONTROL_PREFIX = "/__fake__/"
NOT_FOUND = {"detail": "Not Found"}
METHOD_NOT_ALLOWED = {"detail": "Method Not Allowed"}


class RecordingMiddleware:
    """Records every non-control-plane request and adds simulated network latency.

    Chat requests pace their own latency (it must shift every streamed chunk, not just headers).
    """

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        state, clock = self.runtime.state, self.runtime.clock
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        record = state.record(
            method=scope["method"],
            path=scope["path"],
            query=scope["query_string"].decode("latin-1"),
            headers=headers,
            received_at=time.monotonic(),
            received_wall=time.time(),
        )
        scope.setdefault("state", {})["fake_record"] = record
        latency = 0.0 if scope["path"] == CHAT_PATH else state.config.network_latency_s

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                await clock.pause(latency)
                state.update_record(record, status=message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                # Stamped before the last byte leaves, so a client never sees a finished response
                # whose record still looks unfinished.
                state.update_record(record, completed_at=time.monotonic())
            await send(message)

        try:
            await clock.pause(latency)
            await self.app(scope, receive, recording_send)
        finally:
            if record.completed_at is None:  # dropped or abandoned: the handler's end is the end
                state.update_record(record, completed_at=time.monotonic())


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    record = getattr(request.state, "fake_record", None)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        body = None
    if record is not None:
        request.app.state.runtime.state.update_record(record, raw_body=raw, body=body)
    return body


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


# ---------------------------------------------------------------- scheduler surface


async def list_models(request: Request) -> Response:
    cfg = _runtime(request).state.config
    if cfg.is_legacy:
        return JSONResponse(NOT_FOUND, status_code=404)
    if cfg.model_name is None:
        return JSONResponse({"object": "list", "data": []})
    owner = "vllm-frontend-rs" if cfg.direct_node_mode else "parallax"
    model_id = cfg.served_model_id if cfg.direct_node_mode else cfg.model_name
    return JSONResponse(
        {"object": "list", "data": [{"id": model_id, "object": "model", "created": 0, "owned_by": owner}]}
    )


async def cluster_status_json(request: Request) -> Response:
    state = _runtime(request).state
    if state.config.is_legacy:
        return JSONResponse(NOT_FOUND, status_code=404)
    return JSONResponse(state.poll_status())


async def cluster_status_stream(request: Request) -> Response:
    runtime = _runtime(request)
    raw_limit = request.query_params.get("max_lines")
    if raw_limit is not None and not (raw_limit.isdigit() and int(raw_limit) > 0):
        return JSONResponse({"detail": "max_lines must be a positive integer"}, status_code=400)
    max_lines = int(raw_limit) if raw_limit is not None else None
    record = request.state.fake_record

    async def run(send: Send) -> None:
        headers = [(b"content-type", b"application/x-ndjson")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        sent = 0
        while max_lines is None or sent < max_lines:
            if sent:
                try:
                    await runtime.clock.pause(runtime.state.config.status_interval_s)
                except ServerStopping:
                    break
            line = compact(runtime.state.poll_status()) + b"\n"
            await send({"type": "http.response.body", "body": line, "more_body": True})
            sent += 1
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    return Exchange(run, lambda: runtime.state.update_record(record, aborted=True))


async def model_list(request: Request) -> Response:
    cfg = _runtime(request).state.config
    data = [] if cfg.model_name is None else [{"name": cfg.model_name, "vram_gb": 2}]
    return JSONResponse({"type": "model_list", "data": data})


async def scheduler_init(request: Request) -> Response:
    body = await _json_body(request)
    body = body if isinstance(body, dict) else {}
    model_name = body.get("model_name")
    nodes = body.get("init_nodes_num")
    if not isinstance(model_name, str) or not model_name:
        return JSONResponse({"type": "scheduler_init", "error": "model_name is required"}, status_code=400)
    if not isinstance(nodes, int) or isinstance(nodes, bool) or nodes < 1:
        return JSONResponse(
            {"type": "scheduler_init", "error": "init_nodes_num is required"}, status_code=400
        )
    is_local = body.get("is_local_network", True)
    _runtime(request).state.init_scheduler(model_name, nodes)
    data = {"model_name": model_name, "init_nodes_num": nodes, "is_local_network": bool(is_local)}
    return JSONResponse({"type": "scheduler_init", "data": data})


async def node_join_command(request: Request) -> Response:
    return JSONResponse({"type": "node_join_command", "data": {"command": "parallax join"}})


async def chat(request: Request) -> Response:
    return await chat_completions(request, _runtime(request))


# ---------------------------------------------------------------- control plane


def _control_snapshot(request: Request) -> dict[str, Any]:
    state = _runtime(request).state
    return {"config": state.config.to_json(), "scenario_queue": state.queued_scenarios()}


async def control_config(request: Request) -> Response:
    if request.method == "POST":
        updates = await _json_body(request)
        if not isinstance(updates, dict):
            return JSONResponse({"detail": "body must be a JSON object of knobs"}, status_code=400)
        blocked = sorted(PYTHON_ONLY_KNOBS & set(updates))
        if blocked:
            return JSONResponse({"detail": f"knobs {blocked} can only be set from Python"}, status_code=400)
        try:
            _runtime(request).state.configure(updates)
        except ValueError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=400)
    return JSONResponse(_control_snapshot(request))


async def control_scenario(request: Request) -> Response:
    body = await _json_body(request)
    if not isinstance(body, dict) or not ({"push", "clear"} & set(body)):
        return JSONResponse({"detail": 'expected {"push": [...]} and/or {"clear": true}'}, status_code=400)
    state = _runtime(request).state
    push = body.get("push", [])
    if not isinstance(push, list):
        return JSONResponse({"detail": "push must be a list of scenario names"}, status_code=400)
    try:
        if body.get("clear") is True:
            state.clear_scenarios()
        state.push(str(name) for name in push)
    except ValueError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=400)
    return JSONResponse(_control_snapshot(request))


async def control_requests(request: Request) -> Response:
    records = _runtime(request).state.records()
    return JSONResponse({"requests": [r.to_json() for r in records]})


async def control_reset(request: Request) -> Response:
    _runtime(request).state.reset()
    return JSONResponse(_control_snapshot(request))


# ---------------------------------------------------------------- errors and assembly


async def _no_route(request: Request, exc: Exception) -> Response:
    # The real scheduler's static mount answers unknown GETs 404 and other methods 405.
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404 and request.method not in ("GET", "HEAD"):
        status = 405
    return JSONResponse(NOT_FOUND if status == 404 else METHOD_NOT_ALLOWED, status_code=status)


def build_app(runtime: Runtime) -> ASGIApp:
    routes = [
        Route("/v1/models", list_models, methods=["GET"]),
        Route("/cluster/status_json", cluster_status_json, methods=["GET"]),
        Route("/cluster/status", cluster_status_stream, methods=["GET"]),
        Route("/model/list", model_list, methods=["GET"]),
        Route("/scheduler/init", scheduler_init, methods=["POST"]),
        Route("/node/join/command", node_join_command, methods=["GET"]),
        Route(CHAT_PATH, chat, methods=["POST"]),
        Route(CONTROL_PREFIX + "config", control_config, methods=["GET", "POST"]),
        Route(CONTROL_PREFIX + "scenario", control_scenario, methods=["POST"]),
        Route(CONTROL_PREFIX + "requests", control_requests, methods=["GET"]),
        Route(CONTROL_PREFIX + "reset", control_reset, methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={404: _no_route, 405: _no_route})
    app.state.runtime = runtime
    return RecordingMiddleware(app, runtime)
