"""The fake's knobs (docs/parallax-api.md §9.1 plus benchmark pacing), validated on every change."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.support.fake_parallax.responder import ANSWER_SHAPE_KNOB_VALUES, Responder

DEFAULT_NODE: dict[str, Any] = {
    "node_id": "12D3KooWFake1",
    "gpu_num": 1,
    "gpu_name": "NVIDIA GeForce RTX 4090",
    "gpu_memory": 24.0,
}

TokenCounter = Callable[[str], int]


def _default_nodes() -> list[dict[str, Any]]:
    return [dict(DEFAULT_NODE)]


@dataclass(frozen=True)
class FakeConfig:
    profile: str = "e2"
    model_name: str | None = "Qwen/Qwen3-0.6B"
    head_model_id: str | None = None  # None: same as model_name
    cluster_status: str = "available"
    nodes: list[dict[str, Any]] = field(default_factory=_default_nodes)
    init_nodes_num: int | None = 1
    need_more_nodes: bool = False
    max_running_request: int = 8
    max_model_len: int = 32768
    thinking_default: bool = True
    responder: Responder | None = None  # None: the built-in privfin responder
    answer_shape: str = "auto"  # the built-in responder's: "auto" (as the prompt asks), "compact", "long"
    token_counter: TokenCounter | None = None  # None: ceil(chars / 4)
    ttft_s: float = 0.05
    itl_s: float = 0.005
    chunk_chars: int = 4
    routing_wait_s: float = 0.05
    busy_wait_s: float = 0.2
    upstream_retry_s: float = 0.2
    status_interval_s: float = 1.0
    direct_node_mode: bool = False
    engine_error_role_chunk: bool = True
    network_latency_s: float = 0.0
    prefill_tokens_per_s: float | None = None
    decode_tokens_per_s: float | None = None

    @property
    def served_model_id(self) -> str:
        return self.head_model_id or self.model_name or ""

    @property
    def is_legacy(self) -> bool:
        return self.profile == "legacy"

    def count_tokens(self, text: str) -> int:
        if self.token_counter is not None:
            return int(self.token_counter(text))
        return math.ceil(len(text) / 4)

    def with_updates(self, updates: Mapping[str, Any]) -> FakeConfig:
        unknown = sorted(set(updates) - KNOB_NAMES)
        if unknown:
            raise ValueError(
                f"unknown fake knob(s) {unknown}; known: {sorted(KNOB_NAMES | {'scenario_queue'})}"
            )
        for name, value in updates.items():
            _VALIDATORS[name](name, value)
        changes = dict(updates)
        if "nodes" in changes:
            changes["nodes"] = [dict(node) for node in changes["nodes"]]
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in ("responder", "token_counter"):
                value = "default" if value is None else "custom"
            data[f.name] = value
        return data


KNOB_NAMES = frozenset(f.name for f in dataclasses.fields(FakeConfig))
# Callables cannot travel through the HTTP control plane.
PYTHON_ONLY_KNOBS = frozenset({"responder", "token_counter"})


def _one_of(*allowed: object) -> Callable[[str, object], None]:
    def check(name: str, value: object) -> None:
        if value not in allowed:
            raise ValueError(f"knob {name!r} must be one of {allowed}, got {value!r}")

    return check


def _number(
    minimum: float, *, optional: bool = False, integer: bool = False
) -> Callable[[str, object], None]:
    def check(name: str, value: object) -> None:
        if value is None and optional:
            return
        number_ok = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not number_ok or not isinstance(value, int | float) or value < minimum:
            kind = "an integer" if integer else "a number"
            raise ValueError(f"knob {name!r} must be {kind} >= {minimum}, got {value!r}")

    return check


def _positive_rate(name: str, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"knob {name!r} must be a positive number or None, got {value!r}")


def _text(*, optional: bool) -> Callable[[str, object], None]:
    def check(name: str, value: object) -> None:
        if (value is None and optional) or (isinstance(value, str) and value):
            return
        raise ValueError(
            f"knob {name!r} must be a non-empty string{' or None' if optional else ''}, got {value!r}"
        )

    return check


def _flag(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"knob {name!r} must be true or false, got {value!r}")


def _callable_or_none(name: str, value: object) -> None:
    if value is not None and not callable(value):
        raise ValueError(f"knob {name!r} must be callable or None")


def _nodes(name: str, value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(n, Mapping) and "node_id" in n for n in value):
        raise ValueError(f"knob {name!r} must be a list of objects with a 'node_id'")


_VALIDATORS: dict[str, Callable[[str, object], None]] = {
    "profile": _one_of("e2", "legacy"),
    "model_name": _text(optional=True),
    "head_model_id": _text(optional=True),
    "cluster_status": _one_of("available", "waiting"),
    "nodes": _nodes,
    "init_nodes_num": _number(0, optional=True, integer=True),
    "need_more_nodes": _flag,
    "max_running_request": _number(0, integer=True),
    "max_model_len": _number(1, integer=True),
    "thinking_default": _flag,
    "responder": _callable_or_none,
    "answer_shape": _one_of(*ANSWER_SHAPE_KNOB_VALUES),
    "token_counter": _callable_or_none,
    "ttft_s": _number(0),
    "itl_s": _number(0),
    "chunk_chars": _number(1, integer=True),
    "routing_wait_s": _number(0),
    "busy_wait_s": _number(0),
    "upstream_retry_s": _number(0),
    "status_interval_s": _number(0),
    "direct_node_mode": _flag,
    "engine_error_role_chunk": _flag,
    "network_latency_s": _number(0),
    "prefill_tokens_per_s": _positive_rate,
    "decode_tokens_per_s": _positive_rate,
}
assert set(_VALIDATORS) == KNOB_NAMES
