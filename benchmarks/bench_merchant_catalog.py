"""Merchant keys and built-in rules: start-up cost and per-row cost, side by side with another checkout.

    .venv/bin/python -m benchmarks.bench_merchant_catalog [--rows 5000] [--against /path/to/checkout]
                                                          [--repeat 5]

Each measurement runs in a fresh interpreter (so nothing is warm) with `PYTHONPATH` set
to the checkout being measured, alternating between this checkout and `--against` (e.g.
the main checkout before a change) so that both see the same machine load:

- `import`: importing `app.categorize.builtin_rules` (what `privfin categorize` pays before
  its first row), and `-X importtime`'s own figure for that module, cumulative;
- `build matchers`: compiling the catalog's matchers, when they are built on first use
  (0 for a checkout that compiles them at import);
- `rows`: keying and categorizing `--rows` generated rows (a year of card activity from
  `bench_categorize`'s generator plus bank-generated lines: direct debits, ACH, SEPA),
  each description once;
- `total`: all three, what one offline run spends on merchant knowledge.

Figures are CPU seconds of the measuring process (the machine is shared and its wall time
noisy), except `-X importtime`, which is wall time. Best of `--repeat` for each figure; the
ratio is this checkout over `--against`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_categorize import generate_year

BANK_LINES = (
    "Direct Debit 112233 QUILLBANK HEALTH 44556677",
    "Direct Debit 220311 ORBITEL MOBILE 99812",
    "Direct Debit 118822 VOLTAGRID ENERGY REF 55123",
    "HARBORLINE UTIL DES:UTIL PYMT ID:XXXXX88123 INDN:RIVERA,JORDAN CO ID:XXXXX11223 PPD",
    "SEPA-Lastschrift FENNWICK VERSICHERUNG AG MREF: ZX-1122 EREF: 8833",
    "POS Debit - Visa Check Card 4412 - LANTERN ROW GROCER AUSTIN TX",
    "PURCHASE AUTHORIZED ON 01/02 BRIGHTWATER DELI SEATTLE WA S384000111222 CARD 4412",
    "H-E-B #123      AUSTIN      TX",
    "CHECK 1052",
)

WORKER = r"""
import json, sys, time
t0 = time.process_time()
from app.categorize.builtin_rules import builtin_category
from app.categorize.merchant import merchant_key
t1 = time.process_time()
try:  # a lazy catalog compiles on first use: build it here, so the rows below are rows only
    from app.categorize import catalog
except ImportError:  # an older checkout compiled everything at import
    catalog = None
if catalog is not None:
    for build in (catalog.brand_matcher, catalog.issuer_rules, catalog.merchant_index, catalog.fallback_rules):
        build()
t2 = time.process_time()
rows = json.load(open(sys.argv[1]))
for description, direction in rows:
    builtin_category(description, merchant_key(description), direction)
t3 = time.process_time()
print(json.dumps({"import": t1 - t0, "build matchers": t2 - t1, "rows": t3 - t2, "total": t3 - t0}))
"""

_IMPORTTIME = re.compile(r"import time:\s+\d+ \|\s+(\d+) \|\s+app\.categorize\.builtin_rules$", re.M)


def _rows(count: int) -> list[tuple[str, str]]:
    transactions = generate_year(max(count - len(BANK_LINES), 200), seed=7)
    rows = [(t.description, t.direction) for t in transactions]
    rows += [(line, "out") for line in BANK_LINES]
    return rows[:count] if len(rows) > count else rows


def _run(checkout: Path, rows_file: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(rows_file)],
        env=env,
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    figures: dict[str, float] = json.loads(done.stdout)
    timed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import app.categorize.builtin_rules"],
        env=env,
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    found = _IMPORTTIME.search(timed.stderr)
    figures["-X importtime"] = int(found.group(1)) / 1e6 if found else float("nan")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another checkout to measure side by side")
    args = parser.parse_args(argv)
    here = Path(__file__).resolve().parent.parent
    checkouts = {"this": here} | ({"against": args.against.resolve()} if args.against else {})
    with tempfile.TemporaryDirectory() as tmp:
        rows_file = Path(tmp) / "rows.json"
        rows = _rows(args.rows)
        rows_file.write_text(json.dumps(rows))
        best: dict[str, dict[str, float]] = {name: {} for name in checkouts}
        for _ in range(args.repeat):
            for name, checkout in checkouts.items():
                for figure, seconds in _run(checkout, rows_file).items():
                    best[name][figure] = min(best[name].get(figure, seconds), seconds)
    print(f"{len(rows)} rows ({len({d for d, _ in rows})} distinct descriptions), best of {args.repeat}")
    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    header = f"{'figure':<16}" + "".join(f"{name:>12}" for name in checkouts)
    print(header + ("       ratio" if args.against else ""))
    for figure in ("-X importtime", "import", "build matchers", "rows", "total"):
        values = [best[name][figure] for name in checkouts]
        line = f"{figure:<16}" + "".join(f"{v * 1000:>10.1f}ms" for v in values)
        if args.against:
            line += f"{values[0] / values[1]:>12.2f}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
