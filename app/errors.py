"""The one error family: what a person can fix, and everything else (a bug).

`UserFacingError` is for problems the user can act on (a bad file, a bad mapping, an unknown
category or account, an unreachable endpoint, unusable settings): its message is shown as it is,
one line in the CLI, `st.error` in the dashboard. Any other exception is a bug: the shells log its
traceback to `privfin.log` in the data dir and show only "something went wrong" and where that log
is (`app/bug_log.py`). Subclasses that were `ValueError`s stay `ValueError`s too, so code that
catches the narrower type keeps working.
"""

from __future__ import annotations


class PrivfinError(Exception):
    """Base of every error privfin raises on purpose."""


class UserFacingError(PrivfinError):
    """A problem the user can fix; `str(error)` says what and where (file, row, name)."""
