"""Plans for a successful generation: SSE streams of both eras and non-stream bodies.

Also the two mid-response faults: `stream_break:K` (connection cut after K content
chunks) and `stall_then_abort:S` (tokens stop for S seconds, then `finish_reason: abort`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.support.fake_parallax.delivery import Emission, Plan, broken_json_plan, json_plan
from tests.support.fake_parallax.generation import CHARS_PER_TOKEN, Output, Pace, Piece
from tests.support.fake_parallax.scenarios import Scenario
from tests.support.fake_parallax.shapes import DONE_EVENT, SSE_HEADERS, E2Chunks, LegacyChunks


@dataclass(frozen=True)
class Interruption:
    kind: str  # "break" or "stall"
    keep_content_pieces: int | None = None  # break: K; stall: decided from the content length
    stall_s: float = 0.0


def interruption_of(scenario: Scenario | None, *, stream: bool) -> Interruption | None:
    if scenario is None:
        return None
    if scenario.name == "stream_break":
        return Interruption("break", scenario.count)
    if scenario.name == "upstream_502" and stream:
        # Mid-stream the scheduler has no status to send: the RPC failure cuts the stream.
        return Interruption("break", 0)
    if scenario.name == "stall_then_abort":
        return Interruption("stall", stall_s=scenario.seconds)
    return None


def _kept_content(pieces: list[Piece], interruption: Interruption | None) -> int | None:
    if interruption is None:
        return None
    if interruption.kind == "break":
        return interruption.keep_content_pieces
    content = sum(1 for p in pieces if p.kind == "content")
    return max(1, content // 2) if content else 0


@dataclass
class _Timeline:
    emissions: list[Emission]
    last_at: float
    chars: int = 0

    @property
    def tokens(self) -> int:
        return math.ceil(self.chars / CHARS_PER_TOKEN)


def _play(
    pieces: list[Piece],
    pace: Pace,
    first: Emission,
    interruption: Interruption | None,
    render: Callable[[Piece, int], bytes | None],
) -> _Timeline:
    """Emit pieces on schedule until the interruption's cut; `render` returns None to stay silent."""
    keep = _kept_content(pieces, interruption)
    timeline = _Timeline([first], first.at)
    content_sent = 0
    for piece, at in zip(pieces, pace.offsets(pieces), strict=True):
        if piece.kind == "content":
            if keep is not None and content_sent >= keep:
                break
            content_sent += 1
        timeline.chars += len(piece.text)
        timeline.last_at = at
        data = render(piece, timeline.tokens)
        if data is not None:
            timeline.emissions.append(Emission(at, data))
    if interruption is not None and interruption.kind == "stall":
        timeline.last_at += interruption.stall_s
    return timeline


def _tool_call_deltas(output: Output) -> list[dict[str, Any]]:
    return [{"index": i, **dict(call)} for i, call in enumerate(output.tool_calls)]


def e2_stream_plan(
    output: Output,
    pace: Pace,
    chunks: E2Chunks,
    *,
    chunk_chars: int,
    include_usage: bool,
    interruption: Interruption | None,
) -> Plan:
    def render(piece: Piece, tokens: int) -> bytes | None:
        if piece.kind == "reasoning" and not output.show_reasoning:
            return None  # still generated (and timed), just not shown
        return chunks.delta({piece.kind: piece.text}, tokens)

    role = Emission(pace.first_token_s, chunks.delta({"role": "assistant"}, 0))
    timeline = _play(output.pieces(chunk_chars), pace, role, interruption, render)
    at, tokens = timeline.last_at, timeline.tokens
    if interruption is not None and interruption.kind == "break":
        return Plan(200, SSE_HEADERS, tuple(timeline.emissions), release_at=at, drop=True)
    finish, stop_reason = output.finish_reason, output.stop_reason
    if interruption is not None:
        finish, stop_reason = "abort", None
    elif output.tool_calls:
        timeline.emissions.append(
            Emission(at, chunks.delta({"tool_calls": _tool_call_deltas(output)}, tokens))
        )
    timeline.emissions.append(Emission(at, chunks.final(finish, stop_reason, tokens)))
    if include_usage:
        timeline.emissions.append(Emission(at, chunks.usage(tokens)))
    timeline.emissions.append(Emission(at, DONE_EVENT))
    return Plan(200, SSE_HEADERS, tuple(timeline.emissions), release_at=at)


def legacy_stream_plan(
    output: Output, pace: Pace, chunks: LegacyChunks, *, chunk_chars: int, interruption: Interruption | None
) -> Plan:
    text = output.content or ""
    opener = "<think>" if output.legacy_think_prefix and text.startswith("<think>") else ""
    rest = text[len(opener) :]
    pieces = [Piece("content", rest[i : i + chunk_chars]) for i in range(0, len(rest), chunk_chars)]
    first = Emission(pace.first_token_s, chunks.first(opener))
    timeline = _play(
        pieces, pace, first, interruption, lambda piece, tokens: chunks.middle(piece.text, tokens)
    )
    at = timeline.last_at
    if interruption is not None and interruption.kind == "break":
        return Plan(200, SSE_HEADERS, tuple(timeline.emissions), release_at=at, drop=True)
    finish = "abort" if interruption is not None else output.finish_reason
    tokens = math.ceil((len(opener) + timeline.chars) / CHARS_PER_TOKEN)
    timeline.emissions.append(Emission(at, chunks.last(finish, tokens)))
    timeline.emissions.append(Emission(at, DONE_EVENT))
    return Plan(200, SSE_HEADERS, tuple(timeline.emissions), release_at=at)


def non_stream_plan(
    output: Output,
    pace: Pace,
    render: Callable[[Output], dict[str, Any]],
    *,
    chunk_chars: int,
    interruption: Interruption | None,
) -> tuple[Plan, Output]:
    """The JSON body at the end of generation, and the output it actually carries."""
    if interruption is not None and interruption.kind == "stall":
        partial = output.truncated_to(0.5, "abort")
        at = pace.non_stream_end(partial.pieces(chunk_chars)) + interruption.stall_s
        return json_plan(200, render(partial), at=at), partial
    at = pace.non_stream_end(output.pieces(chunk_chars))
    if interruption is not None:
        return broken_json_plan(200, render(output), at=at), output
    return json_plan(200, render(output), at=at), output
