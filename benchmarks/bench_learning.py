"""Learning from the user: accuracy on merchants it never saw, the statement-after effect, training time.

    .venv/bin/python -m benchmarks.bench_learning [--repeat 3]

Everything runs offline on `sample_data/` in temporary data dirs:

(a) held-back merchants: the sample data's merchants are split in two halves (by a hash of
    the merchant key); the learned model trains on the categories of one half and guesses
    the rows of the other. Reported: how many held-back rows it answered (it stays silent
    below the confidence cross-validation earned), how many of its answers were right, and
    right answers over all held-back rows;
(b) one statement after another: both statements are imported and categorized offline
    ("before"); then the user corrects and accepts every row of the first statement, and a
    second offline run categorizes again ("after"). Reported: accuracy and rows needing
    review among the second statement's merchants that the first does not have;
(b2) the same for merchants the built-in rules do not know: two invented statements of local
    merchants (a few syllables and, for three in four, a word saying what they are: CAFE,
    PHARMACY, VET...); the user corrects and accepts the first;
(c) training time (cross-validation included, CPU seconds) at 1,000 and 10,000 labeled rows
    of distinct invented merchants (the worst case) and 10,000 rows of 1,000 merchants (a
    ledger's usual shape), best of `--repeat`.

The truth is what a careful user would file each merchant under: the built-in rules'
confident answers, which the sample data was checked against, and for the merchants they
are unsure about the categories in `USER_CHOICES` below. Figures are one run's; nothing
here is asserted by the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
import zlib
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from app.categorize.learned import LearnedModel, example_of
from app.categorize.pipeline import categorize_pending
from app.categorize.review_need import BUILTIN_TRUSTED_CONFIDENCE, ledger_review_reasons
from app.ids import identity_key, occurrence_ids
from app.importer import import_files
from app.models import RowSource, Transaction, direction_of
from app.settings import Settings
from app.store import ImportRecord, LabeledRow, Store

SAMPLE_DATA = Path(__file__).resolve().parent.parent / "sample_data"
FILES = (
    "amex_gold.csv",
    "bofa_checking.csv",
    "capital_one_savor.csv",
    "chase_credit_card.csv",
    "dkb_girokonto.csv",
    "mint_export.csv",
)
PAIRS = (
    ("chase_credit_card.csv", "amex_gold.csv"),
    ("amex_gold.csv", "chase_credit_card.csv"),
    ("mint_export.csv", "bofa_checking.csv"),
    ("bofa_checking.csv", "capital_one_savor.csv"),
)

# (merchant key, direction) -> category, for the merchants the built-in rules are unsure of.
USER_CHOICES: dict[tuple[str, str], str] = {
    ("MOONTOWER BIKEWORKS", "out"): "Transport",
    ("CASA VERDE NURSERY", "out"): "Housing",
    ("J&M 2ND ST", "out"): "Dining",
    ("ANNUAL MEMBERSHIP FEE", "out"): "Fees & Interest",
    ("HYPERLINK HTTP", "out"): "Shopping",
    ("JONAS WEBER DANKE FURS ESSEN", "in"): "Transfers & Card Payments",
    ("FENWICK & DAUGHTERS", "out"): "Shopping",
    ("GERMAN VILLAGE COBBLER", "out"): "Shopping",
    ("COTA MOBILE TICKETING", "out"): "Transport",
    ("KINGFISHER", "out"): "Shopping",
    ("OLENTANGY PIANO SVC WORTHINGTON", "out"): "Housing",
    ("BUCKEYE FREIGHT EXP REIMB", "in"): "Income",
    ("LAKESHORE KNIFE SHARPENING", "out"): "Housing",
    ("CLINTONVILLE KENNEL", "out"): "Pets",
}

Merchant = tuple[str, str]


def _settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, offline=True, endpoint_url="http://127.0.0.1:9/v1")


def _load(data_dir: Path, names: Iterable[str]) -> tuple[Store, dict[str, list[str]]]:
    """A fresh store with these files imported; the ids of each file's rows."""
    settings = _settings(data_dir)
    store = Store(settings.db_path)
    payloads = [(name, (SAMPLE_DATA / name).read_bytes()) for name in names]
    results = import_files(store, payloads, max_bytes=20 << 20, home_currency="USD")
    ids = {}
    for (name, _payload), result in zip(payloads, results, strict=True):
        if result.error or result.parsed is None:
            raise SystemExit(f"{name}: {result.error}")
        ids[name] = list(result.parsed.table.ids)
    return store, ids


def _merchant_of(store: Store) -> dict[str, Merchant]:
    frame = store.transactions_frame()
    return {
        str(tid): (str(key), direction_of(Decimal(amount)))
        for tid, key, amount in zip(frame["id"], frame["merchant_key"], frame["amount"], strict=True)
    }


def truth_of(data_dir: Path) -> dict[Merchant, str]:
    """What a careful user files each sample merchant under (see the module's docstring)."""
    store, _ids = _load(data_dir, FILES)
    categorize_pending(store, _settings(data_dir))
    frame = store.transactions_frame()
    truth: dict[Merchant, str] = dict(USER_CHOICES)
    for key, amount, category, source, confidence in zip(
        frame["merchant_key"],
        frame["amount"],
        frame["category"],
        frame["category_source"],
        frame["confidence"],
        strict=True,
    ):
        merchant = (str(key), direction_of(Decimal(amount)))
        trusted = source == "builtin" and float(confidence) >= BUILTIN_TRUSTED_CONFIDENCE
        if trusted and merchant not in truth:
            truth[merchant] = str(category)
    return truth


def bench_held_back(data_dir: Path, truth: dict[Merchant, str]) -> None:
    store, _ids = _load(data_dir, FILES)
    store.transactions_frame()  # keys are filled by the first run below
    categorize_pending(store, _settings(data_dir))
    rows = store.transactions_frame()
    train: list[LabeledRow] = []
    held: list[tuple[LabeledRow, str]] = []
    for record in rows.to_dict("records"):
        merchant = (str(record["merchant_key"]), direction_of(record["amount"]))
        category = truth.get(merchant)
        if category is None:
            continue
        row = LabeledRow(
            record["merchant_key"],
            record["description"],
            None,
            record["amount"],
            record["bank_category"] if isinstance(record["bank_category"], str) else None,
            category,
        )
        half = zlib.crc32(merchant[0].encode()) % 2
        (train.append(row) if half == 0 else held.append((row, category)))
    started = time.perf_counter()
    model = LearnedModel(train)
    trained_s = time.perf_counter() - started
    guesses = model.guess_many([example_of(row) for row, _truth in held])
    answered = [(g.category, want) for g, (_row, want) in zip(guesses, held, strict=True) if g is not None]
    right = sum(1 for got, want in answered if got == want)
    merchants_held = len({(r.merchant_key, direction_of(r.amount)) for r, _t in held})
    print("(a) held-back half of the sample merchants")
    print(
        f"    trained on {len(train):,} rows ({model.labeled_merchants} merchants, "
        f"{len(model.categories)} categories it may answer) in {trained_s * 1000:.0f} ms; "
        f"earned threshold {model.calibration.threshold:.4f}"
    )
    print(
        f"    held back {len(held):,} rows of {merchants_held} merchants: answered {len(answered):,} "
        f"({len(answered) / len(held):.0%}), right {right:,} of those ({right / max(len(answered), 1):.0%}), "
        f"right over all held-back rows {right / len(held):.0%}"
    )


def _score(
    store: Store, ids: list[str], truth: dict[Merchant, str], merchants: dict[str, Merchant]
) -> tuple[int, int, int]:
    """(rows with a truth, rows categorized as the truth says, rows needing review) among `ids`."""
    frame = store.transactions_frame()
    frame = frame[frame["id"].isin(set(ids))]
    reasons = ledger_review_reasons(store, frame)
    total = right = review = 0
    for tid, category in zip(frame["id"], frame["category"], strict=True):
        want = truth.get(merchants[str(tid)])
        if want is None:
            continue
        total += 1
        right += int(category == want)
        review += int(bool(reasons[tid]))
    return total, right, review


def bench_statement_after(
    data_dir: Path, first: str, second: str, truth: dict[Merchant, str]
) -> tuple[int, int, int]:
    store, ids = _load(data_dir, (first, second))
    settings = _settings(data_dir)
    categorize_pending(store, settings)
    merchants = _merchant_of(store)
    known = {merchants[t] for t in ids[first]}
    new = [t for t in ids[second] if merchants[t] not in known]
    before = _score(store, new, truth, merchants)

    by_category: dict[str, list[str]] = {}
    for tid in ids[first]:
        category = truth.get(merchants[tid])
        if category is not None:
            by_category.setdefault(category, []).append(tid)
    for category, chosen in by_category.items():
        store.set_user_category(chosen, category)  # corrected or accepted: the user's own, reviewed
    store.mark_reviewed(ids[first])
    categorize_pending(store, settings)
    after = _score(store, new, truth, merchants)
    print(
        f"    {first} then {second}: {before[0]:,} rows of new merchants; right "
        f"{before[1] / before[0]:.1%} -> {after[1] / after[0]:.1%}, needing review {before[2]} -> {after[2]}"
    )
    return before[0], before[1], after[1]


LOCAL_KINDS: dict[str, tuple[str, int, int]] = {
    "CAFE": ("Dining", 4, 15),
    "GRILL": ("Dining", 15, 60),
    "MARKET": ("Groceries", 20, 120),
    "PHARMACY": ("Health", 8, 60),
    "CLINIC": ("Health", 40, 250),
    "FITNESS": ("Personal Care", 20, 90),
    "GARAGE": ("Transport", 60, 400),
    "HOTEL": ("Travel", 90, 300),
    "BOOKS": ("Shopping", 10, 50),
    "VET": ("Pets", 50, 300),
    "SCHOOL": ("Education & Childcare", 80, 600),
    "ENERGY": ("Utilities", 50, 180),
}


def _local_statement(
    rng: random.Random, merchants: list[tuple[str, str, int, int]], tag: str, count: int
) -> list[Transaction]:
    rows = []
    for n in range(count):
        name, _category, low, high = rng.choice(merchants)
        date = dt.date(2026, 3, 1) + dt.timedelta(days=rng.randrange(180))
        text = f"{name} #{rng.randint(1, 999):03d} SPRINGFIELD" if rng.random() < 0.5 else name
        rows.append((date, text, -Decimal(rng.randint(low * 100, high * 100)) / 100, n))
    keys = [identity_key("local", date, amount, "USD", text) for date, text, amount, _n in rows]
    return [
        Transaction(
            id=tid,
            account="local " + tag,
            date=date,
            description=text,
            amount=amount,
            currency="USD",
            source=RowSource(file_sha256=tag * 64, row=n + 1),
        )
        for tid, (date, text, amount, n) in zip(occurrence_ids(keys), rows, strict=True)
    ]


def bench_unknown_merchants(data_dir: Path, seed: int = 11) -> None:
    rng = random.Random(seed)
    merchants: list[tuple[str, str, int, int]] = []
    truth_by_name: dict[str, str] = {}
    while len(merchants) < 240:
        kind = rng.choice(sorted(LOCAL_KINDS))
        category, low, high = LOCAL_KINDS[kind]
        name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).upper()
        name = f"{name} {kind}" if rng.random() < 0.75 else f"{name} {''.join(rng.choices('XYZQKJ', k=3))}"
        if name not in truth_by_name:
            truth_by_name[name] = category
            merchants.append((name, category, low, high))
    first_merchants, second_merchants = merchants[:160], merchants[80:]  # half of the second's are new
    settings = _settings(data_dir)
    store = Store(settings.db_path)
    statements = {
        "a": _local_statement(rng, first_merchants, "a", 400),
        "b": _local_statement(rng, second_merchants, "b", 400),
    }
    for tag, rows in statements.items():
        record = ImportRecord(tag * 64, f"{tag}.csv", None, None, rows_read=len(rows))
        store.commit_import(record, rows)
    categorize_pending(store, settings)
    merchants_of = _merchant_of(store)
    truth = {
        merchants_of[t.id]: truth_by_name[name]
        for rows in statements.values()
        for t in rows
        for name in [t.description.split(" #")[0]]
    }
    known = {merchants_of[t.id] for t in statements["a"]}
    new = [t.id for t in statements["b"] if merchants_of[t.id] not in known]
    before = _score(store, new, truth, merchants_of)
    by_category: dict[str, list[str]] = {}
    for t in statements["a"]:
        by_category.setdefault(truth[merchants_of[t.id]], []).append(t.id)
    for category, chosen in by_category.items():
        store.set_user_category(chosen, category)
    categorize_pending(store, settings)
    after = _score(store, new, truth, merchants_of)
    print(
        f"(b2) merchants the built-in rules do not know: {before[0]:,} rows of the second statement's "
        f"{len(second_merchants) - 80} new merchants; right {before[1] / before[0]:.1%} -> "
        f"{after[1] / after[0]:.1%}, needing review {before[2]} -> {after[2]}"
    )


_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "qu", "dor", "fen", "gal", "har")
_WORDS_OF = (
    "MARKET", "CAFE", "GRILL", "PHARMACY", "FITNESS", "TAXI", "HOTEL", "BOOKS", "GARAGE", "CLINIC",
    "STUDIO", "ENERGY", "TELECOM", "INSURANCE", "SCHOOL", "VET", "BAKERY", "OUTLET", "TRAVEL", "BANK",
)  # fmt: skip


def invented_labels(count: int, merchants: int | None = None, seed: int = 7) -> list[LabeledRow]:
    """`count` labeled rows of `merchants` invented merchants (all distinct when None) over 20
    categories, a word hinting at each."""
    rng = random.Random(seed)
    names = []
    for n in range(merchants or count):
        name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).upper()
        names.append((f"{name} {_WORDS_OF[n % len(_WORDS_OF)]}", n % len(_WORDS_OF)))
    rows = []
    for n in range(count):
        key, category = names[n % len(names)]
        amount = Decimal(rng.randint(100, 40_000)) / 100
        text = f"{key} #{rng.randint(100, 9999)}"
        rows.append(LabeledRow(key, text, None, -amount, None, f"C{category}"))
    return rows


def bench_training(repeat: int) -> None:
    """CPU seconds (the machine is shared: wall time would measure the neighbours)."""
    cases = (
        ("1,000 labels", 1_000, None),
        ("10,000 labels", 10_000, None),
        ("10,000 rows of 1,000 merchants", 10_000, 1_000),
    )
    times = {}
    for title, count, merchants in cases:
        labels = invented_labels(count, merchants)
        best = float("inf")
        for _ in range(repeat):
            started = time.process_time()
            LearnedModel(labels)
            best = min(best, time.process_time() - started)
        times[title] = best
    parts = ", ".join(f"{title} {seconds * 1000:.0f} ms" for title, seconds in times.items())
    ratio = times["10,000 labels"] / times["1,000 labels"]
    print(f"(c) training with cross-validation, CPU time, best of {repeat}: {parts} (10k/1k {ratio:.1f}x)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        truth = truth_of(root / "truth")
        bench_held_back(root / "held", truth)
        print("(b) after the user corrects and accepts the first statement (offline, new merchants only)")
        totals = [0, 0, 0]
        for n, (first, second) in enumerate(PAIRS):
            for index, value in enumerate(bench_statement_after(root / f"pair{n}", first, second, truth)):
                totals[index] += value
        print(
            f"    all pairs: {totals[0]:,} rows; right {totals[1] / totals[0]:.1%} -> {totals[2] / totals[0]:.1%}"
        )
        bench_unknown_merchants(root / "local")
    bench_training(args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
