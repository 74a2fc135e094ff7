"""`privfin recurring` in a subprocess, over the sample data and over a small ledger.

The sample data's expected series were written by hand from reading the CSVs in sample_data/
(each subscription, rent, insurance and phone bill charged monthly for the six months), not
from the detector's output. Merchants are matched by a word of their name, so a better merchant
key (e.g. "Netflix" for "NETFLIX.COM") still matches.
"""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.store import Store
from tests.conftest import SAMPLE_DATA
from tests.support.cli import privfin
from tests.support.recurring_ledger import seed_recurring

TIMEOUT_S = 120

# (a word of the merchant, currency, amount, first date, last date, annual cost); all monthly, 6 charges
SAMPLE_SUBSCRIPTIONS = [
    ("NETFLIX", "USD", "15.49", "2026-03-07", "2026-08-07", "185.88"),
    ("NETFLIX", "EUR", "13.99", "2026-03-17", "2026-08-17", "167.88"),
    ("SPOTIFY", "USD", "11.99", "2026-03-12", "2026-08-12", "143.88"),
    ("SPOTIFY", "EUR", "10.99", "2026-03-09", "2026-08-09", "131.88"),
    ("APPLE", "USD", "2.99", "2026-03-19", "2026-08-19", "35.88"),
    ("APPLE", "USD", "9.99", "2026-03-20", "2026-08-20", "119.88"),
    ("PRIME", "USD", "14.99", "2026-03-03", "2026-08-03", "179.88"),
    ("HULU", "USD", "18.99", "2026-03-14", "2026-08-14", "227.88"),
    ("DISNEY", "USD", "13.99", "2026-03-02", "2026-08-02", "167.88"),
    ("OPENAI", "USD", "20.00", "2026-03-22", "2026-08-22", "240.00"),
    ("ORANGETHEORY", "USD", "59.00", "2026-03-11", "2026-08-11", "708.00"),
    ("PLANET FITNESS", "USD", "24.99", "2026-03-05", "2026-08-05", "299.88"),
    ("URBAN SPORTS", "EUR", "59.00", "2026-03-03", "2026-08-03", "708.00"),
    ("GEICO", "USD", "118.42", "2026-03-27", "2026-08-27", "1421.04"),
    ("PROGRESSIVE", "USD", "112.30", "2026-03-24", "2026-08-24", "1347.60"),
    ("SPECTRUM", "USD", "69.99", "2026-03-18", "2026-08-18", "839.88"),
    ("AT&T", "USD", "85.00", "2026-03-23", "2026-08-21", "1020.00"),
    ("VERIZON", "USD", "92.40", "2026-03-19", "2026-08-19", "1108.80"),
    ("WOW INTERNET", "USD", "64.99", "2026-03-14", "2026-08-14", "779.88"),  # Mint payee; raw WIDEOPENWEST
    ("TELEKOM", "EUR", "39.95", "2026-03-04", "2026-08-04", "479.40"),
    ("VODAFONE", "EUR", "24.99", "2026-03-06", "2026-08-06", "299.88"),
    ("VATTENFALL", "EUR", "68.00", "2026-03-02", "2026-08-02", "816.00"),
    ("DEUTSCHLANDTICKET", "EUR", "63.00", "2026-03-01", "2026-08-01", "756.00"),
    ("GRENZEN", "EUR", "25.00", "2026-03-05", "2026-08-05", "300.00"),  # a monthly donation
    ("CAPSTONE", "USD", "1950.00", "2026-03-02", "2026-08-03", "23400.00"),  # rent
    ("RIDGEVIEW", "USD", "1625.00", "2026-03-02", "2026-08-03", "19500.00"),  # rent
    ("HAUSVERWALTUNG", "EUR", "1150.00", "2026-03-02", "2026-08-03", "13800.00"),  # rent
]
# Fixed monthly moves to savings whose other side is in no file (left out once categorized as
# transfers) and biweekly pay. Mint's 300.00 from Everyday Checking to Online Savings has both
# sides in the export: a matched transfer (app.transfers), so neither side is a series.
SAMPLE_OTHERS = [
    ("SAV", "USD", "out", "monthly", "400.00"),
    ("SPAREN", "EUR", "out", "monthly", "300.00"),
    ("BUCKEYE", "USD", "in", "biweekly", "2450.00"),
]
MATCHED_TRANSFERS = [("SAV", "USD", "300.00"), ("CHECKING", "USD", "300.00")]
# Frequent merchants with varying amounts, and a quarterly fee seen only twice.
NEVER_SERIES = ["KROGER", "WHOLE", "TRADER", "REWE", "LIDL", "COSTCO", "SHELL", "KILN", "PECAN", "RUNDFUNK"]


def run_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return privfin(*args, data_dir=data_dir)


def recurring_json(data_dir: Path) -> list[dict[str, Any]]:
    done = run_cli(data_dir, "recurring", "--json")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def _matches(record: dict[str, Any], word: str, currency: str, amount: str) -> bool:
    return (
        word in record["merchant"].upper() and record["currency"] == currency and record["amount"] == amount
    )


def test_the_sample_datas_subscriptions_are_found_with_their_annual_cost(isolated_data_dir: Path) -> None:
    files = sorted(str(p) for p in SAMPLE_DATA.glob("*.csv"))
    imported = run_cli(isolated_data_dir, "import", *files)
    assert imported.returncode == 0, imported.stderr
    records = recurring_json(isolated_data_dir)

    unexplained = list(records)
    for word, currency, amount, first, last, annual in SAMPLE_SUBSCRIPTIONS:
        [found] = [r for r in records if _matches(r, word, currency, amount)]
        assert (found["direction"], found["cadence"], found["count"], found["active"]) == (
            "out",
            "monthly",
            6,
            True,
        )
        assert (found["first_date"], found["last_date"], found["annual_cost"]) == (first, last, annual)
        assert found["monthly_cost"] == amount and found["price_changes"] == []
        unexplained.remove(found)
    for word, currency, direction, cadence, amount in SAMPLE_OTHERS:
        [found] = [
            r for r in unexplained if _matches(r, word, currency, amount) and r["direction"] == direction
        ]
        assert found["cadence"] == cadence
        unexplained.remove(found)
    assert unexplained == []
    assert not [r for r in records for word in NEVER_SERIES if word in r["merchant"].upper()]
    assert not [
        r for r in records for word, code, amount in MATCHED_TRANSFERS if _matches(r, word, code, amount)
    ]


def test_cli_lists_a_ledgers_series_and_totals(isolated_data_dir: Path, store: Store) -> None:
    seed_recurring(store)
    records = {r["merchant"]: r for r in recurring_json(isolated_data_dir)}
    tunebox = records["TUNEBOX PREMIUM"]
    assert tunebox["price_changes"] == [{"date": "2026-05-14", "from": "11.99", "to": "12.99"}]
    assert (tunebox["amount"], tunebox["annual_cost"], tunebox["next_date"]) == (
        "12.99",
        "155.88",
        "2026-07-14",
    )
    assert records["IRONWORKS GYM"]["active"] is False
    assert Decimal(records["CLOUDNOTES"]["annual_cost"]) == Decimal("4.99") * 52

    human = run_cli(isolated_data_dir, "recurring")
    assert human.returncode == 0, human.stderr
    assert "Tunebox Premium (out, monthly, active): 12.99 USD, 155.88 a year" in human.stdout
    assert "price 11.99 -> 12.99 on 2026-05-14" in human.stdout
    assert "1 active in EUR: 9.99 a month, 119.88 a year" in human.stderr


def test_cli_says_when_nothing_recurs(isolated_data_dir: Path) -> None:
    done = run_cli(isolated_data_dir, "recurring", "--json")
    assert done.returncode == 0 and done.stdout == ""
    assert "no recurring payments found" in done.stderr
