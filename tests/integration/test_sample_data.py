"""Golden tests: every sample statement imports through the real CLI exactly as generated.

The expectations come from `sample_data/expected.json`, written by
`scripts/make_sample_data.py` alongside the CSVs: what the generator put in each file,
not what the importer happens to print. Each check runs `privfin import` in a
subprocess with its own data dir, the way a user (or the "Try with sample data" button)
would.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT, SAMPLE_DATA
from tests.support.cli import cli_env

EXPECTED: dict[str, Any] = json.loads((SAMPLE_DATA / "expected.json").read_text(encoding="utf-8"))
FILES = sorted(EXPECTED["files"])
PERIOD_START = dt.date.fromisoformat(EXPECTED["period"]["start"])
PERIOD_END = dt.date.fromisoformat(EXPECTED["period"]["end"])
REQUIRED_FIELDS = ("id", "account", "date", "description", "amount", "currency", "duplicate")
CLI_TIMEOUT_S = 120


@dataclass(frozen=True)
class ImportRun:
    returncode: int
    records: list[dict[str, Any]]
    stderr: str

    def explain(self) -> str:
        return f"exit {self.returncode}; stderr:\n{self.stderr[-3000:]}"


def cli_command(paths: list[Path], *extra: str) -> list[str]:
    return [sys.executable, "-m", "app.cli", "import", *map(str, paths), "--json", *extra]


def start_import(paths: list[Path], data_dir: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cli_command(paths, *extra),
        cwd=data_dir,  # away from the repo, so no developer .env is read
        env=cli_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def finish_import(process: subprocess.Popen[str]) -> ImportRun:
    try:
        stdout, stderr = process.communicate(timeout=CLI_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
    records = [
        # Decimal for every number, so amounts compare exactly as printed.
        json.loads(line, parse_float=Decimal, parse_int=Decimal)
        for line in stdout.splitlines()
        if line.strip()
    ]
    return ImportRun(process.returncode, records, stderr)


def run_import(paths: list[Path], data_dir: Path, *extra: str) -> ImportRun:
    return finish_import(start_import(paths, data_dir, *extra))


class DryRuns:
    """One `--dry-run` import per sample file, each with its own data dir, all started at once."""

    def __init__(self, root: Path) -> None:
        self.processes: dict[str, subprocess.Popen[str]] = {}
        for name in FILES:
            data_dir = root / name.replace(".", "_")
            data_dir.mkdir()
            self.processes[name] = start_import([SAMPLE_DATA / name], data_dir, "--dry-run")
        self.runs: dict[str, ImportRun] = {}

    def __call__(self, name: str) -> ImportRun:
        if name not in self.runs:
            self.runs[name] = finish_import(self.processes[name])
        return self.runs[name]

    def close(self) -> None:
        for name in self.processes:
            self(name)


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DryRuns]:
    runs = DryRuns(tmp_path_factory.mktemp("dry-runs"))
    yield runs
    runs.close()


def imported(dry_run: DryRuns, name: str) -> list[dict[str, Any]]:
    run = dry_run(name)
    assert run.returncode == 0, f"{name}: {run.explain()}"
    return run.records


def expected_rows(name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = EXPECTED["files"][name]["transactions"]
    return rows


def as_date(record: dict[str, Any]) -> dt.date:
    return dt.date.fromisoformat(record["date"])


# --------------------------------------------------------------------------- the samples themselves


def test_generator_reproduces_the_committed_samples_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "regenerated"
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "make_sample_data.py"), "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=CLI_TIMEOUT_S,
    )
    committed = sorted(p.name for p in SAMPLE_DATA.iterdir() if p.is_file())
    assert sorted(p.name for p in out.iterdir()) == committed
    _, mismatch, errors = filecmp.cmpfiles(SAMPLE_DATA, out, committed, shallow=False)
    assert (mismatch, errors) == ([], [])


def test_samples_cover_five_layouts_and_both_currencies() -> None:
    layouts = {spec["layout"] for spec in EXPECTED["files"].values()}
    currencies = {spec["currency"] for spec in EXPECTED["files"].values()}
    assert len(layouts) >= 5
    assert currencies == {"USD", "EUR"}
    assert all(spec["row_count"] == len(spec["transactions"]) > 0 for spec in EXPECTED["files"].values())


# --------------------------------------------------------------------------- dry-run import, per file


@pytest.mark.parametrize("name", FILES)
def test_every_transaction_row_imports_and_nothing_else(dry_run: DryRuns, name: str) -> None:
    records = imported(dry_run, name)
    spec = EXPECTED["files"][name]
    # Pending rows and balance pseudo-rows (listed in skipped_records) must not be counted.
    assert len(records) == spec["row_count"], f"skipped by the generator: {spec['skipped_records']}"


@pytest.mark.parametrize("name", FILES)
def test_records_carry_the_contract_fields_with_the_right_types(dry_run: DryRuns, name: str) -> None:
    for index, record in enumerate(imported(dry_run, name)):
        missing = [key for key in REQUIRED_FIELDS if key not in record]
        assert not missing, f"{name} record {index} lacks {missing}: {record}"
        assert isinstance(record["amount"], Decimal), f"{name} record {index}: amount is not a JSON number"
        assert isinstance(record["duplicate"], bool)
        assert isinstance(record["id"], str) and record["id"]
        assert isinstance(record["account"], str) and record["account"].strip()
        assert dt.date.fromisoformat(record["date"]).isoformat() == record["date"]  # YYYY-MM-DD


@pytest.mark.parametrize("name", FILES)
def test_signed_total_matches_the_generator_exactly(dry_run: DryRuns, name: str) -> None:
    total = sum((record["amount"] for record in imported(dry_run, name)), Decimal("0"))
    assert total == Decimal(EXPECTED["files"][name]["total"])


@pytest.mark.parametrize("name", FILES)
def test_currency_is_the_banks(dry_run: DryRuns, name: str) -> None:
    currencies = {record["currency"] for record in imported(dry_run, name)}
    assert currencies == {EXPECTED["files"][name]["currency"]}


@pytest.mark.parametrize("name", FILES)
def test_dates_stay_in_the_period_with_day_and_month_not_swapped(dry_run: DryRuns, name: str) -> None:
    records = imported(dry_run, name)
    dates = [as_date(record) for record in records]
    assert all(PERIOD_START <= day <= PERIOD_END for day in dates), (min(dates), max(dates))
    assert sorted({day.strftime("%Y-%m") for day in dates}) == EXPECTED["files"][name]["months"]


@pytest.mark.parametrize("name", FILES)
def test_each_row_has_the_generated_date_and_signed_amount_in_file_order(dry_run: DryRuns, name: str) -> None:
    got = [(record["date"], record["amount"]) for record in imported(dry_run, name)]
    want = [(row["date"], Decimal(row["amount"])) for row in expected_rows(name)]
    first_difference = next(
        (i for i, pair in enumerate(zip(got, want, strict=False)) if pair[0] != pair[1]), None
    )
    assert got == want, f"first difference at row {first_difference}"


@pytest.mark.parametrize("name", FILES)
def test_descriptions_are_the_banks_text(dry_run: DryRuns, name: str) -> None:
    spec = EXPECTED["files"][name]
    rule = spec["description_rule"]
    for index, (record, row) in enumerate(zip(imported(dry_run, name), spec["transactions"], strict=True)):
        description = record["description"]
        if rule == "exact":
            # The raw descriptor, trimmed only: padding inside it is part of the bank's text.
            assert description == row["description"], f"{name} row {index}"
        elif rule == "contains_counterparty":
            # Without the counterparty a DKB line says only "Debitk.12 VISA Debit".
            assert row["counterparty"] in description, f"{name} row {index}: {description!r}"
            assert description == description.strip()
        else:
            options = [text.casefold() for text in row["alternatives"]]
            assert any(text in description.casefold() for text in options), (
                f"{name} row {index}: {description!r}"
            )


@pytest.mark.parametrize("name", FILES)
def test_ids_are_unique_within_a_file(dry_run: DryRuns, name: str) -> None:
    ids = [record["id"] for record in imported(dry_run, name)]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("name", FILES)
def test_a_dry_run_reports_nothing_as_duplicate_in_an_empty_store(dry_run: DryRuns, name: str) -> None:
    assert not any(record["duplicate"] for record in imported(dry_run, name))


# --------------------------------------------------------------------------- specific quirks


def test_identical_same_day_fares_are_both_kept_with_distinct_ids(dry_run: DryRuns) -> None:
    name = next(name for name in FILES if EXPECTED["files"][name]["identical_rows"])
    positions = EXPECTED["files"][name]["identical_rows"]
    assert len(positions) == 2
    records = imported(dry_run, name)
    first, second = (records[i] for i in positions)
    keys = [(r["date"], r["amount"], r["description"], r["account"]) for r in (first, second)]
    assert keys[0] == keys[1]
    assert first["id"] != second["id"]


def test_hostile_descriptions_come_back_as_the_exact_raw_text(dry_run: DryRuns) -> None:
    found = []
    for name in FILES:
        records = imported(dry_run, name)
        for index in EXPECTED["files"][name]["malicious_rows"]:
            assert records[index]["description"] == expected_rows(name)[index]["description"]
            found.append(records[index]["description"])
    assert '=HYPERLINK("http://evil.example","x")' in found
    assert "<script>alert(1)</script> CAFE" in found


def test_mint_export_splits_into_its_accounts(dry_run: DryRuns) -> None:
    name = "mint_export.csv"
    records = imported(dry_run, name)
    groups = EXPECTED["files"][name]["groups"]
    assert len(groups) >= 3
    rows_by_account: dict[str, set[int]] = defaultdict(set)
    rows_by_group: dict[str, set[int]] = defaultdict(set)
    for index, (record, row) in enumerate(zip(records, expected_rows(name), strict=True)):
        rows_by_account[record["account"]].add(index)
        rows_by_group[row["group"]].add(index)
    # However privfin names them, its accounts must partition the rows as the file's do.
    assert sorted(map(sorted, rows_by_account.values())) == sorted(map(sorted, rows_by_group.values()))


def test_mint_card_payment_shows_on_both_accounts_and_nets_to_zero(dry_run: DryRuns) -> None:
    name = "mint_export.csv"
    records = imported(dry_run, name)
    payment_sides = ("Citi Autopay", "Payment Thank You")
    by_day: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record, row in zip(records, expected_rows(name), strict=True):
        if row["description"] in payment_sides:
            by_day[row["date"]].append(record)
    assert len(by_day) == len(EXPECTED["files"][name]["months"])
    for day, sides in by_day.items():
        assert len(sides) == 2, day
        assert sides[0]["account"] != sides[1]["account"], day
        assert sides[0]["amount"] + sides[1]["amount"] == 0, day
        assert sides[0]["amount"] != 0, day


# --------------------------------------------------------------------------- real import, then re-import


def split_by_file(run: ImportRun) -> dict[str, list[dict[str, Any]]]:
    """The CLI prints files in argument order, each in file order: cut by the expected counts."""
    counts = [EXPECTED["files"][name]["row_count"] for name in FILES]
    assert run.returncode == 0, run.explain()
    assert len(run.records) == sum(counts), run.explain()
    slices, start = {}, 0
    for name, count in zip(FILES, counts, strict=True):
        slices[name] = run.records[start : start + count]
        start += count
    return slices


def test_importing_the_samples_again_marks_every_row_duplicate(tmp_path: Path) -> None:
    paths = [SAMPLE_DATA / name for name in FILES]
    first = split_by_file(run_import(paths, tmp_path))
    second = split_by_file(run_import(paths, tmp_path))
    for name in FILES:
        want = [(row["date"], Decimal(row["amount"])) for row in expected_rows(name)]
        assert [(r["date"], r["amount"]) for r in first[name]] == want, name
        assert not any(r["duplicate"] for r in first[name]), f"{name}: duplicate on first import"
        assert all(r["duplicate"] is True for r in second[name]), f"{name}: not duplicate on re-import"
        assert [r["id"] for r in second[name]] == [r["id"] for r in first[name]], name
