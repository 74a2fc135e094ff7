"""Start-up stays light: the commands a user runs most load no heavy library they do not use.

A structural guard, not a timing: each command runs in a fresh interpreter (the way the
`privfin` script starts it) and reports which of the heavy libraries ended up in
`sys.modules`. pandas and numpy cost ~0.5 s to import, the openai SDK with httpx ~0.4 s,
plotly, jinja2 and Streamlit more; none of them is needed to show the help, read a statement
into the store or categorize offline. Speed itself is measured in benchmarks/bench_startup.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.store import Store
from tests.conftest import REPO_ROOT

HTTP_CLIENT = {"openai", "httpx2", "httpcore2"}
DASHBOARD_AND_EXPORT = {"plotly", "streamlit", "jinja2", "xlsxwriter", "pyarrow"}
DATAFRAMES = {"pandas", "numpy"}

# Runs `app.cli.main` as the console script does, then writes the loaded top-level packages.
CHILD = """
import json, sys
from app.cli import main
report, argv = sys.argv[1], sys.argv[2:]
try:
    code = main(argv)
except SystemExit as stop:
    code = stop.code
loaded = sorted({name.partition(".")[0] for name in sys.modules})
with open(report, "w", encoding="utf-8") as out:
    json.dump({"code": code, "loaded": loaded}, out)
"""

CARD_STATEMENT = (
    "Transaction Date,Post Date,Description,Category,Type,Amount,Memo\r\n"
    "03/14/2025,03/15/2025,SQ *HOLLOWAY BAKEHOUSE,Food & Drink,Sale,-7.25,\r\n"
    "03/13/2025,03/14/2025,QUILLFERN GROCERY #0412,Groceries,Sale,-58.10,\r\n"
    "03/12/2025,03/12/2025,AUTOMATIC PAYMENT - THANK,,Payment,400.00,\r\n"
    "03/11/2025,03/13/2025,QUILLFERN GROCERY #0412,Groceries,Return,12.00,\r\n"
)
# No issuer's header: the generic reader detects the columns.
GENERIC_STATEMENT = (
    "Booking date;Narrative;Amount\n"
    "2025-02-03;TORVELLE PHARMACY 88;-14,20\n"
    "2025-02-04;SALARY MARLOWE LTD;2.150,00\n"
    "2025-02-05;QUILLFERN GROCERY #0412;-33,05\n"
)

OFX_STATEMENT = (
    "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\n"
    "CHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n"
    "<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS>"
    "<CURDEF>USD<BANKACCTFROM><BANKID>000000000<ACCTID>9988<ACCTTYPE>CHECKING</BANKACCTFROM>"
    "<BANKTRANLIST><DTSTART>20250301<DTEND>20250331"
    "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20250304<TRNAMT>-21.50<FITID>A1<NAME>QUILLFERN GROCERY</STMTTRN>"
    "<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20250305<TRNAMT>1200.00<FITID>A2<NAME>MARLOWE LTD PAYROLL</STMTTRN>"
    "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\r\n"
)
QIF_STATEMENT = (
    "!Type:Bank\nD03/16/2025\nT-9.99\nPTORVELLE PHARMACY\n^\nD03/17/2025\nT-45.00\nPHOLLOWAY GARAGE\n^\n"
)


def _run(tmp_path: Path, data_dir: Path, *argv: str) -> tuple[object, set[str]]:
    report = tmp_path / "loaded.json"
    report.unlink(missing_ok=True)  # an earlier run's report must not pass for this one's
    env = os.environ | {"PYTHONPATH": str(REPO_ROOT), "PRIVFIN_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(report), *argv],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert report.exists(), done.stderr
    result = json.loads(report.read_text(encoding="utf-8"))
    return result["code"], set(result["loaded"])


def test_help_loads_neither_settings_nor_any_heavy_library(tmp_path: Path, isolated_data_dir: Path) -> None:
    code, loaded = _run(tmp_path, isolated_data_dir, "--help")
    assert code == 0
    assert loaded & (HTTP_CLIENT | DASHBOARD_AND_EXPORT | DATAFRAMES | {"pydantic_settings"}) == set()


@pytest.mark.parametrize(
    ("name", "text", "extra", "rows"),
    [
        ("Chase1234_Activity_20250315.CSV", CARD_STATEMENT, [], 4),
        ("export.csv", GENERIC_STATEMENT, ["--currency", "EUR"], 3),
        ("checking.ofx", OFX_STATEMENT, [], 2),
        ("checking.qif", QIF_STATEMENT, ["--currency", "USD"], 2),
    ],
    ids=["issuer-profile", "generic-reader", "ofx", "qif"],
)
def test_import_reads_and_stores_without_dataframes_or_an_http_client(
    tmp_path: Path, isolated_data_dir: Path, name: str, text: str, extra: list[str], rows: int
) -> None:
    statement = tmp_path / name
    statement.write_text(text, encoding="utf-8")
    code, loaded = _run(tmp_path, isolated_data_dir, "import", *extra, str(statement))
    assert code == 0
    assert Store(isolated_data_dir / "privfin.sqlite3").count_transactions() == rows
    assert loaded & (HTTP_CLIENT | DASHBOARD_AND_EXPORT | DATAFRAMES) == set()


def test_offline_categorize_runs_every_local_step_without_dataframes_or_an_http_client(
    tmp_path: Path, isolated_data_dir: Path
) -> None:
    statement = tmp_path / "Chase1234_Activity_20250315.CSV"
    statement.write_text(CARD_STATEMENT, encoding="utf-8")
    assert _run(tmp_path, isolated_data_dir, "import", str(statement))[0] == 0
    store = Store(isolated_data_dir / "privfin.sqlite3")
    # A category the user set by hand, so the run also reads the user's own history.
    bakery = [t.id for t in store.get_transactions() if "BAKEHOUSE" in t.description]
    assert store.set_user_category(bakery, "Dining") == 1

    code, loaded = _run(tmp_path, isolated_data_dir, "categorize", "--offline")
    assert code == 0
    uncategorized = set(store.uncategorized_ids())
    assert len(uncategorized) < store.count_transactions()  # the built-in rules did run
    assert loaded & (HTTP_CLIENT | DASHBOARD_AND_EXPORT | {"pandas"}) == set()
