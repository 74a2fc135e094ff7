"""Import speed, side by side in one run: readers, formats, file sizes, and another checkout.

Generates, in a temp dir, a 100,000-row Chase-credit-card-like statement (realistic
descriptors, categories, legit repeated fares, payments and returns), the same rows under a
header no issuer profile knows (so the generic reader detects the columns), the same
transactions as the card's OFX 1.02 download, and 1,000-row versions of the two CSVs. Then,
each repetition in fresh child processes (so `--baseline` can load another tree's `app/`):

* 100k rows, in one child: `pandas.read_csv` (the yardstick: C parser, no semantics);
  `parse_statement` through the issuer profile and through the generic reader (the columns
  come back as `ParsedStatement.table`); the profile read plus the validated `Transaction`
  objects; the full import (`import_files` into a fresh store) of the CSV and of the OFX;
* 1,000 rows: the whole `privfin import FILE` command, cold (a fresh interpreter and data
  dir, timed from outside: start-up, imports, read, store), for the profile CSV and the
  generic one, beside the 100k import.

Every figure is the median over `--repeat` runs, as wall-clock and as CPU time (the steadier
figure when other jobs share the machine; for the command, the child's user+system time).
`--baseline DIR` runs the same children against another checkout (`PYTHONPATH=DIR`: a git
worktree or `git archive <commit> app | tar -x -C DIR`), interleaved with this tree's run by
run, and adds the ratio this tree / baseline. Run:
`.venv/bin/python -m benchmarks.bench_import [--rows N] [--small-rows N] [--repeat N] [--baseline DIR]`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
GENERIC_HEADER = "Date,Booked,Narrative,Group,Kind,Value,Note"  # the Chase columns, renamed
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
    cpu: float  # seconds the process ran: steadier than wall time on a shared machine


def median_of(timings: Sequence[Timing]) -> Timing:
    return Timing(statistics.median(t.wall for t in timings), statistics.median(t.cpu for t in timings))


# One child per repetition: imports the tree under test (first on PYTHONPATH), runs each 100k
# measurement once and prints {name: [wall, cpu]}.
_LARGE_CHILD = """
import json, sys, time
from pathlib import Path
import pandas as pd
import app.importer, app.ingest, app.store
from app.ingest.currency import CurrencyContext
root, tree = Path(sys.argv[1]), sys.argv[2]
assert app.ingest.__file__.startswith(tree), (app.ingest.__file__, tree)
chase, generic, ofx = root / "Chase1234_Activity.CSV", root / "generic-export.csv", root / "Chase1234.ofx"
rows = int(sys.argv[3])
usd = CurrencyContext(chosen="USD")
stores = iter(range(1000))

def full_import(path):
    store = app.store.Store(root / f"store-{next(stores)}-{time.time_ns()}" / "privfin.sqlite3")
    [result] = app.importer.import_files(store, [(path.name, path.read_bytes())])
    assert result.error is None and result.inserted == rows, (result.error, result.inserted)

steps = {
    "pandas.read_csv": lambda: pd.read_csv(chase),
    "profile read": lambda: app.ingest.parse_statement(chase.read_bytes(), chase.name),
    "generic read": lambda: app.ingest.parse_statement(generic.read_bytes(), generic.name, currency=usd),
    "  + Transaction objects": lambda: app.ingest.parse_statement(chase.read_bytes(), chase.name).transactions,
    "CSV full import": lambda: full_import(chase),
    "OFX full import": lambda: full_import(ofx),
}
times = {}
for name, step in steps.items():
    wall, cpu = time.perf_counter(), time.process_time()
    step()
    times[name] = [time.perf_counter() - wall, time.process_time() - cpu]
parsed = app.ingest.parse_statement(generic.read_bytes(), generic.name, currency=usd)
assert parsed.profile_id is None and len(parsed.table) == rows, (parsed.profile_id, len(parsed.table))
print(json.dumps(times))
"""

# The `privfin` console script: `from app.cli import main; sys.exit(main())`.
CLI_CHILD = "import sys; from app.cli import main; sys.exit(main())"


def child_env(tree: Path, data_dir: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRIVFIN_")}
    env["PYTHONPATH"] = str(tree)
    env["PRIVFIN_HOME_CURRENCY"] = "USD"
    if data_dir is not None:
        env["PRIVFIN_DATA_DIR"] = str(data_dir)
    return env


def run_cli(tree: Path, args: Sequence[str], data_dir: Path, cwd: Path) -> Timing:
    """One cold `privfin ARGS` in a fresh interpreter: wall time seen from outside, and its CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CLI_CHILD, *args],
        env=child_env(tree, data_dir),
        cwd=cwd,  # not the repo: '' on sys.path must not shadow the tree under test
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"privfin {' '.join(args)} failed in {tree}:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu)


def run_large(tree: Path, root: Path, rows: int) -> dict[str, Timing]:
    done = subprocess.run(
        [sys.executable, "-c", _LARGE_CHILD, str(root), str(tree), str(rows)],
        env=child_env(tree),
        cwd=root,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the 100k measurements failed in {tree}:\n{done.stderr}")
    return {name: Timing(*pair) for name, pair in json.loads(done.stdout).items()}


def write_files(root: Path, rows: int, small_rows: int) -> None:
    chase = root / "Chase1234_Activity.CSV"
    generate_statement(chase, rows)
    data = chase.read_bytes()
    (root / "generic-export.csv").write_bytes(data.replace(HEADER.encode(), GENERIC_HEADER.encode(), 1))
    (root / "Chase1234.ofx").write_bytes(ofx_of(data))
    small = root / "small"
    small.mkdir()
    generate_statement(small / "Chase1234_Activity.CSV", small_rows, seed=11)
    small_data = (small / "Chase1234_Activity.CSV").read_bytes()
    (small / "generic-export.csv").write_bytes(
        small_data.replace(HEADER.encode(), GENERIC_HEADER.encode(), 1)
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.0f} ms"


def print_table(
    title: str, now: dict[str, Timing], base: dict[str, Timing] | None, yardstick: str | None
) -> None:
    print(f"\n{title}")
    header = f"{'':26} {'wall':>10} {'cpu':>10}"
    if yardstick:
        header += f" {'cpu / ' + yardstick:>22}"
    if base:
        header += f" {'baseline wall':>14} {'cpu':>10} {'now/base wall':>14} {'cpu':>6}"
    print(header)
    for name, timing in now.items():
        line = f"{name:26} {_ms(timing.wall):>10} {_ms(timing.cpu):>10}"
        if yardstick:
            line += f" {timing.cpu / now[yardstick].cpu:21.1f}x"
        if base:
            old = base[name]
            line += (
                f" {_ms(old.wall):>14} {_ms(old.cpu):>10}"
                f" {timing.wall / old.wall:13.2f}x {timing.cpu / old.cpu:5.2f}x"
            )
        print(line)


def add_baseline_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--baseline", type=Path, help="another checkout to measure side by side")


def trees_to_measure(parser: argparse.ArgumentParser, baseline: Path | None) -> dict[str, Path]:
    """{"now": this checkout} plus {"baseline": DIR} when given; a DIR with no privfin CLI is refused."""
    trees = {"now": REPO_ROOT}
    if baseline is None:
        return trees
    tree = baseline.resolve()
    if not ((tree / "app" / "cli.py").is_file() or (tree / "app" / "cli" / "__init__.py").is_file()):
        parser.error(f"{baseline} has no app/cli.py or app/cli/")
    return trees | {"baseline": tree}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--small-rows", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (the median is shown)")
    add_baseline_option(parser)
    args = parser.parse_args(argv)
    trees = trees_to_measure(parser, args.baseline)

    with tempfile.TemporaryDirectory(prefix="privfin-bench-") as tmp:
        root = Path(tmp)
        write_files(root, args.rows, args.small_rows)
        size = (root / "Chase1234_Activity.CSV").stat().st_size
        ofx_size = (root / "Chase1234.ofx").stat().st_size
        print(
            f"statement: {args.rows:,} rows, {size / 1_048_576:.1f} MB CSV, {ofx_size / 1_048_576:.1f} MB OFX; "
            f"small files {args.small_rows:,} rows; median of {args.repeat}; trees: "
            + ", ".join(f"{k} = {v}" for k, v in trees.items())
        )
        large: dict[str, list[dict[str, Timing]]] = {k: [] for k in trees}
        small: dict[str, dict[str, list[Timing]]] = {k: {} for k in trees}
        runs = 0
        for _ in range(args.repeat):
            for label, tree in trees.items():  # interleaved: both trees see the same load
                large[label].append(run_large(tree, root, args.rows))
                for name, file in (
                    ("profile CSV", "Chase1234_Activity.CSV"),
                    ("generic CSV", "generic-export.csv"),
                ):
                    runs += 1
                    timing = run_cli(tree, ["import", str(root / "small" / file)], root / f"cli-{runs}", root)
                    small[label].setdefault(f"privfin import, {name}", []).append(timing)

        medians = {
            label: {name: median_of([run[name] for run in runs_]) for name in runs_[0]}
            for label, runs_ in large.items()
        }
        small_medians = {label: {n: median_of(t) for n, t in by.items()} for label, by in small.items()}
        base = medians.get("baseline")
        print_table(f"{args.rows:,} rows, in-process", medians["now"], base, "pandas.read_csv")
        print_table(
            f"{args.small_rows:,} rows, the whole command, cold (a fresh interpreter each run)",
            small_medians["now"],
            small_medians.get("baseline"),
            None,
        )

        now, tiny = medians["now"], small_medians["now"]
        print("\nratios (this tree):")
        for label, timings in (("now", now), *((("baseline", base),) if base else ())):
            print(
                f"  {label:8} generic read / profile read: {timings['generic read'].wall / timings['profile read'].wall:.2f}x wall, "
                f"{timings['generic read'].cpu / timings['profile read'].cpu:.2f}x cpu;  "
                f"OFX / CSV full import: {timings['OFX full import'].wall / timings['CSV full import'].wall:.2f}x wall, "
                f"{timings['OFX full import'].cpu / timings['CSV full import'].cpu:.2f}x cpu"
            )
        cli = tiny["privfin import, profile CSV"]
        full = now["CSV full import"]
        print(
            f"  {args.small_rows:,}-row privfin import: {cli.wall:.3f} s wall, {cli.cpu:.3f} s cpu "
            f"(target < 0.4 s in total) beside the {args.rows:,}-row import's {full.wall:.3f} s wall, "
            f"{full.cpu:.3f} s cpu: {full.cpu / cli.cpu:.1f}x the cpu for {args.rows / args.small_rows:.0f}x the rows"
        )
        print(f"load average after measuring: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
