"""The limits of one HTTP exchange: a total deadline and a byte cap, kept in a context variable.

Apart from the transport that enforces them (`bounded_http`), so that code which only sets
limits or catches a refused reply (the endpoint client, before it has contacted anything)
does not import an HTTP library.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class Bounds:
    """The limits of one exchange (or of a few that share them, like a probe's requests)."""

    seconds: float
    max_bytes: int
    deadline: float = 0.0
    received: int = 0

    def __post_init__(self) -> None:
        if not self.deadline:
            self.deadline = time.monotonic() + self.seconds


class ReplyRefused(Exception):
    """The server's reply was cut off on purpose: too large, or in a form we do not read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ReplyTooLarge(ReplyRefused):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the reply is too large (more than {limit:,} bytes; reading stopped there)")
        self.limit = limit


current_bounds: ContextVar[Bounds | None] = ContextVar("privfin_http_bounds", default=None)


@contextlib.contextmanager
def bounded(seconds: float, max_bytes: int) -> Iterator[Bounds]:
    """Every request made inside shares one deadline `seconds` from now and one byte cap."""
    bounds = Bounds(seconds, max_bytes)
    token = current_bounds.set(bounds)
    try:
        yield bounds
    finally:
        current_bounds.reset(token)


def time_left(timeout: float | None, expired: type[Exception]) -> float | None:
    """A socket operation's timeout clamped to what is left of the current exchange's deadline;
    raises `expired` once that has passed."""
    bounds = current_bounds.get()
    if bounds is None:
        return timeout
    left = bounds.deadline - time.monotonic()
    if left <= 0:
        raise expired(f"the {bounds.seconds:g} s deadline of this exchange passed")
    return left if timeout is None else min(timeout, left)
