"""Issue 8's acceptance files, each imported exactly from the command line and from the dashboard.

A headerless withdrawal/deposit file, a C/D indicator file, a euro file with foreign card spend,
an OFX, a QFX and a QIF file. The corpus files' expected rows are their projects' own output
(tests/fixtures/layouts/README.md); the two small files below are written for this test, with
their values worked out by hand (every balance step checks the amount it follows).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.settings import load_settings
from app.store import Store
from components import state
from tests.conftest import REPO_ROOT

LAYOUTS = REPO_ROOT / "tests" / "fixtures" / "layouts" / "files"
OFX_FIXTURES = REPO_ROOT / "tests" / "fixtures" / "ofx"
PRIVFIN = Path(sys.executable).with_name("privfin")

# date, description, withdrawal, deposit, running balance; newest last, no header.
HEADERLESS_WITHDRAWAL_DEPOSIT = (
    b"03/01/2026,OPENING DEPOSIT BRANCH 22,,1500.00,1500.00\n"
    b"03/02/2026,CORNER GROCER 118,82.45,,1417.55\n"
    b"03/05/2026,PAYROLL ACME TOOLWORKS,,2310.00,3727.55\n"
    b"03/07/2026,CHECK 1041,400.00,,3327.55\n"
    b"03/09/2026,CITY WATER UTILITY,61.20,,3266.35\n"
    b"03/15/2026,INTEREST PAID,,0.87,3267.22\n"
)
HEADERLESS_ROWS = [
    ("2026-03-01", "1500.00", "USD"),
    ("2026-03-02", "-82.45", "USD"),
    ("2026-03-05", "2310.00", "USD"),
    ("2026-03-07", "-400.00", "USD"),
    ("2026-03-09", "-61.20", "USD"),
    ("2026-03-15", "0.87", "USD"),
]
# An N26-style euro account with a pound card payment: the amount column is the account's
# (EUR); the original amount and currency are kept beside it, never taken for the row's.
EURO_WITH_FOREIGN_SPEND = (
    b'"Booking Date","Value Date","Partner Name","Partner Iban","Type","Payment Reference",'
    b'"Account Name","Amount (EUR)","Original Amount","Original Currency","Exchange Rate"\n'
    b'"2023-06-01","2023-06-01","KORNHAUS MARKT","","Presentment","","Main Account","-23.40","","",""\n'
    b'"2023-06-02","2023-06-02","TEAROOM ON THE STRAND","","Presentment","","Main Account","-9.37",'
    b'"-8.00","GBP","0.8538"\n'
    b'"2023-06-05","2023-06-05","Werkzeugbau Nord","","Credit Transfer","Lohn","Main Account",'
    b'"2500.00","","",""\n'
)
EURO_ROWS = [
    ("2023-06-01", "-23.40", "EUR"),
    ("2023-06-02", "-9.37", "EUR"),
    ("2023-06-05", "2500.00", "EUR"),
]

Row = tuple[str, str, str]


def _expected(relative: str, home: str) -> list[Row]:
    rows = json.loads((LAYOUTS / f"{relative}.expected.json").read_text(encoding="utf-8"))["rows"]
    return [(r["date"], str(Decimal(r["amount"])), r["currency"] or home) for r in rows]


def _ofx_fixture(name: str) -> bytes:
    return (OFX_FIXTURES / name).read_bytes()


# (upload name, bytes, home currency, expected rows)
CASES: dict[str, tuple[str, bytes, str, list[Row]]] = {
    "headerless withdrawal/deposit": ("checking.csv", HEADERLESS_WITHDRAWAL_DEPOSIT, "USD", HEADERLESS_ROWS),
    "C/D indicator (Knab)": (
        "knab.csv",
        (LAYOUTS / "ofxstatement-dutch" / "Knab_transactieoverzicht_ok.csv").read_bytes(),
        "EUR",
        _expected("ofxstatement-dutch/Knab_transactieoverzicht_ok.csv", "EUR"),
    ),
    "EUR with foreign spend": ("n26.csv", EURO_WITH_FOREIGN_SPEND, "EUR", EURO_ROWS),
    "OFX": (
        "download.ofx",
        (LAYOUTS / "beangulp" / "ofxdownload.ofx").read_bytes(),
        "USD",
        _expected("beangulp/ofxdownload.ofx", "USD"),
    ),
    "QFX": (
        "download.qfx",
        _ofx_fixture("three_checking_transactions.qfx"),
        "USD",
        [("2021-05-03", "-4.35", "CAD"), ("2021-05-05", "-210.00", "CAD"), ("2021-05-06", "-18.75", "CAD")],
    ),
    "QIF": (
        "register.qif",
        (LAYOUTS / "csv2ofx" / "creditunion.qif").read_bytes(),
        "USD",
        _expected("csv2ofx/creditunion.qif", "USD"),
    ),
}


def _amount(text: object) -> str:
    return format(Decimal(str(text)).normalize(), "f")


def _unmatched(got: list[tuple[str, str | None, object, str]], expected: list[Row]) -> list[Row]:
    """Expected rows no read row accounts for. A row matches by its date or, as the projects
    that book the value date do, by its posted date (as tests/integration/test_layouts.py)."""
    left = [(day, posted, _amount(amount), currency) for day, posted, amount, currency in got]
    missing: list[Row] = []
    for day, amount, currency in expected:
        wanted = (_amount(amount), currency)
        hit = next((r for r in left if r[2:] == wanted and day in (r[0], r[1])), None)
        if hit is None:
            missing.append((day, amount, currency))
        else:
            left.remove(hit)
    return missing + [(r[0], r[2], r[3]) for r in left]


def _stored(store: Store) -> list[tuple[str, str | None, object, str]]:
    frame = store.transactions_frame()
    posted = [
        None if p is None or str(p) in ("NaT", "None", "nan") else str(p)[:10] for p in frame["posted_date"]
    ]
    return [
        (str(day)[:10], post, amount, currency)
        for day, post, amount, currency in zip(
            frame["date"], posted, frame["amount"], frame["currency"], strict=True
        )
    ]


@pytest.mark.parametrize("case", list(CASES))
def test_the_cli_imports_it_exactly(case: str, tmp_path: Path) -> None:
    name, data, home, expected = CASES[case]
    path = tmp_path / name
    path.write_bytes(data)
    done = subprocess.run(
        [str(PRIVFIN), "import", "--json", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"PRIVFIN_HOME_CURRENCY": home},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    printed = [json.loads(line, parse_float=Decimal) for line in done.stdout.splitlines()]
    read = [(r["date"], r.get("posted_date"), r["amount"], r["currency"]) for r in printed]
    assert _unmatched(read, expected) == []
    assert _unmatched(_stored(Store(load_settings().db_path)), expected) == []
    if case == "EUR with foreign spend":
        foreign = [r for r in printed if r.get("original_currency")]
        assert [(str(r["original_amount"]), r["original_currency"]) for r in foreign] == [("-8.00", "GBP")]


@pytest.mark.parametrize("case", list(CASES))
def test_the_dashboard_imports_it_exactly(
    case: str, open_page: Callable[[str], AppTest], store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, data, home, expected = CASES[case]
    monkeypatch.setenv("PRIVFIN_HOME_CURRENCY", home)
    app = open_page("import_page")
    app.file_uploader(key=state.uploader_key(0)).set_value([(name, data, "text/csv")]).run()
    assert not app.exception, [e.value for e in app.exception]
    app.button(key=state.IMPORT_BUTTON).click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert len(_stored(store)) == len(expected)
    assert _unmatched(_stored(store), expected) == []
