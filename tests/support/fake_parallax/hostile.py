"""Hostile replies (docs/parallax-api.md §9.5, "hostile" rows): what a broken or malicious endpoint sends.

Unlike the output scenarios these ignore the request's `max_tokens` and the capacity
bookkeeping of a real generation: a hostile server honours nothing. Each builds a whole
`Plan`; `hang` never sends a byte, `drip_body` sends a healthy answer one byte at a time.
What HTTP itself cannot express (dripping the status line and headers, never reading the
request, bytes that are not HTTP) is in `wire.py`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

from tests.support.fake_parallax.delivery import Emission, Plan, raw_plan
from tests.support.fake_parallax.scenarios import Scenario
from tests.support.fake_parallax.shapes import JSON_CONTENT_TYPE

HANG_S = 3600.0  # "never": the server's stop or the client's disconnect ends it first
HUGE_CHUNK = 64 * 1024
HOSTILE_SCENARIOS = frozenset(
    {"hang", "drip_body", "huge_body", "pathological_json", "garbage_body", "redirect"}
)
PATHOLOGICAL_SIZE = 8 * 1024


def _envelope() -> tuple[bytes, bytes]:
    """The bytes of a chat completion before and after its (already JSON-encoded) content."""
    marker = "\x00CONTENT\x00"
    whole = json.dumps(
        {
            "id": "chatcmpl-hostile",
            "object": "chat.completion",
            "created": 0,
            "model": "hostile",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": marker}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    )
    before, after = whole.split(json.dumps(marker))
    return before.encode(), after.encode()


def completion_with_content(content: str) -> bytes:
    before, after = _envelope()
    return before + json.dumps(content).encode() + after


def _huge(megabytes: int) -> Plan:
    """A well-formed completion whose content is `megabytes` MB of text, sent in chunks
    that share one buffer (the fake itself must not need the memory it is testing)."""
    before, after = _envelope()
    chunk = b"x" * HUGE_CHUNK
    count = max(1, megabytes * 1024 * 1024 // HUGE_CHUNK)
    size = len(before) + 1 + count * HUGE_CHUNK + 1 + len(after)
    emissions = [Emission(0.0, before + b'"')]
    emissions += [Emission(0.0, chunk)] * count
    emissions.append(Emission(0.0, b'"' + after))
    headers = (("content-type", JSON_CONTENT_TYPE), ("content-length", str(size)))
    return Plan(200, headers, tuple(emissions))


def _pathological(variant: str) -> Plan:
    if variant == "deep_body":  # the HTTP body itself: json.loads recurses past its limit
        return raw_plan(200, b"[" * 200_000 + b"]" * 200_000, JSON_CONTENT_TYPE)
    content = {
        "brackets": "[" * PATHOLOGICAL_SIZE,
        "braces": '{"a":' * (PATHOLOGICAL_SIZE // 5),
        "deep_content": "[" * PATHOLOGICAL_SIZE + "]" * PATHOLOGICAL_SIZE,
        "think_tags": "<think>" * PATHOLOGICAL_SIZE,
    }[variant]
    return raw_plan(200, completion_with_content(content), JSON_CONTENT_TYPE)


def _drip(body: bytes, every_s: float) -> Plan:
    headers = (("content-type", JSON_CONTENT_TYPE), ("content-length", str(len(body))))
    emissions = tuple(Emission(i * every_s, body[i : i + 1]) for i in range(len(body)))
    return Plan(200, headers, emissions)


def _garbage() -> Plan:
    noise = random.Random(7).randbytes(4096)
    return raw_plan(200, noise, JSON_CONTENT_TYPE)


def _redirect(target: str) -> Plan:
    headers = (("location", target), ("content-type", JSON_CONTENT_TYPE), ("content-length", "2"))
    return Plan(307, headers, (Emission(0.0, b"{}"),))


def hostile_plan(scenario: Scenario | None, healthy_body: Callable[[], bytes]) -> Plan | None:
    """The plan for a hostile scenario, or None for every other one."""
    if scenario is None or scenario.name not in HOSTILE_SCENARIOS:
        return None
    if scenario.name == "hang":
        return Plan(200, (), (), headers_at=HANG_S)
    if scenario.name == "drip_body":
        return _drip(healthy_body(), scenario.seconds)
    if scenario.name == "huge_body":
        return _huge(scenario.count)
    if scenario.name == "pathological_json":
        return _pathological(scenario.variant)
    if scenario.name == "garbage_body":
        return _garbage()
    return _redirect(scenario.variant)
