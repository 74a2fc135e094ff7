"""HTTP exchanges with a hard total deadline and a byte cap, whatever the server does.

httpx's timeouts are per socket operation: a server that drips one byte a second restarts
the read timeout on every byte and is never timed out, and nothing limits how much a server
may send. Here every connect, read and write of the connection pool is clamped to the time
left before the deadline of the exchange under way, and every byte read (headers included)
counts against that exchange's cap. The limits travel with the request itself, so one
client shared by many worker threads gives each exchange its own.

Replies are never decompressed (`Accept-Encoding: identity`, and a compressed reply is
refused), so the cap on bytes read is also a cap on the bytes the caller holds.

The limits themselves (`bounded`, `Bounds`, `ReplyRefused`) live in `exchange_bounds`, which
imports no HTTP library; this module is loaded only when a client is built.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore2
import httpx2

from app.categorize.exchange_bounds import Bounds, ReplyRefused, ReplyTooLarge, current_bounds, time_left


class _BoundedStream(httpcore2.NetworkStream):
    def __init__(self, inner: httpcore2.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = self._inner.read(max_bytes, time_left(timeout, httpcore2.ReadTimeout))
        bounds = current_bounds.get()
        if bounds is not None:
            bounds.received += len(data)
            if bounds.received > bounds.max_bytes:
                raise ReplyTooLarge(bounds.max_bytes)
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, time_left(timeout, httpcore2.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore2.NetworkStream:
        left = time_left(timeout, httpcore2.ConnectTimeout)
        return _BoundedStream(self._inner.start_tls(ssl_context, server_hostname, left))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _BoundedBackend(httpcore2.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore2.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:
        left = time_left(timeout, httpcore2.ConnectTimeout)
        return _BoundedStream(self._inner.connect_tcp(host, port, left, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore2.NetworkStream:
        left = time_left(timeout, httpcore2.ConnectTimeout)
        return _BoundedStream(self._inner.connect_unix_socket(path, left, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _BoundedBody(httpx2.SyncByteStream):
    """The response body, read under the bounds its request was sent with (the caller may
    read it after leaving the `bounded` block, or from another context)."""

    def __init__(self, inner: httpx2.SyncByteStream, bounds: Bounds) -> None:
        self._inner = inner
        self._bounds = bounds

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._inner)
        while True:
            token = current_bounds.set(self._bounds)
            try:
                chunk = next(chunks, None)
            finally:
                current_bounds.reset(token)
            if chunk is None:
                return
            yield chunk

    def close(self) -> None:
        self._inner.close()


class _BoundedTransport(httpx2.HTTPTransport):
    def __init__(self, ssl_context: ssl.SSLContext, limits: httpx2.Limits, default: Bounds) -> None:
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        self._default = default
        self._pool = httpcore2.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_BoundedBackend(),
        )

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        # A request sent outside any `bounded` block still gets limits of its own.
        bounds = current_bounds.get() or Bounds(self._default.seconds, self._default.max_bytes)
        token = current_bounds.set(bounds)
        try:
            response = super().handle_request(request)
        finally:
            current_bounds.reset(token)
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            response.close()
            raise ReplyRefused(f"the server sent a compressed reply ({encoding}) although none was asked for")
        assert isinstance(response.stream, httpx2.SyncByteStream)
        response.stream = _BoundedBody(response.stream, bounds)
        return response


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One certificate store per process: building it costs a noticeable fraction of a second."""
    return httpx2.create_ssl_context()


def bounded_client(*, seconds: float, max_bytes: int, connect_timeout_s: float) -> httpx2.Client:
    """A client whose every exchange is bounded (by `bounded`, else by these defaults).

    No redirects and no proxy from the environment: a request goes to the configured
    endpoint and nowhere else.
    """
    limits = httpx2.Limits(max_connections=64, max_keepalive_connections=64)
    return httpx2.Client(
        timeout=httpx2.Timeout(seconds, connect=min(connect_timeout_s, seconds)),
        transport=_BoundedTransport(_tls_context(), limits, Bounds(seconds, max_bytes)),
        follow_redirects=False,
        trust_env=False,
        headers={"Accept-Encoding": "identity"},
    )
