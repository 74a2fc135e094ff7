"""Faults below HTTP, which the ASGI stand-in cannot produce: a loopback TCP server that
misbehaves on every connection, status endpoints included.

    with WireFault("drip_headers", every_s=1.0) as server:
        settings = ...(endpoint_url=server.base_url)

Modes:
- `silent`: accepts the connection, never reads, never answers (a hung process, a
  black-holing proxy); the kernel's backlog holds the client's bytes.
- `drip_headers`: reads the request, then sends a status line and an endless header one
  byte every `every_s` seconds (slowloris towards the client: a per-read timeout never fires).
- `garbage`: reads the request, answers bytes that are not HTTP, closes.
- `reset`: accepts and aborts the connection at once (RST).
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
from collections.abc import Callable
from types import TracebackType

MODES = ("silent", "drip_headers", "garbage", "reset")
_ACCEPT_POLL_S = 0.05
_STOP_TIMEOUT_S = 5.0


class WireFault:
    def __init__(self, mode: str, *, every_s: float = 1.0) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown wire fault {mode!r}; known: {', '.join(MODES)}")
        self.mode = mode
        self.every_s = every_s
        self._stop = threading.Event()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self.accepted = 0

    def start(self) -> WireFault:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        listener.settimeout(_ACCEPT_POLL_S)
        self._listener = listener
        self._spawn(self._accept_loop)
        return self

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # wakes a thread blocked on it; it closes it
                connection.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(_STOP_TIMEOUT_S)
        if self._listener is not None:
            self._listener.close()
        if any(thread.is_alive() for thread in self._threads):
            raise RuntimeError("WireFault did not stop")

    def __enter__(self) -> WireFault:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._listener is None:
            raise RuntimeError("WireFault is not running")
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/v1"

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True, name=f"wire-fault-{self.mode}")
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.accepted += 1
                self._connections.append(connection)
            self._spawn(self._serve, connection)

    def _serve(self, connection: socket.socket) -> None:
        try:
            if self.mode == "silent":
                self._stop.wait()
            elif self.mode == "reset":
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                _read_request(connection)
                if self.mode == "garbage":
                    connection.sendall(b"\x00\xff garbage \x07" + random.Random(3).randbytes(2048))
                else:
                    self._drip(connection)
        except OSError:
            pass  # the client left, or stop() closed the socket
        finally:
            connection.close()

    def _drip(self, connection: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Drip: "
        for byte in head:
            if self._stop.wait(self.every_s):
                return
            connection.sendall(bytes([byte]))
        while not self._stop.wait(self.every_s):
            connection.sendall(b"a")  # the header line never ends


def _read_request(connection: socket.socket) -> None:
    """Read until the end of the headers and what body arrives with them."""
    connection.settimeout(2.0)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return
        data += chunk
    connection.settimeout(None)
