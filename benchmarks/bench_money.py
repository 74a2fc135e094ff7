"""Money from file to page: a 100k-row CSV import, the store read into a frame, the Insights
figures and the CSV export.

Run from the repository root:

    .venv/bin/python -m benchmarks.bench_money                        # this tree only
    .venv/bin/python -m benchmarks.bench_money --compare /work/main   # side by side with another tree

Each tree is measured in its own child process (PYTHONPATH set to that tree), the trees taking
turns `--repeat` times, so both see the same machine load; the best CPU time of each step is
reported, with the ratio this tree / the other. Only public APIs both trees have are used
(`Store.commit_import`, `Store.transactions_frame`, `insights.*`, `reports.transactions_csv`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_import import generate_statement

STEPS = ("csv import", "store read", "insights", "csv export")

CHILD = r"""
import datetime as dt, json, random, sys, tempfile, time
from decimal import Decimal
from pathlib import Path

from app import insights, reports
from app.importer import import_files
from app.models import RowSource, Transaction
from app.store import ImportRecord, Store

rows, statement = int(sys.argv[1]), Path(sys.argv[2])
rng = random.Random(7)
merchants = ["SQ *BLUE BOTTLE", "AMZN Mktp US", "WHOLEFDS MKT", "MTA*NYCT PAYGO", "SHELL OIL", "NETFLIX.COM"]
codes = ["USD"] * 18 + ["EUR", "JPY"]
transactions = []
for n in range(rows):
    code = codes[n % len(codes)]
    cents = rng.randint(-25_000, 4_000)
    amount = Decimal(cents) if code == "JPY" else Decimal(cents).scaleb(-2)
    transactions.append(
        Transaction(
            id=f"t{n:07d}",
            account="Card",
            date=dt.date(2023, 1, 1) + dt.timedelta(days=n % 700),
            description=f"{merchants[n % len(merchants)]} {n % 97}",
            amount=amount,
            currency=code,
            source=RowSource(file_sha256="b" * 64, row=n + 1),
        )
    )
with tempfile.TemporaryDirectory() as directory:
    store = Store(Path(directory) / "privfin.sqlite3")
    times = {}
    start = time.process_time()
    [result] = import_files(Store(Path(directory) / "imported.sqlite3"), [(statement.name, statement.read_bytes())])
    times["csv import"] = time.process_time() - start
    assert result.error is None and result.inserted == rows, (result.error, result.inserted)
    store.commit_import(ImportRecord("b" * 64, "bench.csv", "bench", "Card", rows), transactions)
    start = time.process_time()
    frame = store.transactions_frame()
    times["store read"] = time.process_time() - start
    start = time.process_time()
    head = insights.headline(frame, frame)
    insights.category_totals(frame)
    insights.monthly_spend_by_category(frame)
    insights.top_merchants(frame)
    insights.income_vs_spending(frame)
    insights.cumulative_spend(frame, frame)
    times["insights"] = time.process_time() - start
    start = time.process_time()
    reports.transactions_csv(frame)
    times["csv export"] = time.process_time() - start
    times["spending"] = str(head.spending)
print(json.dumps(times))
"""


def measure(tree: Path, rows: int, statement: Path) -> dict[str, float | str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(rows), str(statement)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
        timeout=900,
        check=True,
    )
    result: dict[str, float | str] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", type=Path, help="another checkout to measure side by side")
    args = parser.parse_args()
    here = Path(__file__).resolve().parent.parent
    trees = {"this tree": here} | ({"other": args.compare.resolve()} if args.compare else {})
    best: dict[str, dict[str, float]] = {name: {} for name in trees}
    totals: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="privfin-bench-") as directory:
        statement = Path(directory) / "Chase1234_Activity20230101_20241231_20250101.CSV"
        generate_statement(statement, args.rows)  # the card export bench_import uses
        for _ in range(args.repeat):
            for name, tree in trees.items():  # taking turns: both see the same load
                result = measure(tree, args.rows, statement)
                totals[name] = str(result["spending"])
                for step in STEPS:
                    seconds = float(result[step])
                    best[name][step] = min(best[name].get(step, seconds), seconds)
    print(f"{args.rows:,} rows, best CPU time of {args.repeat}; load average {os.getloadavg()[0]:.1f}")
    for step in STEPS:
        line = f"  {step:<12}" + "".join(f"  {name}: {best[name][step] * 1000:8.0f} ms" for name in trees)
        if args.compare:
            line += f"   ratio {best['this tree'][step] / best['other'][step]:.2f}x"
        print(line)
    print("  headline spending: " + ", ".join(f"{name} {total}" for name, total in totals.items()))


if __name__ == "__main__":
    main()
