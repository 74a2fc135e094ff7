"""Whether a categorization run is writing to a store, across processes.

The dashboard's background job and `privfin categorize` may run in other processes than the
one removing an import, so an in-process flag cannot tell. Each run holds a shared `flock`
on a lock file beside the store for as long as it writes; removing an import takes the lock
exclusively, without waiting, and refuses when a run holds it. The kernel drops a lock when
its process dies, so a crashed run never blocks a removal.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from app.errors import UserFacingError

LOCK_NAME: Final = "categorization.lock"
START_WAIT_S: Final = 30.0  # a run waits at most this long for a removal (one transaction) to finish
_POLL_S: Final = 0.05


class RunInProgress(UserFacingError):
    """The lock is held the other way: a run is writing, or an import is being removed."""


def lock_path(store_path: Path) -> Path:
    return store_path.parent / LOCK_NAME


def _open(store_path: Path) -> int:
    return os.open(lock_path(store_path), os.O_RDWR | os.O_CREAT, 0o600)


@contextmanager
def categorization_run(store_path: Path, wait_s: float = START_WAIT_S) -> Iterator[None]:
    """Held by a run while it writes. A removal holds the lock exclusively for one transaction:
    the run waits up to `wait_s` for it, then raises `RunInProgress`."""
    fd = _open(store_path)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RunInProgress(
                        f"an import was still being removed after {wait_s:.0f} s; nothing was categorized, "
                        "try again in a moment"
                    ) from None
                time.sleep(_POLL_S)
        yield
    finally:
        os.close(fd)


@contextmanager
def no_categorization_running(store_path: Path) -> Iterator[None]:
    """Held while rows are removed; raises `RunInProgress` at once when a run holds the lock."""
    fd = _open(store_path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunInProgress("a categorization run is in progress") from None
        yield
    finally:
        os.close(fd)
