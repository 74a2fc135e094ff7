"""Start-up: `privfin --help` and `privfin categorize --offline` on a 5,000-row ledger, cold.

Each run is a fresh interpreter started the way the `privfin` console script starts
(`from app.cli import main`), timed from outside, so a figure is everything a user waits
for: the interpreter, the imports, reading settings, the work itself. Beside them, the
floor every command pays: `python -c pass`.

For `categorize --offline` a ledger of `--rows` (default 5,000) card rows is imported once
per tree with that tree's own `privfin import` (a generated long tail: a few dozen chains
the built-in rules know, ~1,500 invented local merchants, store numbers, cities, processor
prefixes), and each run categorizes a fresh copy of it, so every run does the whole first
categorization (merchant keys, the user's history, built-in rules, the name check).

Medians over `--repeat` runs, wall and CPU (user+system of the child). `--baseline DIR`
runs the same against another checkout (PYTHONPATH=DIR), interleaved run by run, and
prints the ratios this tree / baseline. Nothing is asserted. Run:
`.venv/bin/python -m benchmarks.bench_startup [--rows N] [--repeat N] [--baseline DIR]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.bench_import import (
    Timing,
    add_baseline_option,
    child_env,
    median_of,
    run_cli,
    trees_to_measure,
)

CHAINS = (
    ("STARBUCKS STORE {store}", 4, 12),
    ("SHELL OIL {store}", 25, 70),
    ("NETFLIX.COM", 15.49, 15.49),
    ("SPOTIFY USA", 11.99, 11.99),
    ("UBER   *TRIP HELP.UBER.COM CA", 7, 45),
    ("AMZN Mktp US*{ref}", 5, 180),
    ("WHOLEFDS {store} {city}", 15, 160),
    ("TRADER JOE S #{store} {city}", 10, 120),
    ("CVS/PHARMACY #{store}", 3, 60),
    ("COSTCO WHSE #{store} {city}", 40, 300),
    ("TARGET        {store}", 8, 150),
    ("CHEVRON {store}", 25, 70),
    ("MCDONALD'S F{store}", 5, 18),
    ("CHIPOTLE {store}", 9, 25),
    ("APPLE.COM/BILL", 0.99, 19.99),
    ("COMCAST CABLE COMM", 60, 140),
)
FIRST = ("QUIL", "VARN", "BRIX", "TOLV", "KEND", "MARRO", "PELT", "SNOV", "FRUM", "GLAV", "HOBB", "ZEPP")
SECOND = ("ONDA", "IKKO", "WELL", "STRAD", "UMBER", "OXLE", "ERVIN", "ASTE", "ORLY", "UNNA")
KINDS = ("DELI", "BAKERY", "CAFE", "HARDWARE", "BOOKS", "TAILOR", "FLORIST", "PIZZA", "", "", "")
CITIES = ("AUSTIN TX", "SEATTLE WA", "BROOKLYN NY", "OAKLAND CA", "DENVER CO", "BOSTON MA")
PREFIXES = ("", "", "", "SQ *", "TST* ", "PAYPAL *", "POS DEBIT ")


def write_ledger_csv(path: Path, rows: int, seed: int = 5) -> None:
    """Date,Description,Amount rows: chains at the head of a Zipf-like tail of local merchants."""
    rng = random.Random(seed)
    local = sorted(
        {
            f"{rng.choice(FIRST)}{rng.choice(SECOND)} {rng.choice(SECOND)}{rng.choice(FIRST)} {rng.choice(KINDS)}".strip()
            for _ in range(rows // 2)
        }
    )
    rng.shuffle(local)
    pool: list[tuple[str, float, float]] = [*CHAINS, *((name, 4.0, 90.0) for name in local)]
    weights = [1.0 / rank**1.05 for rank in range(1, len(pool) + 1)]
    start = dt.date(2025, 1, 1)
    lines = ["Date,Description,Amount"]
    for template, low, high in rng.choices(pool, weights=weights, k=rows):
        text = template.format(
            store=f"{rng.randrange(10000):04d}",
            city=rng.choice(CITIES),
            ref=f"{rng.randrange(36**9):09X}"[:9],
        )
        if template in local:
            text = f"{rng.choice(PREFIXES)}{text} {rng.choice(CITIES)}"
        amount = -rng.uniform(low, high) if rng.random() > 0.02 else rng.uniform(low, high)
        day = start + dt.timedelta(days=rng.randrange(365))
        lines.append(f'{day:%Y-%m-%d},"{text}",{amount:.2f}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_python_floor(tree: Path, cwd: Path) -> Timing:
    """`python -c pass` timed the same way: the interpreter and site start-up every command pays."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], env=child_env(tree), cwd=cwd, check=True, timeout=60)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Timing(wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:6.0f} ms"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=5_000, help="stored rows for categorize --offline")
    parser.add_argument("--repeat", type=int, default=7, help="runs per figure (the median is shown)")
    add_baseline_option(parser)
    args = parser.parse_args(argv)
    trees = trees_to_measure(parser, args.baseline)
    targets = {"privfin --help": 0.3, "privfin categorize --offline": 1.0}

    with tempfile.TemporaryDirectory(prefix="privfin-bench-startup-") as tmp:
        root = Path(tmp)
        ledger = root / "ledger.csv"
        write_ledger_csv(ledger, args.rows)
        templates = {}
        for label, tree in trees.items():
            templates[label] = root / f"template-{label}"
            run_cli(tree, ["import", "--currency", "USD", str(ledger)], templates[label], root)
        runs: dict[str, dict[str, list[Timing]]] = {label: {} for label in trees}
        for n in range(args.repeat):
            for label, tree in trees.items():  # interleaved: both trees see the same load
                figures = runs[label]
                figures.setdefault("python -c pass", []).append(run_python_floor(tree, root))
                figures.setdefault("privfin --help", []).append(
                    run_cli(tree, ["--help"], root / "unused", root)
                )
                data_dir = root / f"run-{label}-{n}"
                shutil.copytree(templates[label], data_dir)
                figures.setdefault("privfin categorize --offline", []).append(
                    run_cli(tree, ["categorize", "--offline"], data_dir, root)
                )
                shutil.rmtree(data_dir)

        medians = {label: {name: median_of(t) for name, t in by.items()} for label, by in runs.items()}
        print(
            f"cold start-up, median of {args.repeat}; categorize on {args.rows:,} stored rows; trees: "
            + ", ".join(f"{k} = {v}" for k, v in trees.items())
        )
        header = f"{'':30} {'wall':>9} {'cpu':>9} {'target':>8}"
        if args.baseline:
            header += f" {'baseline wall':>14} {'cpu':>9} {'now/base wall':>14} {'cpu':>6}"
        print(header)
        for name, timing in medians["now"].items():
            target = f"< {targets[name]:g} s" if name in targets else ""
            line = f"{name:30} {_ms(timing.wall):>9} {_ms(timing.cpu):>9} {target:>8}"
            if args.baseline:
                old = medians["baseline"][name]
                line += (
                    f" {_ms(old.wall):>14} {_ms(old.cpu):>9}"
                    f" {timing.wall / old.wall:13.2f}x {timing.cpu / old.cpu:5.2f}x"
                )
            print(line)
        print(f"load average after measuring: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
