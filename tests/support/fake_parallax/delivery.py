"""Putting bytes on the wire on schedule, and noticing when the client leaves.

A `Plan` is a fully precomputed response: status, headers, and timed emissions relative
to a base time (the moment the request got its capacity slot). `deliver` sends it, adding
the simulated one-way network latency to every send. `Exchange` runs a delivery while
watching for the client's disconnect, so an abandoned request frees its slot at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from tests.support.fake_parallax.runtime import Clock, DeliberateDrop, Lease, ServerStopping
from tests.support.fake_parallax.shapes import JSON_CONTENT_TYPE, SSE_HEADERS, compact


@dataclass(frozen=True)
class Emission:
    at: float  # seconds after the plan's base time
    data: bytes


@dataclass(frozen=True)
class Plan:
    status: int
    headers: tuple[tuple[str, str], ...]
    emissions: tuple[Emission, ...]
    headers_at: float = 0.0
    release_at: float = 0.0  # when the capacity slot is freed (end of generation)
    drop: bool = False  # end by cutting the connection instead of finishing the body


def json_plan(status: int, obj: object, *, at: float = 0.0) -> Plan:
    return raw_plan(status, compact(obj), JSON_CONTENT_TYPE, at=at)


def raw_plan(status: int, data: bytes, content_type: str, *, at: float = 0.0) -> Plan:
    headers = (("content-type", content_type), ("content-length", str(len(data))))
    return Plan(status, headers, (Emission(at, data),), headers_at=at, release_at=at)


def broken_json_plan(status: int, obj: object, *, at: float) -> Plan:
    """Headers promise the whole body, half of it arrives, then the connection drops."""
    data = compact(obj)
    headers = (("content-type", JSON_CONTENT_TYPE), ("content-length", str(len(data))))
    return Plan(
        status, headers, (Emission(at, data[: len(data) // 2]),), headers_at=at, release_at=at, drop=True
    )


def raw_stream_plan(data: bytes, *, at: float = 0.0) -> Plan:
    """200 SSE headers and bytes that are not SSE events (the scheduler relaying a node's body)."""
    return Plan(200, SSE_HEADERS, (Emission(at, data),), release_at=at)


async def deliver(
    send: Send, plan: Plan, *, base: float, latency: float, clock: Clock, lease: Lease | None
) -> None:
    release_time = base + plan.release_at
    if lease is not None:
        lease.release_at(release_time)  # generation ends then, however long the bytes take to travel

    def settle_lease() -> None:
        # The timer may not have run yet in this loop turn; never send past the end of
        # generation while the record still shows the slot as held.
        if lease is not None and time.monotonic() >= release_time:
            lease.release()

    await clock.pause_until(base + plan.headers_at + latency)
    raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in plan.headers]
    await send({"type": "http.response.start", "status": plan.status, "headers": raw_headers})
    for index, emission in enumerate(plan.emissions, start=1):
        await clock.pause_until(base + emission.at + latency)
        settle_lease()
        # The last bytes go out flagged final: with a Content-Length body the client is done as
        # soon as they arrive, so "complete" must be recorded with them, not after.
        final = index == len(plan.emissions) and not plan.drop
        await send({"type": "http.response.body", "body": emission.data, "more_body": not final})
    if plan.drop:
        raise DeliberateDrop
    if not plan.emissions:
        settle_lease()
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _wait_for_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


class Exchange(Response):
    """A response produced by a coroutine that may take long; cancelled if the client leaves."""

    def __init__(self, run: Callable[[Send], Awaitable[None]], on_disconnect: Callable[[], None]) -> None:
        super().__init__()
        self._run = run
        self._on_disconnect = on_disconnect

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        work = asyncio.ensure_future(self._run(send))
        watcher = asyncio.ensure_future(_wait_for_disconnect(receive))
        done, _ = await asyncio.wait({work, watcher}, return_when=asyncio.FIRST_COMPLETED)
        if work in done:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            try:
                work.result()  # re-raises DeliberateDrop so uvicorn cuts the connection
            except ServerStopping:
                raise DeliberateDrop from None
            return
        work.cancel()
        with contextlib.suppress(asyncio.CancelledError, DeliberateDrop):
            await work
        self._on_disconnect()
