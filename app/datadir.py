"""The data dir and the files in it: readable by their owner only, and clear errors when unusable.

Modes are set at creation (the `mode` of `mkdir` and `os.open`, which the process umask can
only narrow) rather than by changing the umask, which is process-wide and would race with the
dashboard's other threads. Folders and files left looser by an older privfin are tightened.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from app.errors import UserFacingError

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


class DataDirError(UserFacingError):
    """The data dir cannot be used; the message says why and what to do, without a traceback."""


def _hint() -> str:
    return "set PRIVFIN_DATA_DIR to a folder you can write to"


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and its parents) if needed; make it 0700. Safe when processes race to create it."""
    try:
        path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    except FileExistsError as error:  # exist_ok only forgives an existing *folder*
        raise DataDirError(f"the data folder {path} is a file, not a folder: {_hint()}") from error
    except NotADirectoryError as error:
        raise DataDirError(f"the data folder {path} is inside a file, not a folder: {_hint()}") from error
    except OSError as error:
        raise DataDirError(
            f"cannot create the data folder {path}: {error.strerror or error}; {_hint()}"
        ) from error
    _tighten(path, PRIVATE_DIR_MODE)
    if not os.access(path, os.W_OK | os.X_OK):
        raise DataDirError(f"the data folder {path} is not writable: {_hint()}")
    return path


def ensure_private_file(path: Path) -> Path:
    """Create `path` empty if it does not exist (never truncating it); make it 0600."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
    try:
        os.close(os.open(path, flags, PRIVATE_FILE_MODE))
    except IsADirectoryError as error:
        raise DataDirError(f"{path} is a folder, not a file: move it away or {_hint()}") from error
    except OSError as error:
        raise DataDirError(f"cannot create {path}: {error.strerror or error}; {_hint()}") from error
    _tighten(path, PRIVATE_FILE_MODE)
    return path


def tighten_if_present(path: Path) -> None:
    """Make an existing file 0600 (e.g. a WAL file an older privfin created 0644)."""
    with contextlib.suppress(FileNotFoundError):
        _tighten(path, PRIVATE_FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    current = stat.S_IMODE(path.stat().st_mode)
    if current & ~mode:
        try:
            os.chmod(path, current & mode)
        except PermissionError as error:
            raise DataDirError(
                f"{path} is readable by others and cannot be made private: {_hint()}"
            ) from error
