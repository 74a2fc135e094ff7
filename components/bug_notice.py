"""A bug met in a dashboard callback: its traceback goes to the data dir's log, the page says only
that something went wrong and where the log is (a traceback may hold transaction text)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app.bug_log import record_bug
from app.errors import UserFacingError
from components import resources
from components.formatting import md


def bug_message(error: Exception, where: str) -> str:
    try:
        log = record_bug(error, resources.settings().data_dir, where=where)
    except Exception as unwritable:  # the log itself failing must not hide the first problem
        return f"Something went wrong ({type(error).__name__}); the log could not be written: {unwritable}"
    return f"Something went wrong ({type(error).__name__}); the details are in {log}"


def run_guarded(render: Callable[[], object], where: str) -> None:
    """Draw one page: a problem the user can fix shows its message; anything else is a bug,
    logged with its traceback and shown as one line naming the log. Streamlit's own rerun
    and stop signals are BaseExceptions and pass through."""
    try:
        render()
    except UserFacingError as error:
        st.error(md(str(error)))
    except Exception as error:
        st.error(bug_message(error, where))
