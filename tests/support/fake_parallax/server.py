"""`FakeParallax`: the stand-in scheduler on 127.0.0.1, served by uvicorn in a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import uvicorn

from tests.support.fake_parallax.app import build_app
from tests.support.fake_parallax.chat import Runtime
from tests.support.fake_parallax.config import FakeConfig
from tests.support.fake_parallax.records import RecordedRequest
from tests.support.fake_parallax.runtime import CapacityGate, Clock, DeliberateDrop
from tests.support.fake_parallax.state import FakeState

_START_TIMEOUT_S = 10.0
_STOP_TIMEOUT_S = 5.0
_GRACEFUL_S = 2.0  # every long wait in the app ends early on stop, so this is only a backstop


class _HideDeliberateDrops(logging.Filter):
    """uvicorn logs every exception escaping the app; a deliberate connection cut is not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DeliberateDrop)


_drop_filter = _HideDeliberateDrops()


class _PromptServer(uvicorn.Server):
    """uvicorn polls for exit every 0.1 s and sleeps 0.1 s while shutting down; a fixture
    started and stopped for every test must stop in milliseconds instead."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.exit_requested = asyncio.Event()

    def request_exit(self) -> None:
        """Call on the server's loop."""
        self.should_exit = True
        self.exit_requested.set()

    async def main_loop(self) -> None:
        ticks = 0
        while not await self.on_tick(ticks):  # on_tick keeps the Date header fresh
            ticks += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.exit_requested.wait(), 0.1)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # idle keep-alive connections close now, busy ones after their response
        deadline = time.monotonic() + _GRACEFUL_S
        while (self.server_state.connections or self.server_state.tasks) and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        for task in self.server_state.tasks:
            task.cancel()
        for server in self.servers:
            await server.wait_closed()


class FakeParallax:
    """A real HTTP stand-in for a Parallax scheduler (see docs/parallax-api.md §9).

    Knobs are the fields of `FakeConfig` plus `scenario_queue` (a list of scenario names).
    Use as a context manager, or call `start()` / `stop()`.
    """

    def __init__(self, **knobs: Any) -> None:
        queue = knobs.pop("scenario_queue", ())
        self._state = FakeState(FakeConfig().with_updates(knobs), queue)
        self._thread: threading.Thread | None = None
        self._server: _PromptServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._clock: Clock | None = None
        self._port: int | None = None
        self._startup_error: BaseException | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> FakeParallax:
        if self._thread is not None:
            raise RuntimeError("FakeParallax is already running")
        logging.getLogger("uvicorn.error").addFilter(_drop_filter)
        # proto must be IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets
        # that say so, and without it every keep-alive response stalls ~40 ms (Nagle + delayed ACK).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve_forever, args=(sock, ready), name=f"fake-parallax-{self._port}", daemon=True
        )
        self._thread.start()
        if not ready.wait(_START_TIMEOUT_S) or self._startup_error is not None:
            self.stop()
            raise RuntimeError(f"FakeParallax did not start: {self._startup_error!r}")
        return self

    def _serve_forever(self, sock: socket.socket, ready: threading.Event) -> None:
        try:
            asyncio.run(self._serve(sock, ready))
        except BaseException as exc:  # surfaced to start() instead of dying silently in a thread
            self._startup_error = exc
            ready.set()
        finally:
            sock.close()

    async def _serve(self, sock: socket.socket, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._clock = Clock()
        gate = CapacityGate(self._state.config.max_running_request)
        loop = self._loop

        def follow_capacity(limit: int) -> None:
            # configure() may run after stop(); a closed loop has no gate left to update.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(gate.set_limit, limit)

        self._state.on_capacity_change = follow_capacity
        app = build_app(Runtime(self._state, gate, self._clock))
        config = uvicorn.Config(
            app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http="h11",
            loop="asyncio",
        )
        self._server = _PromptServer(config)
        serving = asyncio.ensure_future(self._server.serve(sockets=[sock]))
        while not self._server.started and not serving.done():
            await asyncio.sleep(0.001)
        ready.set()
        await serving

    def stop(self) -> None:
        thread, server, loop, clock = self._thread, self._server, self._loop, self._clock
        if thread is None:
            return
        if loop is not None and clock is not None and server is not None and not loop.is_closed():
            # Wake every long sleep (slow scenarios, the NDJSON stream) so shutdown is prompt.
            loop.call_soon_threadsafe(clock.stopping.set)
            loop.call_soon_threadsafe(server.request_exit)
        thread.join(_STOP_TIMEOUT_S)
        if thread.is_alive():
            raise RuntimeError(f"FakeParallax did not stop within {_STOP_TIMEOUT_S:.0f} s")
        self._thread = self._server = self._loop = self._clock = None

    def __enter__(self) -> FakeParallax:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ------------------------------------------------------------ addresses

    @property
    def root_url(self) -> str:
        if self._port is None or self._thread is None:
            raise RuntimeError("FakeParallax is not running; call start() or use it as a context manager")
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """What an OpenAI client uses as `base_url`."""
        return f"{self.root_url}/v1"

    # ------------------------------------------------------------ control

    @property
    def config(self) -> FakeConfig:
        return self._state.config

    def configure(self, **knobs: Any) -> None:
        """Merge knobs (same names as the constructor); takes effect for the next request."""
        self._state.configure(knobs)

    def push_scenarios(self, *names: str) -> None:
        """Queue per-request faults (FIFO); cluster actions (warming_up, drop_node...) apply at once."""
        self._state.push(names)

    def clear_scenarios(self) -> None:
        self._state.clear_scenarios()

    def queued_scenarios(self) -> list[str]:
        return self._state.queued_scenarios()

    def reset(self) -> None:
        """Constructor knobs back, queue refilled from them, requests and cluster actions forgotten."""
        self._state.reset()

    # ------------------------------------------------------------ observations

    def requests(self) -> list[RecordedRequest]:
        """Every request except the control plane's, oldest first (snapshots)."""
        return self._state.records()

    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests() if r.is_chat]

    def service_lower_bound_s(self, records: Sequence[RecordedRequest] | None = None) -> float:
        """Total slot-holding time / slots: no client can finish these requests faster."""
        chosen = self.chat_requests() if records is None else records
        busy = sum(r.service_s or 0.0 for r in chosen)
        return busy / max(self._state.config.max_running_request, 1)
