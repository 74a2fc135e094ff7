"""`privfin imports`, `privfin imports remove` and `privfin accounts` in subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tests.support.cli import cli_env, privfin

TIMEOUT_S = 120
HEADER = "Date,Description,Amount\n"
MARCH = HEADER + "2024-03-01,COFFEE ROASTERS,-4.50\n2024-03-02,GROCER MARKET,-52.10\n"
LATER = HEADER + "2024-03-02,GROCER MARKET,-52.10\n2024-03-04,BOOK SHOP,-12.00\n"


def run_cli(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return privfin(*args, data_dir=data_dir, stdin=stdin)


def _imported(data_dir: Path) -> list[dict[str, object]]:
    done = run_cli(data_dir, "imports", "--json")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def _seed(data_dir: Path) -> None:
    for name, text in (("march.csv", MARCH), ("later.csv", LATER)):
        (data_dir / name).write_text(text, encoding="utf-8")
        done = run_cli(
            data_dir,
            "import",
            str(data_dir / name),
            "--account",
            "Visa 4516000000001234",
            "--currency",
            "USD",
            "--accept-uncertain",
        )
        assert done.returncode == 0, done.stderr


def test_imports_lists_one_object_per_import_and_remove_asks_first(isolated_data_dir: Path) -> None:
    _seed(isolated_data_dir)
    later, march = _imported(isolated_data_dir)
    assert (march["file"], later["file"]) == (
        str(isolated_data_dir / "march.csv"),
        str(isolated_data_dir / "later.csv"),
    )
    assert march["account"] == "Visa ••1234"  # never the whole card number
    assert (march["rows"], march["first_date"], march["last_date"]) == (2, "2024-03-01", "2024-03-02")
    assert (later["rows"], later["new_rows"], later["duplicate_rows"]) == (2, 1, 1)
    assert {"id", "layout", "imported_at"} <= march.keys()
    human = run_cli(isolated_data_dir, "imports")
    assert "01 Mar 2024 – 02 Mar 2024" in human.stdout and " UTC" in human.stdout
    assert "T" not in human.stdout.split("imported ")[1][:12]  # no raw ISO timestamp

    # no terminal and no --yes: refused, nothing removed
    refused = run_cli(isolated_data_dir, "imports", "remove", str(march["id"]))
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert "Removes 1 transaction" in refused.stderr and "1 also in another import stay" in refused.stderr
    assert len(_imported(isolated_data_dir)) == 2

    done = run_cli(isolated_data_dir, "imports", "remove", str(march["id"]), "--yes")
    assert done.returncode == 0, done.stderr
    [left] = _imported(isolated_data_dir)
    assert left["id"] == later["id"] and left["rows"] == 2  # the shared row stayed, with the later file

    missing = run_cli(isolated_data_dir, "imports", "remove", "999", "--yes")
    assert missing.returncode == 1 and "no import 999" in missing.stderr


def test_accounts_rename_and_merge(isolated_data_dir: Path) -> None:
    _seed(isolated_data_dir)
    assert run_cli(isolated_data_dir, "accounts").stdout.splitlines() == ["Visa ••1234"]
    done = run_cli(isolated_data_dir, "accounts", "rename", "Visa ••1234", "Joint card")
    assert done.returncode == 0, done.stderr
    assert run_cli(isolated_data_dir, "accounts").stdout.splitlines() == ["Joint card"]
    bad = run_cli(isolated_data_dir, "accounts", "merge", "Nope", "--into", "Joint card")
    assert bad.returncode == 1 and "no account" in bad.stderr


def _remove_at_a_terminal(data_dir: Path, import_id: int, answer: bytes) -> subprocess.CompletedProcess[str]:
    """`privfin imports remove ID` with a pseudo-terminal as stdin, answering the question."""
    import os
    import pty

    leader, follower = pty.openpty()
    try:
        os.write(leader, answer)
        return subprocess.run(
            [sys.executable, "-m", "app.cli", "imports", "remove", str(import_id)],
            cwd=data_dir,
            env=cli_env(data_dir),
            stdin=follower,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=TIMEOUT_S,
            check=False,
        )
    finally:
        os.close(follower)
        os.close(leader)


def test_remove_at_a_terminal_asks_and_only_yes_removes(isolated_data_dir: Path) -> None:
    _seed(isolated_data_dir)
    later, _march = _imported(isolated_data_dir)
    declined = _remove_at_a_terminal(isolated_data_dir, int(later["id"]), b"n\n")
    assert declined.returncode == 1 and "Remove this import? [y/N]" in declined.stderr
    assert len(_imported(isolated_data_dir)) == 2
    accepted = _remove_at_a_terminal(isolated_data_dir, int(later["id"]), b"y\n")
    assert accepted.returncode == 0, accepted.stderr
    assert [item["id"] for item in _imported(isolated_data_dir)] != [later["id"]]
    assert len(_imported(isolated_data_dir)) == 1


def test_remove_while_another_process_categorizes_is_refused_and_loses_nothing(
    isolated_data_dir: Path,
) -> None:
    from tests.support.fake_parallax import FakeParallax

    statement = isolated_data_dir / "odd.csv"
    statement.write_text(
        HEADER + "".join(f"2024-03-{day:02d},ZORBLAX TRADING {day},-{day}.25\n" for day in range(1, 6)),
        encoding="utf-8",
    )
    done = run_cli(isolated_data_dir, "import", str(statement), "--currency", "USD", "--accept-uncertain")
    assert done.returncode == 0, done.stderr
    with FakeParallax(ttft_s=3.0) as fake:
        run = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "categorize", "--endpoint", fake.base_url],
            cwd=isolated_data_dir,
            env=cli_env(isolated_data_dir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + TIMEOUT_S
            while not fake.chat_requests():  # the run is in its model step, in another process
                assert run.poll() is None and time.monotonic() < deadline, "the run ended before asking"
                time.sleep(0.05)
            refused = run_cli(isolated_data_dir, "imports", "remove", "1", "--yes")
        finally:
            run.wait(timeout=TIMEOUT_S)
    assert refused.returncode == 1
    assert "categorization run is in progress; nothing was removed" in refused.stderr
    assert [item["rows"] for item in _imported(isolated_data_dir)] == [5]
    assert run.returncode == 0, run.stderr
    done = run_cli(isolated_data_dir, "imports", "remove", "1", "--yes")  # the run is over: it goes
    assert done.returncode == 0, done.stderr
    assert _imported(isolated_data_dir) == []


def test_a_reader_that_stops_early_is_not_a_bug(isolated_data_dir: Path) -> None:
    _seed(isolated_data_dir)
    listing = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "imports", "--json"],
        cwd=isolated_data_dir,
        env=cli_env(isolated_data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert listing.stdout is not None and listing.stderr is not None
    listing.stdout.close()  # `privfin imports --json | head -0`: gone before a line is written
    err = listing.stderr.read()
    listing.wait(timeout=TIMEOUT_S)
    assert "something went wrong" not in err and "Traceback" not in err, err
    assert not (isolated_data_dir / "privfin.log").exists()


def test_the_help_line_is_a_whole_sentence() -> None:
    done = privfin("--help")
    assert done.returncode == 0
    summary = " ".join(done.stdout.split("positional arguments")[0].split()[3:])
    assert "recurring payments" in summary and "imports and accounts" in summary
    assert not summary.rstrip().endswith(","), summary
