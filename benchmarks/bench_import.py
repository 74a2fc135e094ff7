"""Import speed: privfin's full CSV import against `pandas.read_csv` of the same file.

Generates a 100,000-row Chase-credit-card-like statement (realistic descriptors,
categories, legit repeated fares, payments and returns) in a temp dir, then times in
one run:

* `pandas.read_csv` of the file (the baseline: C parser, no semantics);
* privfin's full import: detection, parsing, ids and the store write into a fresh
  temp store via `app.importer.import_files`;
* and, to show where the time goes, `parse_statement` alone (which yields the
  transactions column by column, `ParsedStatement.table`) and `parse_statement` plus
  building the validated `Transaction` objects (`ParsedStatement.transactions`, built
  on first use: the import itself never needs them, a preview or the CLI's JSON does).

* the same transactions as an OFX 1.02 (SGML) card statement, through the same full
  import (the OFX reader: app.ingest.ofx_markup, FITID ids), beside the CSV import.

Each measurement is the best of a few repetitions, as wall-clock and as process CPU
time (the steadier figure when other jobs share the machine). Run:
`.venv/bin/python -m benchmarks.bench_import [--rows N] [--repeat N]`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from app.importer import import_files
from app.ingest import parse_statement
from app.store import Store

HEADER = "Transaction Date,Post Date,Description,Category,Type,Amount,Memo"
MERCHANTS: tuple[tuple[str, str, float, float], ...] = (
    # descriptor template, category, low, high
    ("MTA*NYCT PAYGO", "Travel", 2.90, 2.90),
    ("SQ *BLUE BOTTLE COFFEE", "Food & Drink", 4.50, 14.00),
    ("TST* JOES PIZZA - {city}", "Food & Drink", 8.00, 45.00),
    ("AMZN Mktp US*{ref}", "Shopping", 5.00, 240.00),
    ("WHOLEFDS {store3} {city} NY", "Groceries", 12.00, 180.00),
    ("TRADER JOE S #{store3} {city} NY", "Groceries", 9.00, 120.00),
    ("UBER   *TRIP HELP.UBER.COM CA", "Travel", 7.00, 65.00),
    ("LYFT   *RIDE {weekday} {hour}PM", "Travel", 6.00, 55.00),
    ("NETFLIX.COM", "Entertainment", 15.49, 15.49),
    ("SPOTIFY USA", "Entertainment", 11.99, 11.99),
    ("SHELL OIL {ref}", "Gas", 20.00, 75.00),
    ("CVS/PHARMACY #{store4}", "Health & Wellness", 3.00, 60.00),
    ("PAYPAL *{merchant}", "Shopping", 5.00, 150.00),
    ("APL*APPLE.COM/BILL", "Shopping", 0.99, 19.99),
    ("DD *DOORDASH {merchant}", "Food & Drink", 15.00, 70.00),
    ("CON ED OF NY", "Bills & Utilities", 60.00, 210.00),
)
CITIES = ("BROOKLYN", "NEW YORK", "JERSEY CITY", "HOBOKEN", "QUEENS", "ASTORIA")
SMALL_MERCHANTS = ("ETSY", "EBAY", "STEAM", "NINTENDO", "GRUBHUB", "PATREON", "KICKSTARTER")
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def _descriptor(template: str, rng: random.Random) -> str:
    return template.format(
        city=rng.choice(CITIES),
        ref=f"{rng.randrange(36**9):09X}"[:9],
        store3=f"{rng.randrange(1000):03d}",
        store4=f"{rng.randrange(10000):04d}",
        merchant=rng.choice(SMALL_MERCHANTS),
        weekday=rng.choice(WEEKDAYS),
        hour=rng.randrange(1, 12),
    )


def generate_statement(path: Path, rows: int, seed: int = 7) -> None:
    """Newest first, like Chase: ~130 rows a day, payments monthly, a few returns and fees."""
    rng = random.Random(seed)
    day = dt.date(2024, 12, 31)
    lines = [HEADER]
    per_day = 130
    for index in range(rows):
        if index and index % per_day == 0:
            day -= dt.timedelta(days=1)
        posted = day + dt.timedelta(days=rng.choice((0, 1, 1, 2)))
        roll = rng.random()
        if roll < 0.004:
            description, category, kind, amount = (
                "AUTOMATIC PAYMENT - THANK",
                "",
                "Payment",
                rng.uniform(300, 3000),
            )
        elif roll < 0.02:
            template, category, low, high = rng.choice(MERCHANTS)
            description, kind, amount = _descriptor(template, rng), "Return", rng.uniform(low, high)
        elif roll < 0.022:
            description, category, kind, amount = "LATE FEE", "Fees & Adjustments", "Fee", -29.0
        else:
            template, category, low, high = rng.choice(MERCHANTS)
            description, kind, amount = _descriptor(template, rng), "Sale", -rng.uniform(low, high)
        description = f'"{description}"' if "," in description else description
        lines.append(f"{day:%m/%d/%Y},{posted:%m/%d/%Y},{description},{category},{kind},{amount:.2f},")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())


def ofx_of(csv_data: bytes) -> bytes:
    """The statement's rows as the OFX download of the same card (DTUSER, DTPOSTED, FITID)."""
    rows = csv.DictReader(io.StringIO(csv_data.decode()))
    transactions = []
    for index, row in enumerate(rows):
        used = dt.datetime.strptime(row["Transaction Date"], "%m/%d/%Y")
        posted = dt.datetime.strptime(row["Post Date"], "%m/%d/%Y")
        text = row["Description"].replace("&", "&amp;")
        transactions.append(
            f"<STMTTRN><TRNTYPE>{'CREDIT' if float(row['Amount']) > 0 else 'DEBIT'}"
            f"<DTPOSTED>{posted:%Y%m%d}120000[-5:EST]<DTUSER>{used:%Y%m%d}<TRNAMT>{row['Amount']}"
            f"<FITID>{index:09d}<NAME>{text[:32]}<MEMO>{text}</STMTTRN>"
        )
    return (
        "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\n"
        "CHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n"
        "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20250101"
        "<LANGUAGE>ENG<FI><ORG>CHASE</FI></SONRS></SIGNONMSGSRSV1><CREDITCARDMSGSRSV1><CCSTMTTRNRS>"
        "<TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><CCSTMTRS><CURDEF>USD"
        "<CCACCTFROM><ACCTID>4111111111111234</CCACCTFROM><BANKTRANLIST><DTSTART>20230101<DTEND>20241231\r\n"
        + "\r\n".join(transactions)
        + "\r\n</BANKTRANLIST></CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>\r\n"
    ).encode()


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds on the clock
    cpu: float  # seconds this process ran: steadier than wall time on a shared machine


def best_of(repeat: int, run: Callable[[], object]) -> Timing:
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return Timing(min(walls), min(cpus))


def _row(label: str, timing: Timing, baseline: Timing) -> str:
    return (
        f"{label:26} wall {timing.wall * 1000:7.0f} ms ({timing.wall / baseline.wall:6.1f}x)   "
        f"cpu {timing.cpu * 1000:7.0f} ms ({timing.cpu / baseline.cpu:6.1f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="privfin-bench-") as tmp:
        root = Path(tmp)
        path = root / "Chase1234_Activity20230101_20241231_20250101.CSV"
        generate_statement(path, args.rows)
        data = path.read_bytes()
        print(f"statement: {args.rows:,} rows, {len(data) / 1_048_576:.1f} MB")

        pandas_s = best_of(args.repeat, lambda: pd.read_csv(path))
        parse_s = best_of(args.repeat, lambda: parse_statement(path.read_bytes(), path.name))
        objects_s = best_of(args.repeat, lambda: parse_statement(path.read_bytes(), path.name).transactions)

        stores = iter(range(args.repeat))
        imported: list[int] = []

        def full_import() -> None:
            store = Store(root / f"store-{next(stores)}" / "privfin.sqlite3")
            result = import_files(store, [(path.name, path.read_bytes())])[0]
            assert result.error is None, result.error
            imported.append(result.inserted)

        import_s = best_of(args.repeat, full_import)
        assert imported and all(n == args.rows for n in imported), imported

        ofx_data = ofx_of(data)
        ofx_stores = iter(range(args.repeat))

        def ofx_import() -> None:
            store = Store(root / f"ofx-store-{next(ofx_stores)}" / "privfin.sqlite3")
            result = import_files(store, [("Chase1234.ofx", ofx_data)])[0]
            assert result.error is None and result.inserted == args.rows, (result.error, result.inserted)

        ofx_s = best_of(args.repeat, ofx_import)

        print(_row("pandas.read_csv", pandas_s, pandas_s))
        print(_row("privfin parse_statement", parse_s, pandas_s))
        print(_row("  + Transaction objects", objects_s, pandas_s))
        print(_row("privfin full import", import_s, pandas_s))
        print(_row("privfin OFX import", ofx_s, pandas_s) + f"   ({len(ofx_data) / 1_048_576:.1f} MB)")
        print(
            f"ratio OFX import / CSV import of the same transactions: {ofx_s.wall / import_s.wall:.1f}x wall, "
            f"{ofx_s.cpu / import_s.cpu:.1f}x cpu"
        )
        print(
            f"ratio full import / pandas.read_csv: {import_s.wall / pandas_s.wall:.1f}x wall, "
            f"{import_s.cpu / pandas_s.cpu:.1f}x cpu (target: within 3x)"
        )
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
