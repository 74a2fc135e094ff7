"""Recurring-payment detection with 1,000 vs 100,000 transactions, side by side in one run.

    .venv/bin/python -m benchmarks.bench_recurring [--small 1000] [--large 100000] [--repeats 5]

Each store holds the dashboard benchmark's synthetic card and checking activity
(`benchmarks.bench_dashboard.build_store`: varying merchants, categories, transfers) plus
up to `MAX_PLANS` real monthly series over the whole period, some with a price rise, so the
detector has both kinds of merchant to sort. Timed, as medians of `--repeats` runs:

- **read**: `app.recurring_ledger.store_charges` (the store's rows, merchant keys, transfers out);
- **detect**: `app.recurring.detect` on those charges (the pure detector);
- **report**: `recurring_report`, everything the Recurring page and `privfin recurring` do.

The result is the large/small ratio from this one run; the issue's target is detection on
100,000 rows under 1 s. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

from app.ids import identity_key, occurrence_ids
from app.models import RowSource, Transaction
from app.recurring import detect
from app.recurring_ledger import recurring_report, store_charges
from app.store import ImportRecord, Store
from benchmarks.bench_dashboard import PERIOD_DAYS, PERIOD_END, build_store

MAX_PLANS = 40
ROWS_PER_PLAN = 200  # one plan per this many transactions: 5 at 1,000, 40 at 100,000


def subscription_rows(plans: int, seed: int) -> list[Transaction]:
    """`plans` monthly plans over the benchmark's period; every fourth one rises in price."""
    first = PERIOD_END - dt.timedelta(days=PERIOD_DAYS)
    rows: list[tuple[str, dt.date, Decimal, str]] = []
    for plan in range(plans):
        price = Decimal(5 + plan) + Decimal("0.99")
        months = (PERIOD_END.year - first.year) * 12 + PERIOD_END.month - first.month
        for n in range(months):
            index = first.month - 1 + n
            day = dt.date(first.year + index // 12, index % 12 + 1, 1 + plan % 28)
            amount = price + (2 if plan % 4 == 0 and n >= months // 2 else 0)
            rows.append(("Chase Freedom", day, -amount, f"STREAMPLAN {plan:02d} MEMBERSHIP"))
    keys = [identity_key(account, day, amount, "USD", text) for account, day, amount, text in rows]
    sha = f"{seed + 99:064x}"
    return [
        Transaction(
            id=tid,
            account=account,
            date=day,
            description=text,
            amount=amount,
            currency="USD",
            source=RowSource(file_sha256=sha, row=number),
        )
        for number, (tid, (account, day, amount, text)) in enumerate(
            zip(occurrence_ids(keys), rows, strict=True), 1
        )
    ]


def build(data_dir: Path, count: int, seed: int) -> Store:
    extra = subscription_rows(min(MAX_PLANS, max(1, count // ROWS_PER_PLAN)), seed)
    store = build_store(data_dir, count - len(extra), seed)
    store.commit_import(
        ImportRecord(extra[0].source.file_sha256, "subscriptions.csv", None, None, len(extra)), extra
    )
    recurring_report(store)  # keys the added rows, as the first page view would
    return store


def median_ms(action: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `action` (CPU time is less disturbed by other
    processes on a shared machine; both are reported)."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)

    sizes = (args.small, args.large)
    results: dict[tuple[str, int], tuple[float, float]] = {}
    found: dict[int, int] = {}
    with tempfile.TemporaryDirectory(prefix="privfin-bench-recurring-") as tmp:
        for size in sizes:
            store = build(Path(tmp) / f"store-{size}", size, args.seed)
            charges, ends = store_charges(store)
            found[size] = len(detect(charges, ends=ends))
            results["read", size] = median_ms(lambda s=store: store_charges(s), args.repeats)
            results["detect", size] = median_ms(lambda c=charges, e=ends: detect(c, ends=e), args.repeats)
            results["report", size] = median_ms(lambda s=store: recurring_report(s), args.repeats)
            store.close()

    small, large = sizes
    print(
        f"median of {args.repeats} runs; series found: {found[small]} ({small:,} tx), {found[large]} ({large:,} tx)"
    )
    header = f"{'phase':<8} {f'{small:,} tx wall/cpu (ms)':>24} {f'{large:,} tx wall/cpu (ms)':>26} {'ratio wall/cpu':>15}"
    print(header)
    print("-" * len(header))
    for phase in ("read", "detect", "report"):
        (low_wall, low_cpu), (high_wall, high_cpu) = results[phase, small], results[phase, large]
        print(
            f"{phase:<8} {f'{low_wall:.1f} / {low_cpu:.1f}':>24} {f'{high_wall:.1f} / {high_cpu:.1f}':>26} "
            f"{f'{high_wall / low_wall:.0f}x / {high_cpu / low_cpu:.0f}x':>15}"
        )
    one, five, _ = os.getloadavg()
    print(f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
