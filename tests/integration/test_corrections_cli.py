"""`privfin correct | accept | import-categories` end to end: the CLI in subprocesses
against this test's data dir, doing what the Review page does."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest

from app.categorize import decisions
from app.models import CategorySource
from app.store import CategoryUpdate, Store
from tests.integration.categorize_support import Row, seed, state
from tests.support.cli import privfin

ROWS = [
    Row("STARBUCKS STORE 1234 SEATTLE WA", "-5.10", "2026-03-01"),
    Row("SQ *STARBUCKS #0042 AUSTIN TX", "-6.20", "2026-03-02"),
    Row("STARBUCKS STORE 77 PORTLAND OR", "-4.90", "2026-03-03"),
    Row("STARBUCKS REFUND", "4.90", "2026-03-04"),
    Row("ZORBLAX QUILONDA", "-40.00", "2026-03-05"),
]


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def ids(store: Store) -> list[str]:
    return seed(store, ROWS)


def test_correct_sets_the_users_category_on_the_id_categorize_json_prints(
    store: Store, ids: list[str]
) -> None:
    listed = privfin("categorize", "--offline", "--json")
    assert listed.returncode == 0, listed.stderr
    printed = {json.loads(line)["description"]: json.loads(line)["id"] for line in listed.stdout.splitlines()}
    target = printed["ZORBLAX QUILONDA"]
    result = privfin("correct", target, "shopping")  # any case: the taxonomy's spelling is stored
    assert result.returncode == 0
    assert one_line(result) == f"privfin correct: set {target} to Shopping"
    after = store.transactions_frame().loc[target]
    assert (after["category"], after["category_source"], bool(after["reviewed"])) == (
        "Shopping",
        "user",
        True,
    )


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("no-such-id", "Dining"), "no transaction with id 'no-such-id'"),
        (("{first}", "Coffee"), "'Coffee' is not a category"),
    ],
)
def test_correct_refuses_an_unknown_id_or_category_with_one_line(
    store: Store, ids: list[str], args: tuple[str, str], reason: str
) -> None:
    before = state(store)
    result = privfin("correct", *(a.format(first=ids[0]) for a in args))
    assert result.returncode == 1
    assert reason in one_line(result)
    assert state(store) == before


def test_correct_merchant_spares_the_rows_set_by_hand_and_the_other_direction(
    store: Store, ids: list[str]
) -> None:
    decisions.correct(store, [ids[1]], "Groceries")  # set by hand earlier: the user keeps it
    store.apply_category_updates([CategoryUpdate(ids[2], "Shopping", CategorySource.MODEL, 0.75)])
    result = privfin("correct", ids[0], "Dining", "--merchant")
    assert result.returncode == 0
    assert "set 2 transactions of 'STARBUCKS' (money out) to Dining" in one_line(result)
    assert "1 row you set by hand left as they were" in one_line(result)
    after = state(store)
    assert (after[ids[0]].category, after[ids[0]].source) == ("Dining", "user")
    assert (after[ids[1]].category, after[ids[1]].source) == ("Groceries", "user")
    assert (after[ids[2]].category, after[ids[2]].source) == ("Dining", "user")
    assert after[ids[3]].category is None  # the refund is money in: another merchant scope


def test_the_user_wins_over_a_rule_then_and_later(store: Store, ids: list[str]) -> None:
    decisions.create_rule(store, "STARBUCKS", "out", "Groceries")
    assert privfin("correct", ids[2], "Dining").returncode == 0
    assert privfin("categorize", "--offline").returncode == 0  # the cascade runs the rule again
    after = state(store)
    assert (after[ids[2]].category, after[ids[2]].source) == ("Dining", "user")
    assert (after[ids[0]].category, after[ids[0]].source) == ("Groceries", "rule")


def test_accept_marks_rows_reviewed_and_refuses_rows_without_a_category(store: Store, ids: list[str]) -> None:
    store.apply_category_updates(CategoryUpdate(tid, "Dining", CategorySource.MODEL, 0.75) for tid in ids[:2])
    # another category for the same merchant: still the model's first word on it
    store.apply_category_updates([CategoryUpdate(ids[2], "Shopping", CategorySource.MODEL, 0.75)])
    refused = privfin("accept", ids[0], ids[4])  # ids[4] has no category
    assert refused.returncode == 1
    assert f"transaction {ids[4]!r} has no category to accept" in one_line(refused)
    assert not store.transactions_frame()["reviewed"].any()  # nothing was marked

    accepted = privfin("accept", ids[0], ids[1])
    assert accepted.returncode == 0 and one_line(accepted) == "privfin accept: marked 2 transactions reviewed"
    frame = store.transactions_frame()
    assert list(frame.loc[ids, "reviewed"]) == [True, True, False, False, False]
    assert list(frame.loc[ids, "category_source"].fillna("")) == ["model"] * 3 + [""] * 2  # unchanged

    everything = privfin("accept", "--all")
    assert everything.returncode == 0
    assert "marked 1 transaction reviewed; 2 rows without a category stay in the review queue" in one_line(
        everything
    )
    assert list(store.transactions_frame().loc[ids, "reviewed"]) == [True, True, True, False, False]

    assert privfin("accept").returncode == 2
    assert privfin("accept", "no-such-id").returncode == 1


def _export(tmp_path: Path) -> tuple[list[str], list[list[str]]]:
    out = tmp_path / "export.csv"
    result = privfin("export", "--format", "csv", "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: list[list[str]], *, delimiter: str = ",") -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows([header, *rows])
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))


def test_import_categories_applies_the_changed_rows_of_an_edited_export_only(
    store: Store, ids: list[str], tmp_path: Path
) -> None:
    store.apply_category_updates(CategoryUpdate(tid, "Dining", CategorySource.MODEL, 0.75) for tid in ids[:3])
    header, rows = _export(tmp_path)
    id_at, at = header.index("id"), header.index("category")
    assert sorted(row[id_at] for row in rows) == sorted(ids)
    by_id = {row[id_at]: row for row in rows}
    by_id[ids[1]][at] = "groceries"  # changed (any case)
    by_id[ids[4]][at] = "Shopping"  # was uncategorized
    by_id[ids[2]][at] = "Uncategorized"  # clearing is not applied: the category stays
    edited = tmp_path / "edited.csv"
    _write(edited, header, list(by_id.values()), delimiter=";")  # as a European spreadsheet saves it

    result = privfin("import-categories", str(edited))
    assert result.returncode == 0, result.stderr
    line = one_line(result)
    assert "set 2 transactions to the file's category as yours, 2 rows unchanged" in line
    assert "1 row marked Uncategorized in the file kept their category" in line
    after = state(store)
    assert (after[ids[1]].category, after[ids[1]].source) == ("Groceries", "user")
    assert (after[ids[4]].category, after[ids[4]].source) == ("Shopping", "user")
    assert (after[ids[0]].category, after[ids[0]].source) == ("Dining", "model")  # unchanged row
    assert (after[ids[2]].category, after[ids[2]].source) == ("Dining", "model")
    assert after[ids[3]].category is None


def test_a_bad_edited_export_names_file_and_line_and_changes_nothing(
    store: Store, ids: list[str], tmp_path: Path
) -> None:
    header, rows = _export(tmp_path)
    id_at, at = header.index("id"), header.index("category")
    rows[0][at] = "Shopping"  # fine on its own: still not applied, the file has errors
    rows[1][at] = "Coffee"
    rows[3][id_at] = "no-such-id"
    edited = tmp_path / "edited.csv"
    _write(edited, header, rows)
    before = state(store)
    result = privfin("import-categories", str(edited))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"privfin import-categories: {edited} line 3: 'Coffee' is not a category",
        f"privfin import-categories: {edited} line 5: no transaction with id 'no-such-id'",
        "privfin import-categories: nothing was changed",
    ]
    assert state(store) == before

    no_ids = tmp_path / "old-export.csv"
    _write(no_ids, header[:id_at], [row[:id_at] for row in rows])
    old = privfin("import-categories", str(no_ids))
    assert old.returncode == 1 and "no 'id' column" in old.stderr
    missing = privfin("import-categories", str(tmp_path / "nowhere.csv"))
    assert missing.returncode == 1 and "cannot read" in one_line(missing)
