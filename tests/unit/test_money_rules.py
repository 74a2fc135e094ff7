"""Project rules for money: no float amounts in the core or the pages, and a light store module."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.conftest import REPO_ROOT

MONEY_WORDS = r"(amount|spend|spending|income|net|money|minor|total|balance|price|cents)"
FLOAT_MONEY = [
    re.compile(rf"\b\w*{MONEY_WORDS}\w*_float\b", re.IGNORECASE),  # amount_float, spend_float...
    re.compile(rf"float\([^)]*{MONEY_WORDS}", re.IGNORECASE),  # float(amount), float(row["spend"])
    re.compile(rf"\[[\"']\w*{MONEY_WORDS}\w*[\"']\]\.astype\(float\)", re.IGNORECASE),
    re.compile(rf"\b\w*{MONEY_WORDS}\w*\s*:\s*(list\[)?float\b", re.IGNORECASE),  # amount: float
    re.compile(r"CAST\(\s*amount\w*\s+AS\s+REAL\)", re.IGNORECASE),
]
# Known leftovers in code this change does not own (app/categorize: the typical amount sent to
# the model when the user allows it, `privfin categorize --json`, the learned model's size bucket). Listed so the rule still
# catches every new one; remove a line when its owner moves it to `app.money`.
KNOWN_LEFTOVERS = {
    ("app/categorize/prompt.py", "amount: float | None = None"),
    ("app/categorize/groups.py", "return float(round_to_cents(Decimal(statistics.median(amounts))))"),
    ("app/categorize/learned.py", "magnitude = abs(float(amount))"),  # a log-scale size bucket
}


def test_no_float_money_in_app_or_components() -> None:
    offenders = []
    for folder in ("app", "components"):
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            relative = str(path.relative_to(REPO_ROOT))
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                code = line.split("#", 1)[0].strip()
                if (relative, code) in KNOWN_LEFTOVERS:
                    continue
                if any(pattern.search(code) for pattern in FLOAT_MONEY):
                    offenders.append(f"{relative}:{number}: {code}")
    assert offenders == []


def test_the_rule_catches_float_money() -> None:
    for sample in ('frame["amount_float"]', "float(row.amount)", 'x["spend"].astype(float)', "total: float"):
        assert any(pattern.search(sample) for pattern in FLOAT_MONEY), sample
    for sample in ("confidence: float", "float(confidence)", "ratio(part, whole)"):
        assert not any(pattern.search(sample) for pattern in FLOAT_MONEY), sample


def test_the_store_module_does_not_import_pandas() -> None:
    """`privfin import` relies on it to start fast: pandas alone costs ~0.5 s."""
    probe = "import sys, app.store, app.importer; print(sorted(m for m in ('pandas', 'numpy') if m in sys.modules))"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[]"
