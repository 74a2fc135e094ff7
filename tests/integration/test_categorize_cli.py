"""`privfin categorize`: imports, categorizes, prints JSON lines and a summary; exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.categorize.taxonomy import DEFAULT_TAXONOMY
from app.cli import main
from app.cli.categorize import EXIT_INCOMPLETE, JSON_FIELDS
from app.settings import Settings
from app.store import Store
from tests.conftest import REPO_ROOT, SAMPLE_DATA
from tests.support.fake_parallax import FakeParallax, RecordedRequest

CHASE = SAMPLE_DATA / "chase_credit_card.csv"
BOFA = SAMPLE_DATA / "bofa_checking.csv"
FIELDS = list(JSON_FIELDS)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, object]], str]:
    code = main(["categorize", *args])
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines() if line.strip()]
    return code, rows, captured.err


def test_categorize_files_prints_every_transaction_in_scope(
    capsys: pytest.CaptureFixture[str], settings: Settings
) -> None:
    with FakeParallax() as fake:
        code, rows, err = run(capsys, str(CHASE), "--endpoint", fake.base_url, "--json")
        sent = len(fake.chat_requests())
    store = Store(settings.db_path)
    assert code == 0
    assert len(rows) == store.count_transactions() > 100
    assert all(list(row) == FIELDS for row in rows)
    assert all(isinstance(row["amount"], float) for row in rows)
    assert all(row["category"] is None or row["category"] in DEFAULT_TAXONOMY.names for row in rows)
    assert {row["source"] for row in rows} <= {"builtin", "model", "cache", "none"}
    assert all(isinstance(row["needs_review"], bool) for row in rows)
    # No category, or the model's first word on a merchant the user never confirmed: a person looks.
    assert all(row["needs_review"] for row in rows if row["category"] is None or row["source"] == "model")
    assert not any(
        row["needs_review"]
        for row in rows
        if row["source"] == "builtin" and float(str(row["confidence"])) >= 0.85
    )
    uber = next(row for row in rows if str(row["description"]).startswith("UBER"))
    assert (uber["merchant"], uber["category"]) == ("Uber", "Transport")
    assert sent > 0
    assert f"{sent} requests sent" in err or f"{sent} request sent" in err
    for expected in (
        "endpoint: Parallax cluster",
        "cache hits:",
        "categorized:",
        "still need a model or you:",
    ):
        assert expected in err
    assert rows == sorted(rows, key=lambda r: (str(r["date"]), str(r["id"])))


def test_a_second_run_asks_only_about_new_merchants_and_no_file_means_everything(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def texts(records: list[RecordedRequest]) -> set[str]:
        return {item["text"] for r in records for item in json.loads(r.body["messages"][-1]["content"])}

    with FakeParallax() as fake:
        assert run(capsys, str(CHASE), "--endpoint", fake.base_url)[0] == 0
        first = fake.chat_requests()
        code, rows, _ = run(capsys, str(CHASE), str(BOFA), "--endpoint", fake.base_url, "--json")
        second = fake.chat_requests()[len(first) :]
        code_all, rows_all, err = run(capsys, "--endpoint", fake.base_url, "--json")
        assert len(fake.chat_requests()) == len(first) + len(second)
    assert code == code_all == 0
    assert first and second and not texts(first) & texts(second)  # Chase's merchants are never asked again
    assert {r["id"] for r in rows} == {r["id"] for r in rows_all}  # both files = everything stored
    assert "model: no requests sent" in err


def test_scope_is_the_files_given(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(BOFA)]) == 0
    capsys.readouterr()
    code, rows, _ = run(capsys, str(CHASE), "--offline", "--json")
    chase_only = {line["id"] for line in rows}
    code_all, rows_all, _ = run(capsys, "--offline", "--json")
    assert code == code_all == 0
    assert chase_only < {r["id"] for r in rows_all}


def test_offline_and_unreachable_endpoints_still_complete(capsys: pytest.CaptureFixture[str]) -> None:
    with FakeParallax() as fake:
        code, rows, err = run(capsys, str(CHASE), "--endpoint", fake.base_url, "--offline", "--json")
        assert fake.requests() == []
    assert code == 0
    assert "offline mode" in err
    assert any(row["source"] == "builtin" for row in rows)
    # The test environment's endpoint is a closed port: a clear reason, exit 0.
    code, _, err = run(capsys)
    assert code == 0
    assert "connection refused" in err


def test_an_unreadable_file_stops_before_anything_is_imported(
    capsys: pytest.CaptureFixture[str], settings: Settings, tmp_path: Path
) -> None:
    code, rows, err = run(capsys, str(CHASE), str(tmp_path / "missing.csv"), "--offline")
    assert code == 1
    assert "missing.csv" in err and "nothing was imported" in err
    assert Store(settings.db_path).count_transactions() == 0
    assert rows == []


def test_a_file_that_is_not_a_statement_is_reported_and_the_rest_still_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    junk = tmp_path / "notes.csv"
    junk.write_bytes(b"\x00\x01\x02 not a statement at all")
    code, rows, err = run(capsys, str(junk), str(CHASE), "--offline", "--json")
    assert code == 1
    assert "notes.csv" in err
    assert rows and all(row["category"] is None or row["category"] in DEFAULT_TAXONOMY.names for row in rows)


def test_the_installed_command_and_no_secrets_in_its_output(tmp_path: Path) -> None:
    secret = "sk-cli-SECRET-777"
    env = os.environ | {"PRIVFIN_API_KEY": secret}
    with FakeParallax() as fake:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "app.cli",
                "categorize",
                str(CHASE),
                "--endpoint",
                fake.base_url,
                "--json",
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO_ROOT,
            timeout=120,
            check=False,
        )
        assert fake.chat_requests()[0].headers.get("authorization") == f"Bearer {secret}"
    assert done.returncode == 0, done.stderr
    assert secret not in done.stdout and secret not in done.stderr
    assert len(done.stdout.splitlines()) > 100


def test_a_model_step_that_failed_exits_3_and_a_healthy_rerun_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Every request refused (a 502 storm): the rows are left for the next run, and a script
    # calling `privfin categorize` must be able to tell that from a run that completed.
    with FakeParallax() as fake:
        fake.push_scenarios(*["upstream_502"] * 60)
        code, _, err = run(capsys, str(CHASE), "--endpoint", fake.base_url)
        fake.clear_scenarios()
        assert code == EXIT_INCOMPLETE, err
        assert "retried on the next run" in err
        code, _, err = run(capsys, "--endpoint", fake.base_url)
    assert code == 0, err


def test_categorize_json_writes_each_amount_with_its_currencys_decimals(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    yen = tmp_path / "yen.csv"
    yen.write_bytes(b"Date,Description,Amount (JPY)\n2026-03-01,RAMEN SHOP,-10000\n2026-03-02,KONBINI,-480\n")
    code = main(["categorize", str(yen), "--offline", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    amounts = [line.split('"amount": ')[1].split(",")[0] for line in out.splitlines()]
    assert amounts == ["-10000", "-480"]


def test_each_json_row_names_its_account_and_currency(
    capsys: pytest.CaptureFixture[str], settings: Settings, tmp_path: Path
) -> None:
    london = tmp_path / "london.csv"
    london.write_text("Date,Description,Amount\n2024-03-01,TESCO STORES 3297,-50.00\n", encoding="utf-8")
    berlin = tmp_path / "berlin.csv"
    berlin.write_text("Date,Description,Amount\n2024-03-01,REWE Markt Berlin,-50.00\n", encoding="utf-8")
    assert main(["import", str(london), "--account", "Monzo", "--currency", "GBP"]) == 0
    assert main(["import", str(berlin), "--account", "N26", "--currency", "EUR"]) == 0
    capsys.readouterr()
    code, rows, _err = run(capsys, "--offline", "--json")
    assert code in (0, EXIT_INCOMPLETE)
    assert sorted((row["account"], row["currency"], row["amount"]) for row in rows) == [
        ("Monzo", "GBP", -50.0),
        ("N26", "EUR", -50.0),
    ]
