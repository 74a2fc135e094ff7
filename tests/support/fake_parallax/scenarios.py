"""Fault scenarios (docs/parallax-api.md §9.5): names, arguments and parsing.

A scenario is `name` or `name:arg` (e.g. `slow_first_token:2.5`, `wrong_schema:extra_id`).
Unknown names and bad arguments raise `ValueError` at once: a typo in a test must fail
loudly rather than silently test the happy path.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ArgKind(Enum):
    NONE = "none"
    SECONDS = "seconds"
    COUNT = "count"
    VARIANT = "variant"
    POLLS_OR_SECONDS = "polls_or_seconds"
    URL = "url"


@dataclass(frozen=True)
class ScenarioSpec:
    kind: ArgKind
    default: str | None = None
    variants: tuple[str, ...] = ()


SCENARIOS: dict[str, ScenarioSpec] = {
    "not_ready": ScenarioSpec(ArgKind.NONE),
    "warming_up": ScenarioSpec(ArgKind.POLLS_OR_SECONDS, default="2"),
    "routing_not_ready": ScenarioSpec(ArgKind.NONE),
    "busy_429": ScenarioSpec(ArgKind.NONE),
    "upstream_502": ScenarioSpec(ArgKind.NONE),
    "node_httpx_502": ScenarioSpec(ArgKind.NONE),
    "engine_error": ScenarioSpec(ArgKind.NONE),
    "stream_validation_400": ScenarioSpec(ArgKind.NONE),
    "slow_first_token": ScenarioSpec(ArgKind.SECONDS, default="1"),
    "slow_tokens": ScenarioSpec(ArgKind.SECONDS, default="0.05"),
    "stream_break": ScenarioSpec(ArgKind.COUNT, default="1"),
    "stall_then_abort": ScenarioSpec(ArgKind.SECONDS, default="0.1"),
    "length_truncated": ScenarioSpec(ArgKind.NONE),
    "reasoning_only": ScenarioSpec(ArgKind.NONE),
    "think_in_content": ScenarioSpec(
        ArgKind.VARIANT, default="closed", variants=("closed", "no_open", "unclosed")
    ),
    "fenced_json": ScenarioSpec(ArgKind.NONE),
    "bad_json": ScenarioSpec(
        ArgKind.VARIANT,
        default="trailing_comma",
        variants=("trailing_comma", "single_quotes", "unquoted_keys", "refusal"),
    ),
    "wrong_schema": ScenarioSpec(
        ArgKind.VARIANT,
        default="mixed",
        variants=(
            "mixed",
            "missing_id",
            "extra_id",
            "bad_category",
            "wrong_keys",
            "renumbered",
            "foreign_ids",
            "out_of_taxonomy",
        ),
    ),
    "prompt_too_long": ScenarioSpec(ArgKind.NONE),
    "legacy_node_error": ScenarioSpec(ArgKind.VARIANT, default="json", variants=("json", "text")),
    "drop_node": ScenarioSpec(ArgKind.NONE),
    "restore_node": ScenarioSpec(ArgKind.NONE),
    # Hostile endpoints (hostile.py): they ignore max_tokens and every convention.
    "hang": ScenarioSpec(ArgKind.NONE),
    "drip_body": ScenarioSpec(ArgKind.SECONDS, default="1"),
    "huge_body": ScenarioSpec(ArgKind.COUNT, default="8"),  # megabytes
    "pathological_json": ScenarioSpec(
        ArgKind.VARIANT,
        default="brackets",
        variants=("brackets", "braces", "deep_content", "deep_body", "think_tags"),
    ),
    "garbage_body": ScenarioSpec(ArgKind.NONE),
    "redirect": ScenarioSpec(ArgKind.URL, default="http://127.0.0.2:9/v1/chat/completions"),
}

# These change the cluster itself rather than one exchange: pushing them applies them at
# once (a status poll must see them before any chat request is made).
CLUSTER_ACTIONS = frozenset({"warming_up", "drop_node", "restore_node"})


@dataclass(frozen=True)
class Scenario:
    name: str
    arg: str | None = None

    @property
    def seconds(self) -> float:
        return float(self.arg or "0")

    @property
    def count(self) -> int:
        return int(self.arg or "0")

    @property
    def variant(self) -> str:
        return self.arg or ""

    @property
    def is_cluster_action(self) -> bool:
        return self.name in CLUSTER_ACTIONS

    def __str__(self) -> str:
        return self.name if self.arg is None else f"{self.name}:{self.arg}"


def _check_arg(name: str, spec: ScenarioSpec, arg: str) -> str:
    problem = f"scenario {name!r}: bad argument {arg!r}"
    if spec.kind is ArgKind.NONE:
        raise ValueError(f"scenario {name!r} takes no argument (got {arg!r})")
    if spec.kind is ArgKind.URL:
        if not arg.startswith(("http://", "https://")):
            raise ValueError(f"{problem}; expected an http(s) URL")
        return arg
    if spec.kind is ArgKind.VARIANT:
        if arg not in spec.variants:
            raise ValueError(f"{problem}; expected one of {', '.join(spec.variants)}")
        return arg
    if spec.kind is ArgKind.POLLS_OR_SECONDS and arg.endswith("s"):
        _check_non_negative(float(arg[:-1]) if _is_number(arg[:-1]) else -1, problem)
        return arg
    if spec.kind in (ArgKind.COUNT, ArgKind.POLLS_OR_SECONDS):
        _check_non_negative(int(arg) if arg.isdigit() else -1, problem)
        return arg
    _check_non_negative(float(arg) if _is_number(arg) else -1, problem)
    return arg


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_non_negative(value: float, problem: str) -> None:
    if value < 0:
        raise ValueError(f"{problem}; expected a non-negative number")


def parse_scenario(text: str) -> Scenario:
    name, sep, arg = text.strip().partition(":")
    spec = SCENARIOS.get(name)
    if spec is None:
        raise ValueError(f"unknown fake scenario {name!r}; known: {', '.join(sorted(SCENARIOS))}")
    if not sep:
        return Scenario(name, spec.default)
    return Scenario(name, _check_arg(name, spec, arg.strip()))
