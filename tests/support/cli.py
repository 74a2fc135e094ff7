"""The real `privfin` command line, run as a subprocess the way a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

TIMEOUT_S = 120


def cli_env(data_dir: Path | None = None) -> dict[str, str]:
    """This process's environment with the checkout importable; with `data_dir`, that data dir and
    an endpoint nothing can reach (nothing may leave loopback)."""
    env = dict(os.environ)
    if data_dir is not None:
        env["PRIVFIN_DATA_DIR"] = str(data_dir)
        env["PRIVFIN_ENDPOINT_URL"] = "http://127.0.0.1:9/v1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(REPO_ROOT), env.get("PYTHONPATH"))))
    return env


def privfin(
    *args: str, data_dir: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`privfin ARGS`; without `data_dir`, the test's own PRIVFIN_DATA_DIR (set by the autouse
    fixture), else that one, run from inside it so no developer .env is read."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=data_dir,
        env=cli_env(data_dir),
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT_S,
        check=False,
    )
