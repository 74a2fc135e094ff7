"""A bug met in a dashboard callback: its traceback goes to the data dir's log, the page says only
that something went wrong and where the log is (a traceback may hold transaction text)."""

from __future__ import annotations

from app.bug_log import record_bug
from components import resources


def bug_message(error: Exception, where: str) -> str:
    try:
        log = record_bug(error, resources.settings().data_dir, where=where)
    except Exception as unwritable:  # the log itself failing must not hide the first problem
        return f"Something went wrong ({type(error).__name__}); the log could not be written: {unwritable}"
    return f"Something went wrong ({type(error).__name__}); the details are in {log}"
