"""Dashboard render time: Insights, Review and Recurring with 1,000 vs 100,000 transactions.

    .venv/bin/python -m benchmarks.bench_dashboard [--small 1000] [--large 100000] [--repeats 5] [--page Recurring]

Builds two temporary stores of synthetic card and checking activity (imported with
`Store.commit_import`, merchant keys from the real pipeline, categories written with
`Store.apply_category_updates`: mostly confident model answers, some low-confidence ones
and a few uncategorized, so Review has a queue), then renders each page with Streamlit's
AppTest (`app/main.py` + `switch_page`, `PRIVFIN_DATA_DIR` pointing at the store):

- **cold**: Streamlit's caches cleared first, as on a fresh server or after a write;
- **warm**: a rerun of the same page right after (what every click on the page costs).

Each figure is the median of `--repeats` runs; the result is the large/small ratio from
this one run (absolute milliseconds depend on the machine). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from app.categorize.stored_keys import fill_merchant_keys
from app.categorize.taxonomy import INCOME, TRANSFERS
from app.ids import identity_key, occurrence_ids
from app.models import CategorySource, RowSource, Transaction
from app.settings import Settings
from app.store import CategoryUpdate, ImportRecord, Store
from app.transfer_ledger import refresh_transfers
from app.transfers import Leg, match_transfers

REPO_ROOT = Path(__file__).resolve().parent.parent
MAIN_SCRIPT = REPO_ROOT / "app" / "main.py"
# switch_page paths are relative to the main script's folder.
PAGES = {
    "Insights": "../components/app_pages/insights.py",
    "Review": "../components/app_pages/review.py",
    "Recurring": "../components/app_pages/recurring.py",
}
APPTEST_TIMEOUT_S = 600.0
PERIOD_END = dt.date(2026, 8, 31)
PERIOD_DAYS = 3 * 365
MODEL_NAME = "bench-model"

# (descriptor, category, lowest, highest amount); negative amounts are money out.
MERCHANTS: tuple[tuple[str, str, float, float], ...] = (
    ("STARBUCKS STORE {n:05d}", "Dining", -12, -4),
    ("AMZN Mktp US*{ref}", "Shopping", -120, -8),
    ("UBER   *TRIP {ref}", "Transport", -45, -9),
    ("WHOLEFDS MKT {n:05d}", "Groceries", -160, -20),
    ("TRADER JOE S #{n:03d}", "Groceries", -110, -15),
    ("SHELL OIL {n:08d}", "Transport", -75, -30),
    ("NETFLIX.COM", "Subscriptions", -15.49, -15.49),
    ("SPOTIFY USA", "Subscriptions", -11.99, -11.99),
    ("CHIPOTLE {n:04d}", "Dining", -28, -10),
    ("TARGET        {n:08d}", "Shopping", -140, -12),
    ("COSTCO WHSE #{n:04d}", "Groceries", -320, -60),
    ("DOORDASH*{ref}", "Dining", -60, -18),
    ("CVS/PHARMACY #{n:05d}", "Health", -60, -5),
    ("HOME DEPOT #{n:04d}", "Housing", -260, -15),
    ("APPLE.COM/BILL", "Subscriptions", -14.99, -0.99),
    ("PLANET FITNESS", "Personal Care", -24.99, -24.99),
    ("GEICO *AUTO", "Insurance", -140, -140),
    ("COMCAST CABLE", "Utilities", -89, -79),
    ("CHEWY.COM", "Pets", -90, -25),
    ("DELTA AIR LINES {ref}", "Travel", -620, -180),
    ("AMC THEATRES {n:04d}", "Entertainment", -45, -12),
    ("FOREIGN TRANSACTION FEE", "Fees & Interest", -4, -0.5),
    ("LOCAL BISTRO {n:03d}", "Dining", -80, -20),
    ("ACME CORP PAYROLL", INCOME, 2400, 3100),
    ("PAYMENT THANK YOU-MOBILE", TRANSFERS, 200, 1500),
)
ACCOUNTS = ("Chase Freedom", "Amex Gold", "BofA Checking")
UNCATEGORIZED_SHARE = 0.03
LOW_CONFIDENCE_SHARE = 0.10


@dataclass(frozen=True)
class PageTiming:
    cold_ms: float
    warm_ms: float


def synthetic_transactions(count: int, seed: int) -> tuple[list[Transaction], dict[str, str]]:
    """`count` transactions and the category each merchant template stands for."""
    rng = random.Random(seed)
    rows: list[tuple[str, dt.date, Decimal, str, str]] = []
    for _ in range(count):
        template, category, low, high = rng.choice(MERCHANTS)
        description = template.format(n=rng.randrange(1, 9999), ref=f"{rng.getrandbits(36):09X}")
        amount = Decimal(str(round(rng.uniform(low, high), 2)))
        day = PERIOD_END - dt.timedelta(days=rng.randrange(PERIOD_DAYS))
        rows.append((rng.choice(ACCOUNTS), day, amount, description, category))
    keys = [identity_key(account, day, amount, "USD", desc) for account, day, amount, desc, _ in rows]
    file_sha = f"{seed:064x}"
    transactions: list[Transaction] = []
    truth: dict[str, str] = {}
    for number, (tid, (account, day, amount, description, category)) in enumerate(
        zip(occurrence_ids(keys), rows, strict=True), start=1
    ):
        transactions.append(
            Transaction(
                id=tid,
                account=account,
                date=day,
                description=description,
                amount=amount,
                currency="USD",
                source=RowSource(file_sha256=file_sha, row=number),
            )
        )
        truth[tid] = category
    return transactions, truth


def build_store(data_dir: Path, count: int, seed: int) -> Store:
    """A store in `data_dir` holding `count` categorized transactions."""
    store = Store(Settings(data_dir=data_dir).db_path)
    transactions, truth = synthetic_transactions(count, seed)
    record = ImportRecord(
        file_sha256=transactions[0].source.file_sha256,
        file_name=f"synthetic-{count}.csv",
        profile=None,
        account=None,
        rows_read=count,
    )
    store.commit_import(record, transactions)
    fill_merchant_keys(store)
    rng = random.Random(seed + 1)
    updates: list[CategoryUpdate] = []
    for tid, category in truth.items():
        draw = rng.random()
        if draw < UNCATEGORIZED_SHARE:
            continue
        confidence = 0.45 if draw < UNCATEGORIZED_SHARE + LOW_CONFIDENCE_SHARE else 0.92
        updates.append(
            CategoryUpdate(tid, category, CategorySource.MODEL, confidence=confidence, model=MODEL_NAME)
        )
    store.apply_category_updates(updates)
    return store


@contextlib.contextmanager
def data_dir_env(data_dir: Path) -> Iterator[None]:
    previous = os.environ.get("PRIVFIN_DATA_DIR")
    os.environ["PRIVFIN_DATA_DIR"] = str(data_dir)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("PRIVFIN_DATA_DIR", None)
        else:
            os.environ["PRIVFIN_DATA_DIR"] = previous


# Clearing caches outside a script run makes these log a harmless warning each time.
_NOISY_LOGGERS = (
    "streamlit.runtime.caching.cache_data_api",
    "streamlit.runtime.scriptrunner_utils.script_run_context",
)


def clear_streamlit_caches() -> None:
    # AppTest runs the script in this process, so these are the caches the pages use.
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    st.cache_data.clear()
    st.cache_resource.clear()


def _run_checked(at: AppTest, what: str, title: str | None = None) -> None:
    """Run the script; fail loudly on an exception or if another page than `title` was drawn."""
    at.run(timeout=APPTEST_TIMEOUT_S)
    if at.exception:
        messages = "; ".join(str(e.value) for e in at.exception)
        raise RuntimeError(f"{what} raised: {messages}")
    shown = [t.value for t in at.title]
    if title is not None and title not in shown:
        raise RuntimeError(f"{what} drew {shown}, not the {title} page")


def time_page(title: str, page_path: str, data_dir: Path) -> PageTiming:
    """One cold render of `page_path` (caches cleared) and one warm rerun, in milliseconds."""
    with data_dir_env(data_dir):
        clear_streamlit_caches()
        at = AppTest.from_file(str(MAIN_SCRIPT), default_timeout=APPTEST_TIMEOUT_S)
        _run_checked(at, "the default page")  # switch_page needs one run first
        clear_streamlit_caches()
        at.switch_page(page_path)
        started = time.perf_counter()
        _run_checked(at, page_path, title)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        _run_checked(at, page_path, title)
        warm = time.perf_counter() - started
    return PageTiming(cold_ms=cold * 1000, warm_ms=warm * 1000)


def median_timing(title: str, page_path: str, data_dir: Path, repeats: int) -> PageTiming:
    runs = [time_page(title, page_path, data_dir) for _ in range(repeats)]
    return PageTiming(
        cold_ms=statistics.median(r.cold_ms for r in runs),
        warm_ms=statistics.median(r.warm_ms for r in runs),
    )


TRANSFER_SHARE = 0.02  # of the synthetic rows: one side of a move between two accounts


def transfer_legs(count: int, seed: int) -> list[Leg]:
    """`count` rows for the transfer matcher: purchases (many of common amounts, 9.99 or 50.00,
    the hard case), and moves between accounts with transfer words on one side or both."""
    rng = random.Random(seed)
    legs: list[Leg] = []
    while len(legs) < count:
        day = PERIOD_END - dt.timedelta(days=rng.randrange(PERIOD_DAYS))
        n = len(legs)
        if rng.random() < TRANSFER_SHARE:
            minor = rng.randrange(1_000, 300_000)
            late = day + dt.timedelta(days=rng.randrange(4))
            legs.append(Leg(f"t{n}", "BofA Checking", day, -minor, "USD", "ONLINE TRANSFER TO SAV 7729"))
            legs.append(Leg(f"t{n}b", "Savings", late, minor, "USD", "DEPOSIT"))
            continue
        common = rng.random() < 0.3
        minor = rng.choice((999, 5000, 1549, 2000)) if common else rng.randrange(100, 50_000)
        inflow = rng.random() < 0.1
        legs.append(
            Leg(f"p{n}", rng.choice(ACCOUNTS), day, minor if inflow else -minor, "USD", f"MERCHANT {n % 997}")
        )
    return legs[:count]


def transfer_matching_lines(
    sizes: Sequence[int], stores: dict[int, Path], seed: int, repeats: int
) -> list[str]:
    """Transfer matching at each size: the pure matcher, and the store's recompute (read, match, write)."""
    pure: dict[int, float] = {}
    stored: dict[int, float] = {}
    for size in sizes:
        legs = transfer_legs(size, seed)
        runs = []
        for _ in range(repeats):
            started = time.perf_counter()
            match_transfers(legs)
            runs.append((time.perf_counter() - started) * 1000)
        pure[size] = statistics.median(runs)
        store = Store(Settings(data_dir=stores[size]).db_path)
        runs = []
        for _ in range(repeats):
            started = time.perf_counter()
            refresh_transfers(store)
            runs.append((time.perf_counter() - started) * 1000)
        stored[size] = statistics.median(runs)
    small, large = sizes
    return [
        f"{'transfers':<9} {'match':>5} {pure[small]:>15.0f} {pure[large]:>17.0f} {pure[large] / pure[small]:>6.1f}x",
        f"{'transfers':<9} {'store':>5} {stored[small]:>15.0f} {stored[large]:>17.0f} "
        f"{stored[large] / stored[small]:>6.1f}x",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--page", action="append", choices=list(PAGES), help="only this page (repeatable)")
    args = parser.parse_args(argv)
    pages = {name: PAGES[name] for name in (args.page or PAGES)}

    sizes = (args.small, args.large)
    with tempfile.TemporaryDirectory(prefix="privfin-bench-dashboard-") as tmp:
        stores: dict[int, Path] = {}
        for size in sizes:
            data_dir = Path(tmp) / f"store-{size}"
            started = time.perf_counter()
            build_store(data_dir, size, args.seed)
            print(f"built a store of {size:,} transactions in {time.perf_counter() - started:.1f} s")
            stores[size] = data_dir

        results: dict[tuple[str, int], PageTiming] = {}
        for page, path in pages.items():
            for size in sizes:
                results[page, size] = median_timing(page, path, stores[size], args.repeats)
        transfers = transfer_matching_lines(sizes, stores, args.seed, args.repeats)

    small, large = sizes
    print()
    print(f"median of {args.repeats} AppTest renders; cold = Streamlit caches cleared, warm = rerun")
    header = f"{'page':<9} {'':>5} {f'{small:,} tx (ms)':>15} {f'{large:,} tx (ms)':>17} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for page in pages:
        for kind in ("cold", "warm"):
            low = getattr(results[page, small], f"{kind}_ms")
            high = getattr(results[page, large], f"{kind}_ms")
            print(f"{page:<9} {kind:>5} {low:>15.0f} {high:>17.0f} {high / low:>6.1f}x")
    print(*transfers, sep="\n")  # match: app.transfers on synthetic legs; store: refresh_transfers
    one, five, _ = os.getloadavg()
    print(f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
