"""Every shipped issuer profile against exports laid out like the real ones.

The fixtures under tests/fixtures/real are reconstructed from public importers' test
data (see SOURCES.md): header lines, preamble, delimiter, quoting, encoding, date
format and sign convention are theirs; names and numbers are invented. The expected
values in expected.json were written by hand from what each row means (money out
negative), not taken from the importer's output.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.ingest import ParsedStatement, load_profiles, parse_statement
from tests.conftest import REPO_ROOT

REAL = REPO_ROOT / "tests" / "fixtures" / "real"
EXPECTED: dict[str, dict[str, Any]] = json.loads((REAL / "expected.json").read_text(encoding="utf-8"))


def _cases() -> list[Any]:
    cases = []
    for relative, expected in sorted(EXPECTED.items()):
        marks = []
        if "known_bug" in expected:
            marks.append(pytest.mark.xfail(strict=True, reason=expected["known_bug"]))
        cases.append(pytest.param(relative, expected, id=relative, marks=marks))
    return cases


def _parse(relative: str) -> ParsedStatement:
    path = REAL / relative
    # The importer sees what a user uploads: the bytes and the file's own name.
    return parse_statement(path.read_bytes(), Path(relative).name)


@pytest.mark.parametrize(("relative", "expected"), _cases())
def test_real_layout_parses_exactly(relative: str, expected: dict[str, Any]) -> None:
    parsed = _parse(relative)

    assert parsed.profile_id == expected["profile"], parsed.layout_name
    assert parsed.confident, parsed.uncertain_reasons

    by_row = {t.source.row: t for t in parsed.transactions}
    assert len(by_row) == len(parsed.transactions), "two transactions claim the same row"
    wanted_rows = [row["row"] for row in expected["transactions"]]
    assert sorted(by_row) == sorted(wanted_rows)

    for row in expected["transactions"]:
        transaction = by_row[row["row"]]
        where = f"{relative} row {row['row']}"
        assert transaction.date == dt.date.fromisoformat(row["date"]), where
        assert transaction.amount == Decimal(row["amount"]), where
        assert transaction.currency == row["currency"], where
        if "account_has" in row:
            assert row["account_has"] in transaction.account, where

    skipped = sorted((s.row, s.kind.value) for s in parsed.skipped)
    assert skipped == sorted((s["row"], s["kind"]) for s in expected["skipped"])


def _account_tokens(expected: dict[str, Any]) -> set[str]:
    return {row["account_has"] for row in expected["transactions"] if "account_has" in row}


@pytest.mark.parametrize(
    ("relative", "expected"),
    [case for case in _cases() if not case.marks and len(_account_tokens(case.values[1])) > 1],
)
def test_accounts_named_in_the_file_stay_apart(relative: str, expected: dict[str, Any]) -> None:
    """Rows naming different cards, members or accounts land in different accounts, and alike ones together."""
    tokens = _account_tokens(expected)
    parsed = _parse(relative)
    by_row = {t.source.row: t.account for t in parsed.transactions}
    accounts_of: dict[str, set[str]] = {}
    for row in expected["transactions"]:
        accounts_of.setdefault(row["account_has"], set()).add(by_row[row["row"]])
    assert all(len(accounts) == 1 for accounts in accounts_of.values()), accounts_of
    assert len({next(iter(a)) for a in accounts_of.values()}) == len(tokens), accounts_of


def test_every_shipped_profile_has_a_real_layout_fixture() -> None:
    covered = {expected["profile"] for expected in EXPECTED.values() if "known_bug" not in expected}
    shipped = {profile.id for profile in load_profiles()}
    assert shipped - covered == set()
    assert covered - shipped == set()


def test_every_fixture_is_listed_and_sourced() -> None:
    on_disk = {str(p.relative_to(REAL)) for p in REAL.rglob("*") if p.suffix.lower() == ".csv"}
    assert on_disk == set(EXPECTED)
    sources = (REAL / "SOURCES.md").read_text(encoding="utf-8")
    missing = [relative for relative in EXPECTED if f"`{relative}`" not in sources]
    assert missing == []
