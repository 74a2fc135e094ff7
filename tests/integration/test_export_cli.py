"""`privfin export` end to end: a real store in the test's data dir, the CLI in a subprocess."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from app.categorize.taxonomy import DEFAULT_TAXONOMY, save_taxonomy
from app.ids import identity_key, occurrence_ids
from app.models import CategorySource, RowSource, Transaction
from app.store import CategoryUpdate, ImportRecord, Store
from tests.support.cli import privfin as run_privfin

# (date, account, description, amount, category)
ROWS = [
    ("2024-01-05", "Visa", "WHOLEFDS MKT #10234", "-54.10", "Groceries"),
    ("2024-01-20", "Visa", '=HYPERLINK("http://evil.example","x")', "-9.99", "Shopping"),
    ("2024-02-03", "Visa", "CHIPOTLE 0123", "-12.50", "Dining"),
    ("2024-02-25", "Checking", "ACME CORP PAYROLL", "2000.00", "Income"),
    ("2024-03-02", "Checking", "CARD PAYMENT THANK YOU", "-66.59", "Transfers & Card Payments"),
]


@pytest.fixture
def stored(store: Store) -> Store:
    keys = [identity_key(a, dt.date.fromisoformat(d), Decimal(x), "USD", s) for d, a, s, x, _ in ROWS]
    txs = [
        Transaction(
            id=tid,
            account=account,
            date=dt.date.fromisoformat(day),
            description=text,
            amount=Decimal(amount),
            currency="USD",
            source=RowSource(file_sha256="e" * 64, row=n),
        )
        for n, (tid, (day, account, text, amount, _)) in enumerate(
            zip(occurrence_ids(keys), ROWS, strict=True), start=1
        )
    ]
    store.commit_import(ImportRecord("e" * 64, "export.csv", "test", None, len(ROWS)), txs)
    store.apply_category_updates(
        CategoryUpdate(t.id, row[4], CategorySource.MODEL, 0.9) for t, row in zip(txs, ROWS, strict=True)
    )
    return store


def privfin(*args: str) -> subprocess.CompletedProcess[str]:
    """`privfin export ARGS` with this test's PRIVFIN_DATA_DIR (set by the autouse fixture)."""
    return run_privfin("export", *args)


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def test_csv_export_of_everything(stored: Store, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    result = privfin("--format", "csv", "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = _csv(out)
    assert [r["amount"] for r in rows] == [r[3] for r in ROWS]
    assert rows[1]["description"] == "'" + ROWS[1][2]
    summary = result.stderr.strip().splitlines()
    assert len(summary) == 1 and "wrote 5 transaction(s)" in summary[0] and str(out) in summary[0]
    assert result.stdout == ""
    assert oct(out.stat().st_mode & 0o777) == "0o600"


def test_filters_narrow_the_export(stored: Store, tmp_path: Path) -> None:
    out = tmp_path / "feb-visa.csv"
    result = privfin(
        "--format", "csv", "-o", str(out), "--from", "2024-01-10", "--to", "2024-02-28", "--account", "Visa"
    )
    assert result.returncode == 0, result.stderr
    assert [r["description"] for r in _csv(out)] == ["'" + ROWS[1][2], "CHIPOTLE 0123"]
    assert "wrote 2 transaction(s) (2024-01-10 to 2024-02-28, 1 account(s))" in result.stderr


def test_xlsx_and_html_exports(stored: Store, tmp_path: Path) -> None:
    workbook = tmp_path / "ledger.xlsx"
    assert privfin("--format", "xlsx", "-o", str(workbook)).returncode == 0
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames == ["Transactions", "By category", "By month"]
    assert book["Transactions"].max_row == len(ROWS) + 1

    report = tmp_path / "report.html"
    result = privfin("--format", "html", "-o", str(report), "--from", "2024-01-01", "--to", "2024-03-31")
    assert result.returncode == 0, result.stderr
    html = report.read_text(encoding="utf-8")
    assert 'data-metric="spending" data-value="76.59"' in html  # transfers are not spending
    assert 'data-metric="income" data-value="2000.00"' in html
    assert "chart-spending-by-category" in html and '<script src="http' not in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2024-13-01"], "--from: '2024-13-01' is not a date; expected YYYY-MM-DD"),
        (["--to", "yesterday"], "--to: 'yesterday' is not a date"),
        (["--from", "2024-03-01", "--to", "2024-02-01"], "--from 2024-03-01 is after --to 2024-02-01"),
        (["--account", "Amex"], "unknown account(s): Amex (known: Checking, Visa)"),
    ],
)
def test_bad_arguments_fail_with_a_clear_message(stored: Store, tmp_path: Path, args, message) -> None:
    out = tmp_path / "never.csv"
    result = privfin("-o", str(out), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert not out.exists()


def test_unwritable_output_fails_and_leaves_nothing(stored: Store, tmp_path: Path) -> None:
    missing_dir = tmp_path / "no" / "such" / "dir" / "out.csv"
    result = privfin("-o", str(missing_dir))
    assert result.returncode == 1
    assert f"cannot write {missing_dir}" in result.stderr

    directory = tmp_path / "a-directory"
    directory.mkdir()
    result = privfin("-o", str(directory))
    assert result.returncode == 1
    assert "it is a directory" in result.stderr
    assert list(directory.iterdir()) == []


def test_the_users_own_taxonomy_decides_what_is_income(stored: Store, tmp_path: Path) -> None:
    save_taxonomy(stored, DEFAULT_TAXONOMY.with_added("Side Gig", "Payouts for freelance work", "income"))
    payroll = stored.transactions_frame().query("description == 'ACME CORP PAYROLL'")["id"].tolist()
    stored.set_user_category(payroll, "Side Gig")
    report = tmp_path / "report.html"
    result = privfin("--format", "html", "-o", str(report))
    assert result.returncode == 0, result.stderr
    html = report.read_text(encoding="utf-8")
    assert 'data-metric="income" data-value="2000.00"' in html
    assert 'data-metric="spending" data-value="76.59"' in html  # not counted as a refund
