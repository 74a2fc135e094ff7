"""First use: several `privfin import` processes start together on a data dir that does not exist yet.

Each process runs the real CLI on its own small statement. They wait at a start gate (a file
the test creates once every process has imported the code), so that they all create the data
dir, the database and its schema at the same moment: the window in which the migration race
used to crash one of them with `table imports already exists`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from app.store import SCHEMA_VERSION, Store
from tests.conftest import REPO_ROOT

PROCESSES = 6
ROUNDS = 4
ROWS_PER_FILE = 3
DEADLINE_S = 120

# Imports everything first, says so, then waits at the gate and runs `privfin import`.
_GATED_IMPORT = """
import sys, time
from pathlib import Path
import app.cli, app.importer, app.store
ready, gate = Path(sys.argv[1]), Path(sys.argv[2])
ready.touch()
while not gate.exists():
    time.sleep(0.001)
sys.exit(app.cli.main(["import", *sys.argv[3:]]))
"""


def _statement(path: Path, number: int) -> Path:
    lines = ["Date,Description,Amount"]
    lines += [
        f"2026-01-{day + 1:02d},SHOP {number} ROW {day},-{number}.{day:02d}" for day in range(ROWS_PER_FILE)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PRIVFIN_DATA_DIR"] = str(data_dir)
    env["PRIVFIN_ENDPOINT_URL"] = "http://127.0.0.1:9/v1"  # nothing may leave loopback
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(REPO_ROOT), env.get("PYTHONPATH"))))
    return env


def _race(root: Path) -> tuple[Path, list[tuple[int, str]]]:
    """One round: PROCESSES imports released at once on a fresh data dir; (data dir, [(exit, stderr)])."""
    root.mkdir()
    data_dir = root / "not" / "yet" / "privfin"
    gate = root / "go"
    processes: list[tuple[Path, subprocess.Popen[str]]] = []
    for number in range(1, PROCESSES + 1):
        statement = _statement(root / f"statement_{number}.csv", number)
        ready = root / f"ready_{number}"
        command = [sys.executable, "-c", _GATED_IMPORT, str(ready), str(gate), str(statement)]
        process = subprocess.Popen(
            command,
            cwd=root,
            env=_env(data_dir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append((ready, process))
    deadline = time.monotonic() + DEADLINE_S
    while not all(ready.exists() or process.poll() is not None for ready, process in processes):
        assert time.monotonic() < deadline, "the processes never reached the start gate"
        time.sleep(0.01)
    gate.touch()
    outcomes = []
    for _, process in processes:
        _, stderr = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
        outcomes.append((process.returncode, stderr))
    return data_dir, outcomes


def test_processes_starting_together_on_a_new_data_dir_all_import(tmp_path: Path) -> None:
    for round_number in range(ROUNDS):
        data_dir, outcomes = _race(tmp_path / f"round_{round_number}")
        failures = [(code, stderr[-1500:]) for code, stderr in outcomes if code != 0]
        assert not failures, f"round {round_number}: {failures}"
        store = Store(data_dir / "privfin.sqlite3")
        try:
            assert store.schema_version() == SCHEMA_VERSION
            assert store.count_transactions() == PROCESSES * ROWS_PER_FILE
            assert len(store.imports()) == PROCESSES
        finally:
            store.close()
