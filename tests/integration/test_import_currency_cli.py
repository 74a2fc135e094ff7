"""`privfin import` and the currency of files that name none: refused with a way out, the home
currency, --currency, the account's remembered currency, and foreign spend kept in the account's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.settings import load_settings
from app.store import Store
from tests.conftest import SAMPLE_DATA

PRIVFIN = Path(sys.executable).with_name("privfin")
JANUARY = b"Date,Description,Amount\n2026-01-05,COFFEE SHOP,-3.50\n2026-01-06,PAYROLL,1200.00\n"
FEBRUARY = b"Date,Description,Amount\n2026-02-05,GROCER,-30.00\n"
N26 = (
    b'"Booking Date","Value Date","Partner Name","Partner Iban","Type","Payment Reference",'
    b'"Account Name","Amount (EUR)","Original Amount","Original Currency","Exchange Rate"\n'
    b'"2023-06-01","2023-06-01","REWE Berlin","","Presentment","","Main Account","-23.40","","",""\n'
    b'"2023-06-02","2023-06-02","PRET A MANGER LONDON","","Presentment","","Main Account","-9.37",'
    b'"-8.00","GBP","0.8538"\n'
    b'"2023-06-05","2023-06-05","Arbeitgeber GmbH","","Credit Transfer","Gehalt","Main Account",'
    b'"2500.00","","",""\n'
)


@pytest.fixture(autouse=True)
def no_home_currency(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PRIVFIN_HOME_CURRENCY")


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PRIVFIN), "import", *argv], capture_output=True, text=True, timeout=120, env=dict(os.environ)
    )


def _write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _currencies(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [json.loads(line)["currency"] for line in done.stdout.splitlines()]


def _store() -> Store:
    return Store(load_settings().db_path)


def test_a_file_naming_no_currency_is_refused_with_the_way_to_say_it(tmp_path: Path) -> None:
    done = _run(_write(tmp_path, "january.csv", JANUARY))
    assert done.returncode == 1
    assert "does not say which currency" in done.stderr
    assert "--currency CODE" in done.stderr and "PRIVFIN_HOME_CURRENCY" in done.stderr
    assert _store().count_transactions() == 0


def test_the_home_currency_from_the_environment_is_used_and_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRIVFIN_HOME_CURRENCY", "cad")
    done = _run(_write(tmp_path, "january.csv", JANUARY), "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    assert _currencies(done) == ["CAD", "CAD"]
    assert "currency: CAD (your home currency)" in done.stderr


def test_currency_flag_is_used_and_remembered_for_the_account(tmp_path: Path) -> None:
    first = _run(
        _write(tmp_path, "january.csv", JANUARY), "--account", "Joint", "--currency", "aud", "--json"
    )
    assert first.returncode == 0, first.stderr
    assert _currencies(first) == ["AUD", "AUD"]
    later = _run(_write(tmp_path, "february.csv", FEBRUARY), "--account", "Joint", "--json")
    assert later.returncode == 0, later.stderr
    assert _currencies(later) == ["AUD"]
    assert "currency: AUD (remembered for this account)" in later.stderr
    assert set(_store().transactions_frame()["currency"]) == {"AUD"}


def test_an_invalid_currency_flag_is_a_usage_error(tmp_path: Path) -> None:
    done = _run(_write(tmp_path, "january.csv", JANUARY), "--currency", "dollars")
    assert done.returncode == 2
    assert "not a currency code" in done.stderr


def test_a_euro_file_with_pounds_as_original_currency_stores_every_row_in_euros(tmp_path: Path) -> None:
    done = _run(_write(tmp_path, "n26.csv", N26), "--json")
    assert done.returncode == 0, done.stderr
    assert _currencies(done) == ["EUR", "EUR", "EUR"]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert (lines[1]["original_amount"], lines[1]["original_currency"]) == (-8.0, "GBP")
    assert "original_amount" not in lines[0] and "original_currency" not in lines[2]
    assert "currency: EUR (named by the file)" in done.stderr
    assert set(_store().transactions_frame()["currency"]) == {"EUR"}


def test_a_bank_profile_needs_no_currency_from_the_user() -> None:
    done = _run(str(SAMPLE_DATA / "chase_credit_card.csv"), "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    assert set(_currencies(done)) == {"USD"}
    assert "currency: USD (the bank's profile)" in done.stderr


def test_a_currency_flag_does_not_replace_the_one_the_file_names(tmp_path: Path) -> None:
    dkb = str(SAMPLE_DATA / "dkb_girokonto.csv")
    done = _run(dkb, "--account", "Giro", "--currency", "USD", "--json")
    assert done.returncode == 0, done.stderr
    assert set(_currencies(done)) == {"EUR"}
    assert "currency: EUR (the bank's profile)" in done.stderr
    assert "your choice USD applies only to amounts whose row names no currency" in done.stderr
    euros = _write(tmp_path, "euros.csv", b"Date,Description,Amount\n2026-03-01,BAKERY,-12.00 EUR\n")
    again = _run(euros, "--account", "Giro", "--currency", "USD", "--json")
    assert _currencies(again) == ["EUR"]
    later = _run(_write(tmp_path, "plain.csv", FEBRUARY), "--account", "Giro", "--json")
    assert later.returncode == 0, later.stderr
    assert _currencies(later) == ["EUR"]
    assert "currency: EUR (remembered for this account)" in later.stderr
    assert set(_store().transactions_frame()["currency"]) == {"EUR"}
