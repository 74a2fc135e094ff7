"""The importer refuses values no statement holds (27+ digit amounts, year 9999) row by row,
and one file's failure never skips the files after it on the command line."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from app import importer
from app.importer import import_files
from app.ingest import parse_statement
from app.ingest.amounts import MAX_ABS_AMOUNT, amount_range_problem, parse_amount
from app.ingest.currency import CurrencyContext
from app.ingest.dates import date_range_problem
from app.models import SkipKind
from app.settings import Settings
from app.store import Store

PRIVFIN = Path(sys.executable).with_name("privfin")
HEADER = "Date,Description,Amount\n"

USD_AT_HOME = CurrencyContext(home="USD")  # these files name no currency


def statement(*rows: str) -> bytes:
    return (HEADER + "".join(f"{row}\n" for row in rows)).encode()


@pytest.mark.parametrize(
    "cell",
    [
        "123456789012345678901234567",  # 27 digits: quantizing to cents raised InvalidOperation
        "-123456789012345678901234567.00",
        "12345678901234567890123456789012",
        "$1,234,567,890,123,456,789,012,345,678",
        "(99999999999999999999999999999)",
    ],
)
def test_amounts_of_any_length_are_read_exactly(cell: str) -> None:
    value = parse_amount(cell)
    assert value is not None
    digits = "".join(ch for ch in cell if ch.isdigit())
    assert format(value.copy_abs(), "f").replace(".", "").rstrip("0") == digits.rstrip("0")


def test_the_amount_and_date_limits_are_inclusive() -> None:
    assert amount_range_problem(MAX_ABS_AMOUNT) is None
    assert amount_range_problem(-MAX_ABS_AMOUNT) is None
    assert amount_range_problem(MAX_ABS_AMOUNT + Decimal("0.01")) is not None
    assert amount_range_problem(-MAX_ABS_AMOUNT - Decimal("0.01")) is not None
    assert date_range_problem(dt.date(1900, 1, 1)) is None
    assert date_range_problem(dt.date(2100, 12, 31)) is None
    assert date_range_problem(dt.date(1899, 12, 31)) is not None
    assert date_range_problem(dt.date(2101, 1, 1)) is not None


def test_out_of_range_rows_are_reported_with_their_row_and_the_rest_is_kept() -> None:
    data = statement(
        "2024-01-05,COFFEE,-3.50",
        "2024-01-06,TYPO,123456789012345678901234567",
        "9999-12-31,PLACEHOLDER,-2.00",
        "0001-01-01,ZERO DATE,-2.00",
        "1899-12-31,TOO OLD,-2.00",
        "2101-01-01,TOO NEW,-2.00",
        "2024-01-07,JUST OVER,-1000000000000.01",
        "2024-01-08,AT THE LIMIT,-1000000000000.00",
        "1900-01-01,FIRST DAY,-1.00",
        "2100-12-31,LAST DAY,-1.00",
    )
    parsed = parse_statement(data, "ranges.csv", currency=USD_AT_HOME)
    assert [t.description for t in parsed.transactions] == ["COFFEE", "AT THE LIMIT", "FIRST DAY", "LAST DAY"]
    skipped = {s.row: s for s in parsed.skipped}
    assert sorted(skipped) == [3, 4, 5, 6, 7, 8]
    assert all(s.kind is SkipKind.INVALID for s in skipped.values())
    assert "beyond the supported ±1,000,000,000,000" in skipped[3].reason
    assert skipped[4].reason == "date 9999-12-31 is outside the supported years 1900–2100"
    assert skipped[5].reason == "date 0001-01-01 is outside the supported years 1900–2100"
    assert "outside the supported years" in skipped[6].reason and "1899-12-31" in skipped[6].reason
    assert "2101-01-01" in skipped[7].reason
    assert "1000000000000.01" in skipped[8].reason


def test_a_posted_date_out_of_range_is_dropped_not_stored() -> None:
    data = b"Transaction Date,Post Date,Description,Amount\n2024-01-05,9999-12-31,COFFEE,-3.50\n"
    parsed = parse_statement(data, "posted.csv", currency=USD_AT_HOME)
    assert [(t.date, t.posted_date) for t in parsed.transactions] == [(dt.date(2024, 1, 5), None)]


def test_a_huge_amount_in_a_debit_credit_file_is_a_skipped_row() -> None:
    data = (
        b"Date,Description,Debit,Credit\n"
        b"2024-01-05,COFFEE,3.50,\n"
        b"2024-01-06,TYPO,,99999999999999999999999999999999\n"
        b"2024-01-07,TEA,2.00,\n"
    )
    parsed = parse_statement(data, "two_columns.csv", currency=USD_AT_HOME)
    assert [t.description for t in parsed.transactions] == ["COFFEE", "TEA"]
    assert [s.row for s in parsed.invalid_rows] == [3]


def test_every_file_is_imported_after_one_with_a_27_digit_amount(tmp_path: Path) -> None:
    """Through the real `privfin` executable: the raw InvalidOperation used to end the run."""
    huge = tmp_path / "a.csv"
    huge.write_bytes(statement("2024-01-05,BIG,123456789012345678901234567", "2024-01-06,TEA,-3.50"))
    future = tmp_path / "b.csv"
    future.write_bytes(statement("9999-12-31,FUTURE,-2.00", "2024-02-05,BREAD,-2.00"))
    plain = tmp_path / "c.csv"
    plain.write_bytes(statement("2024-03-05,MILK,-1.00"))
    data_dir = tmp_path / "data"
    env = {**os.environ, "PRIVFIN_DATA_DIR": str(data_dir), "PRIVFIN_OFFLINE": "true"}
    done = subprocess.run(
        [str(PRIVFIN), "import", str(huge), str(future), str(plain)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    assert f"{huge}: " in done.stderr and "row 2: skipped (invalid): amount" in done.stderr
    assert "row 2: skipped (invalid): date 9999-12-31 is outside the supported years" in done.stderr
    assert f"{plain}: " in done.stderr
    stored = Store(Settings(data_dir=data_dir).db_path).get_transactions()
    assert sorted(t.description for t in stored) == ["BREAD", "MILK", "TEA"]


def test_an_unforeseen_failure_in_one_file_is_that_files_error(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection: a parser bug nobody has found yet (here: one raised on purpose for one
    file) must cost that file only, with a message naming it."""
    real_parse = importer.parse_statement

    def parse_with_a_bug(data: bytes, filename: str, **options: object) -> object:
        if filename == "broken.csv":
            raise ArithmeticError("a bug nobody has found yet")
        return real_parse(data, filename, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(importer, "parse_statement", parse_with_a_bug)
    files = [
        ("broken.csv", statement("2024-01-05,COFFEE,-3.50")),
        ("fine.csv", statement("2024-01-06,TEA,-2")),
    ]
    for run in (import_files, importer.preview_files):
        results = run(store, files, home_currency="USD")
        assert [r.ok for r in results] == [False, True]
        assert results[0].error is not None
        assert results[0].error.startswith("broken.csv: could not be imported because of an unexpected error")
        assert "ArithmeticError: a bug nobody has found yet" in results[0].error
    assert [t.description for t in store.get_transactions()] == ["TEA"]
