"""Managing imports: the list, removing one (its overlap with other imports kept), the sample
data alone, refusal while a categorization runs, and the change log. Real importer, real store."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading

import pytest

from app.importer import import_files
from app.imports import (
    CategorizationRunning,
    ImportNotFound,
    change_log,
    imported_files,
    removal_preview,
    remove_import,
    remove_sample_data,
    sample_hashes,
)
from app.jobs import CategorizationJob
from app.settings import Settings
from app.store import Store
from tests.conftest import SAMPLE_DATA

WAIT_S = 30
HEADER = b"Date,Description,Amount\n"
MARCH = (
    HEADER
    + b"2024-03-01,COFFEE ROASTERS,-4.50\n2024-03-02,GROCER MARKET,-52.10\n2024-03-03,PAYROLL ACME,2500.00\n"
)
# Overlaps MARCH on its last two rows and adds one.
LATER = (
    HEADER
    + b"2024-03-02,GROCER MARKET,-52.10\n2024-03-03,PAYROLL ACME,2500.00\n2024-03-04,BOOK SHOP,-12.00\n"
)


def _import(store: Store, name: str, data: bytes, account: str = "Checking") -> int:
    [result] = import_files(store, [(name, data)], account=account, currency="USD")
    assert result.ok, result.error
    return next(f.id for f in imported_files(store) if f.file == name)


def _orphans(store: Store) -> int:
    with store.connect() as conn:
        return int(
            conn.execute(
                "SELECT (SELECT COUNT(*) FROM transactions WHERE import_id NOT IN (SELECT id FROM imports)) + "
                "(SELECT COUNT(*) FROM import_duplicates WHERE import_id NOT IN (SELECT id FROM imports) "
                "OR transaction_id NOT IN (SELECT id FROM transactions))"
            ).fetchone()[0]
        )


def test_the_list_names_file_layout_account_rows_and_dates(store: Store) -> None:
    first = _import(store, "march.csv", MARCH)
    second = _import(store, "later.csv", LATER)
    files = {f.id: f for f in imported_files(store)}
    assert [f.id for f in imported_files(store)] == [second, first]  # newest first
    assert (files[first].rows, files[first].new_rows, files[first].duplicate_rows) == (3, 3, 0)
    # the later file holds three stored rows: one its own, two the first import stored
    assert (files[second].rows, files[second].new_rows, files[second].duplicate_rows) == (3, 1, 2)
    assert (files[second].first_date, files[second].last_date) == (dt.date(2024, 3, 2), dt.date(2024, 3, 4))
    assert files[first].account == "Checking" and files[first].layout
    record = files[second].record()
    assert {
        "id",
        "file",
        "layout",
        "account",
        "rows",
        "first_date",
        "last_date",
        "imported_at",
    } <= record.keys()
    assert record["first_date"] == "2024-03-02" and record["file"] == "later.csv"


def test_removing_an_import_keeps_the_rows_another_import_also_holds(store: Store) -> None:
    first = _import(store, "march.csv", MARCH)
    second = _import(store, "later.csv", LATER)
    grocer = store.transactions_frame().query("description == 'GROCER MARKET'").index[0]
    coffee = store.transactions_frame().query("description == 'COFFEE ROASTERS'").index[0]
    store.set_user_category([coffee], "Dining")

    preview = removal_preview(store, first)
    assert (preview.removed_rows, preview.kept_rows, preview.hand_set) == (1, 2, 1)
    assert "1 of them with a category you set by hand" in preview.message()
    assert store.count_transactions() == 4  # a preview removes nothing

    outcome = remove_import(store, first)
    assert (outcome.removed_rows, outcome.kept_rows) == (1, 2)
    frame = store.transactions_frame()
    assert sorted(frame["description"]) == ["BOOK SHOP", "GROCER MARKET", "PAYROLL ACME"]
    assert set(frame["import_id"]) == {second}
    # the kept row now points at the later file and its own line there (line 2 of LATER)
    later_sha = next(i["file_sha256"] for i in store.imports() if i["id"] == second)
    assert frame.loc[grocer, "source_sha256"] == later_sha and frame.loc[grocer, "source_row"] == 2
    [left] = imported_files(store)
    assert (left.rows, left.new_rows, left.duplicate_rows) == (3, 3, 0)
    assert _orphans(store) == 0
    # and removing that one too leaves nothing behind
    remove_import(store, second)
    assert store.count_transactions() == 0 and store.imports() == [] and _orphans(store) == 0
    actions = [entry["action"] for entry in change_log(store)]
    assert actions == ["import removed", "import removed"]
    assert change_log(store)[1]["file"] == "march.csv" and change_log(store)[1]["hand_set"] == 1


def test_removing_the_later_import_takes_only_its_own_row(store: Store) -> None:
    first = _import(store, "march.csv", MARCH)
    second = _import(store, "later.csv", LATER)
    assert removal_preview(store, second).removed_rows == 1
    remove_import(store, second)
    assert sorted(store.transactions_frame()["description"]) == [
        "COFFEE ROASTERS",
        "GROCER MARKET",
        "PAYROLL ACME",
    ]
    [left] = imported_files(store)
    assert left.id == first and _orphans(store) == 0


def test_an_unknown_import_is_refused_and_nothing_changes(store: Store) -> None:
    _import(store, "march.csv", MARCH)
    with pytest.raises(ImportNotFound, match="no import 99"):
        remove_import(store, 99)
    assert store.count_transactions() == 3


def test_the_sample_data_is_removed_alone(store: Store) -> None:
    mine = _import(store, "march.csv", MARCH)
    samples = sorted(SAMPLE_DATA.glob("*.csv"))
    results = import_files(store, [(p.name, p.read_bytes()) for p in samples])
    assert all(r.ok for r in results), [r.error for r in results]
    listed = imported_files(store)
    assert (
        sum(f.sample for f in listed) == len(samples) and not next(f for f in listed if f.id == mine).sample
    )

    outcomes = remove_sample_data(store)
    assert len(outcomes) == len(samples)
    assert [f.id for f in imported_files(store)] == [mine]
    assert store.count_transactions() == 3 and _orphans(store) == 0
    assert sample_hashes()  # the shipped files are what identifies them


def test_removal_is_refused_while_a_categorization_runs_and_works_after(
    store: Store, settings: Settings
) -> None:
    first = _import(store, "march.csv", MARCH)
    job = CategorizationJob(settings.data_dir)
    holding, release = threading.Event(), threading.Event()

    def hold(_progress: object) -> None:
        holding.set()
        release.wait(WAIT_S)

    assert job.start(store, settings.model_copy(update={"offline": True}), on_progress=hold)
    assert holding.wait(WAIT_S)
    with pytest.raises(CategorizationRunning, match="nothing was removed"):
        remove_import(store, first, job=job)
    assert store.count_transactions() == 3
    release.set()
    assert job.wait(WAIT_S).state == "finished"
    remove_import(store, first, job=job)
    assert store.count_transactions() == 0 and _orphans(store) == 0


def test_a_removal_is_one_transaction(store: Store) -> None:
    """A failure half-way (here: an import id list whose second id does not exist) removes nothing."""
    from app.imports import remove_imports

    first = _import(store, "march.csv", MARCH)
    with pytest.raises(ImportNotFound):
        remove_imports(store, [first, 12345])
    assert store.count_transactions() == 3 and len(store.imports()) == 1


def test_commit_records_the_overlap_with_its_line_numbers(store: Store) -> None:
    _import(store, "march.csv", MARCH)
    second = _import(store, "later.csv", LATER)
    with sqlite3.connect(store.path) as conn:
        rows = sorted(conn.execute("SELECT import_id, source_row FROM import_duplicates"))
    assert rows == [(second, 2), (second, 3)]
