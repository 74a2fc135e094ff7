"""Where a bug's traceback goes: `privfin.log` in the data dir, private (0600), never a secret.

A shell that catches an exception outside the `UserFacingError` family calls `record_bug`; it
writes the traceback (file, line, exception type and message) and returns the log's path for the
"something went wrong" line. Local variables are not written, so no transaction text beyond what
an exception message itself carries and no settings (the API key) reach the log.
"""

from __future__ import annotations

import datetime as dt
import os
import traceback
from pathlib import Path

from app.datadir import PRIVATE_FILE_MODE, ensure_private_dir

LOG_NAME = "privfin.log"
# A log that only grows would, over years of bugs, fill a small disk: keep the newest half.
_MAX_LOG_BYTES = 1024 * 1024


def bug_log_path(data_dir: Path) -> Path:
    return data_dir / LOG_NAME


def record_bug(error: BaseException, data_dir: Path, *, where: str) -> Path:
    """Append `error`'s traceback to the data dir's log (created 0600) and return the log's path."""
    path = bug_log_path(data_dir)
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    text = f"--- {stamp} {where}\n" + "".join(traceback.format_exception(error))
    ensure_private_dir(data_dir)
    _trim(path)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        os.fchmod(descriptor, PRIVATE_FILE_MODE)  # an older log made with a looser umask
        os.write(descriptor, text.encode("utf-8", "backslashreplace"))
    finally:
        os.close(descriptor)
    return path


def _trim(path: Path) -> None:
    try:
        if path.stat().st_size <= _MAX_LOG_BYTES:
            return
        kept = path.read_bytes()[-_MAX_LOG_BYTES // 2 :]
    except OSError:
        return
    path.write_bytes(kept)
