"""Transfers through the real CLI: `privfin import` of two accounts' statements pairs the move
between them; `privfin categorize --json` and `privfin export` carry `transfer_pair`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.support.cli import privfin

HEADER = "Date,Description,Amount,Currency,Balance\n"
# Invented: 500.00 leaves checking on 2 March and reaches savings on the 3rd.
CHECKING = HEADER + (
    "03/02/2026,ONLINE TRANSFER TO SAVINGS REF 5521,-500.00,USD,2500.00\n"
    "03/05/2026,CORNER GROCER,-82.40,USD,2417.60\n"
    "03/09/2026,CITY POWER CO,-61.15,USD,2356.45\n"
    "03/15/2026,ACME PAYROLL,2400.00,USD,4756.45\n"
)
SAVINGS = HEADER + (
    "01/31/2026,INTEREST PAID,0.98,USD,10000.00\n"
    "02/28/2026,INTEREST PAID,1.05,USD,10001.03\n"
    "03/03/2026,TRANSFER FROM CHECKING 5521,500.00,USD,10501.03\n"
    "03/20/2026,ATM WITHDRAWAL,-100.00,USD,10401.03\n"
    "03/31/2026,INTEREST PAID,1.12,USD,10402.15\n"
)


def test_import_pairs_and_json_and_csv_carry_the_other_side(tmp_path: Path) -> None:
    checking, savings = tmp_path / "checking.csv", tmp_path / "savings.csv"
    checking.write_text(CHECKING, encoding="utf-8")
    savings.write_text(SAVINGS, encoding="utf-8")
    for path, account in ((checking, "Checking"), (savings, "Savings")):
        result = privfin("import", str(path), "--account", account)
        assert result.returncode == 0, result.stderr

    listed = privfin("categorize", "--offline", "--json")
    assert listed.returncode in (0, 3), listed.stderr  # 3: some rows still need a category
    rows = {row["description"]: row for row in map(json.loads, listed.stdout.splitlines())}
    out, arrived = rows["ONLINE TRANSFER TO SAVINGS REF 5521"], rows["TRANSFER FROM CHECKING 5521"]
    assert out["transfer_pair"] == arrived["id"] and arrived["transfer_pair"] == out["id"]
    assert rows["CORNER GROCER"]["transfer_pair"] == ""

    exported = tmp_path / "all.csv"
    result = privfin("export", "--format", "csv", "-o", str(exported))
    assert result.returncode == 0, result.stderr
    table = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
    pairs = {row["id"]: row["transfer_pair"] for row in table}
    assert pairs[out["id"]] == arrived["id"] and pairs[arrived["id"]] == out["id"]
    assert sum(1 for value in pairs.values() if value) == 2
