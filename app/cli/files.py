"""Reading the files a command is given, and the upload limit they share with the dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.settings import Settings, load_settings
from app.store import Store

_MB = 1024 * 1024


def open_store() -> Store:
    """The store of the data dir the settings name."""
    return Store(load_settings().db_path)


def upload_limit_bytes(settings: Settings) -> int:
    """The largest statement accepted, the dashboard's `max_upload_mb` in bytes."""
    return settings.max_upload_mb * _MB


@dataclass(frozen=True)
class Unread:
    """A file given on the command line that was not read, and why (one line)."""

    path: Path
    reason: str
    too_big: bool = False


def read_files(
    paths: Sequence[Path], max_bytes: int | None = None
) -> tuple[list[tuple[Path, bytes]], list[Unread]]:
    """Each readable file's bytes, in order, and the files that could not be read or are over
    `max_bytes` (checked before reading, so a huge file is never loaded)."""
    # The readers' package loads ~20 modules: only a size check needs its wording.
    from app.ingest.errors import over_upload_limit

    read: list[tuple[Path, bytes]] = []
    unread: list[Unread] = []
    for path in paths:
        try:
            if max_bytes is not None and (size := path.stat().st_size) > max_bytes:
                unread.append(Unread(path, over_upload_limit(size, max_bytes), too_big=True))
                continue
            read.append((path, path.read_bytes()))
        except OSError as exc:
            unread.append(Unread(path, str(exc.strerror or exc)))
    return read, unread
