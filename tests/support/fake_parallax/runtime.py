"""Event-loop side helpers: the capacity gate, slot leases, and stop-aware sleeping."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable


class ServerStopping(Exception):
    """The fake is shutting down; long sleeps end early so `stop()` never hangs."""


class DeliberateDrop(Exception):
    """Raised to make uvicorn close the TCP connection mid-response (stream_break and friends)."""


class CapacityGate:
    """`max_running_request` slots, granted first come first served.

    Lives on the server's event loop; `set_limit` must be called there too.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def set_limit(self, limit: int) -> None:
        self._limit = limit
        self._grant()

    async def acquire(self, timeout: float) -> bool:
        """Take a slot, waiting up to `timeout` seconds; False if none freed up in time."""
        if self._in_flight < self._limit and not self._waiters:
            self._in_flight += 1
            return True
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(ticket)
        try:
            await asyncio.wait_for(asyncio.shield(ticket), timeout)
        except TimeoutError:
            if ticket.done() and not ticket.cancelled():
                return True  # granted in the same instant the wait ran out
            self._forget(ticket)
            return False
        except asyncio.CancelledError:
            if ticket.done() and not ticket.cancelled():
                self.release()
            else:
                self._forget(ticket)
            raise
        return True

    def _forget(self, ticket: asyncio.Future[None]) -> None:
        ticket.cancel()
        if ticket in self._waiters:
            self._waiters.remove(ticket)

    def release(self) -> None:
        self._in_flight -= 1
        self._grant()

    def _grant(self) -> None:
        while self._waiters and self._in_flight < self._limit:
            ticket = self._waiters.popleft()
            if ticket.done():
                continue
            self._in_flight += 1
            ticket.set_result(None)


class Lease:
    """One held slot. Released once: at a scheduled time (generation end) or early (abort)."""

    def __init__(self, gate: CapacityGate, on_release: Callable[[float], None]) -> None:
        self._gate = gate
        self._on_release = on_release
        self._timer: asyncio.TimerHandle | None = None
        self.released = False
        self.started_at = time.monotonic()

    def release_at(self, when: float) -> None:
        """Free the slot at monotonic time `when`, independently of how long sending takes."""
        if self.released:
            return
        if self._timer is not None:
            self._timer.cancel()
        delay = max(when - time.monotonic(), 0.0)
        self._timer = asyncio.get_running_loop().call_later(delay, self.release)

    def release(self) -> None:
        if self.released:
            return
        self.released = True
        if self._timer is not None:
            self._timer.cancel()
        self._gate.release()
        self._on_release(time.monotonic())


class Clock:
    """Sleeps that end early when the server stops."""

    def __init__(self) -> None:
        self.stopping = asyncio.Event()

    async def pause(self, seconds: float) -> None:
        if self.stopping.is_set():
            raise ServerStopping
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        try:
            await asyncio.wait_for(self.stopping.wait(), seconds)
        except TimeoutError:
            return
        raise ServerStopping

    async def pause_until(self, when: float) -> None:
        await self.pause(when - time.monotonic())
