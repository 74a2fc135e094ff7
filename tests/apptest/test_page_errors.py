"""A page that fails: a problem the user can fix shows its message, a bug shows one line naming
the log, and its traceback goes to the private log in the data dir, never onto the page."""

from __future__ import annotations

import stat
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.apptest.conftest import TIMEOUT_S


def _page_that_raises(kind: str) -> None:
    from app.errors import UserFacingError
    from components.bug_notice import run_guarded

    def render() -> None:
        if kind == "user":
            raise UserFacingError("statement.csv, row 7: the date 31/02/2024 does not exist")
        secret = {"description": "SECRET MERCHANT 1234"}
        raise KeyError(secret["missing"] if kind == "bug" else kind)

    run_guarded(render, where="the test page")


def _run(kind: str) -> AppTest:
    at = AppTest.from_function(_page_that_raises, args=(kind,), default_timeout=TIMEOUT_S)
    at.run()
    return at


def test_a_problem_the_user_can_fix_is_shown_as_its_message(isolated_data_dir: Path) -> None:
    at = _run("user")
    assert not at.exception
    # Markdown-escaped on the page (a file name is user text): the same words once rendered.
    assert [e.value.replace("\\", "") for e in at.error] == [
        "statement.csv, row 7: the date 31/02/2024 does not exist"
    ]
    assert not (isolated_data_dir / "privfin.log").exists()


def test_a_bug_is_one_line_naming_the_log_and_its_traceback_stays_in_the_log(isolated_data_dir: Path) -> None:
    at = _run("bug")
    assert not at.exception  # Streamlit's own error box (with its type and message) is not shown
    (message,) = [e.value for e in at.error]
    log = isolated_data_dir / "privfin.log"
    assert message == f"Something went wrong (KeyError); the details are in {log}"
    assert "SECRET" not in message
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "KeyError" in text and "the test page" in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
