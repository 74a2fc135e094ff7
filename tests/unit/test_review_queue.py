"""The Review queue and the ledger summary in SQL agree with the frame rule on the same store."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal

from app.categorize.review_need import REASON_ORDER, ledger_review_reasons
from app.categorize.review_queue import QueuePlace, QueueSelection, queue_count, queue_ids, queue_page
from app.ids import identity_key, occurrence_ids
from app.ledger_summary import ledger_summary
from app.models import RowSource, Transaction
from app.store import ImportRecord, Store, TransactionFilter

KEYS = ("QUORBLE", "KILN COFFEE", "CASA VERDE", None)
CATEGORIES = ("Dining", "Shopping", None)
SOURCES = ("model", "cache", "builtin", "learned", "history", "user", "rule", None)
CONFIDENCES = (None, 0.3, 0.69, 0.7, 0.8, 0.85, 0.95)
SECONDS = (None, "", "learned from your categories: Groceries")


def _stored(store: Store, count: int, seed: int) -> None:
    """`count` rows over two accounts and currencies, with every mix of the rule's inputs."""
    pick = random.Random(seed)
    facts = [
        (
            "Card" if n % 3 else "Checking",
            dt.date(2024, 1, 1) + dt.timedelta(days=pick.randrange(400)),
            Decimal(pick.randrange(-9_000, 5_000)) / 100,
            "USD" if n % 5 else "EUR",
            f"SHOP {n % 17}",
        )
        for n in range(count)
    ]
    ids = list(occurrence_ids(identity_key(a, d, m, c, s) for a, d, m, c, s in facts))
    rows = [
        Transaction(
            id=tid,
            account=a,
            date=d,
            description=s,
            amount=m,
            currency=c,
            source=RowSource(file_sha256="e" * 64, row=n + 1),
        )
        for n, (tid, (a, d, m, c, s)) in enumerate(zip(ids, facts, strict=True))
    ]
    record = ImportRecord(
        file_sha256="e" * 64, file_name="mix.csv", profile="test", account="Card", rows_read=count, skipped=[]
    )
    store.commit_import(record, rows)
    with store.connect() as conn:
        for tid in ids:
            conn.execute(
                "UPDATE transactions SET merchant_key = ?, category = ?, category_source = ?, "
                "confidence = ?, second_opinion = ?, reviewed = ? WHERE id = ?",
                (
                    pick.choice(KEYS),
                    pick.choice(CATEGORIES),
                    pick.choice(SOURCES),
                    pick.choice(CONFIDENCES),
                    pick.choice(SECONDS),
                    int(pick.random() < 0.15),
                    tid,
                ),
            )


def _frame_queue(store: Store, flt: TransactionFilter, needs_review: bool) -> list[str]:
    """The queue as the page built it before: the whole frame, judged and sorted in pandas."""
    import pandas as pd

    frame = store.transactions_frame(flt)
    frame = frame.assign(why=ledger_review_reasons(store, frame))
    if needs_review:
        frame = frame[frame["why"] != ""]
        order = pd.DataFrame(
            {"rank": frame["why"].map(REASON_ORDER), "date": frame["date"]}, index=frame.index
        )
        frame = frame.loc[order.sort_values(["rank", "date"], ascending=[True, False], kind="stable").index]
    return [str(i) for i in frame.index]


def test_the_sql_queue_lists_the_rows_the_frame_rule_flags_in_the_same_order(store: Store) -> None:
    _stored(store, 600, seed=3)
    reasons = ledger_review_reasons(store, store.transactions_frame())
    assert set(reasons) == {"", *REASON_ORDER}  # every reason occurs, so each branch is compared
    filters = [
        TransactionFilter(),
        TransactionFilter(accounts=["Checking"]),
        TransactionFilter(categories=["Uncategorized", "Dining"]),
        TransactionFilter(date_from=dt.date(2024, 3, 1), date_to=dt.date(2024, 3, 31)),
        TransactionFilter(search="shop 1"),
    ]
    for flt, needs_review in itertools.product(filters, (True, False)):
        assert queue_ids(store, QueueSelection(flt=flt, needs_review=needs_review)) == _frame_queue(
            store, flt, needs_review
        )


def test_the_set_by_filter_selects_sources_and_rows_with_none(store: Store) -> None:
    _stored(store, 300, seed=5)
    frame = store.transactions_frame()
    wanted = frame[frame["category_source"].isin(["model"]) | frame["category_source"].isna()]
    listed = queue_ids(store, QueueSelection(sources=("model", None), needs_review=False))
    assert listed == [str(i) for i in wanted.index]
    assert listed  # the mix holds such rows


def test_a_confirmation_takes_the_merchants_other_model_rows_out_in_sql_too(store: Store) -> None:
    _stored(store, 300, seed=7)
    frame = store.transactions_frame()
    model_rows = frame[
        (frame["category_source"] == "model")
        & frame["merchant_key"].notna()
        & frame["category"].notna()
        & ~frame["reviewed"]
    ]
    first = model_rows.iloc[0]
    same = model_rows[
        (model_rows["merchant_key"] == first["merchant_key"]) & (model_rows["category"] == first["category"])
    ]
    store.mark_reviewed([str(first["id"])])
    queued = set(queue_ids(store, QueueSelection()))
    for tid, row in same.iterrows():
        if row["second_opinion"] or (row["confidence"] == row["confidence"] and row["confidence"] < 0.7):
            continue  # flagged for another reason
        assert str(tid) not in queued
    assert queue_ids(store, QueueSelection()) == _frame_queue(store, TransactionFilter(), True)


def test_the_ledger_summary_matches_the_frame(store: Store) -> None:
    assert ledger_summary(store).count == 0
    _stored(store, 500, seed=9)
    frame = store.transactions_frame()
    summary = ledger_summary(store)
    assert summary.count == len(frame)
    assert summary.accounts == tuple(sorted(frame["account"].unique()))
    assert summary.period == (frame["date"].min().date(), frame["date"].max().date())
    assert summary.months == tuple(sorted(frame["date"].dt.strftime("%Y-%m").unique(), reverse=True))


def test_the_sql_pages_and_count_agree_with_the_frame_rule(store: Store) -> None:
    _stored(store, 700, seed=13)
    for flt, needs_review in itertools.product(
        [TransactionFilter(), TransactionFilter(accounts=["Card"], search="shop")], (True, False)
    ):
        selection = QueueSelection(flt=flt, needs_review=needs_review)
        expected = _frame_queue(store, flt, needs_review)
        assert queue_count(store, selection) == len(expected)
        by_offset = [
            place.id
            for start in range(0, len(expected) + 64, 64)
            for place in queue_page(store, selection, limit=64, offset=start)
        ]
        assert by_offset == expected
        # Keyset: each page continues after the last row of the one before.
        by_place: list[str] = []
        after: QueuePlace | None = None
        while page := queue_page(store, selection, limit=64, after=after):
            by_place.extend(place.id for place in page)
            after = page[-1]
        assert by_place == expected


def test_a_page_after_a_shown_one_skips_no_row_when_rows_left_the_queue(store: Store) -> None:
    _stored(store, 500, seed=17)
    selection = QueueSelection()
    before = queue_ids(store, selection)
    first = queue_page(store, selection, limit=50)
    assert [p.id for p in first] == before[:50]
    store.mark_reviewed([first[3].id, first[10].id])  # corrected on the first page: they leave

    second = queue_page(store, selection, limit=50, after=first[-1])
    assert [p.id for p in second] == before[50:100]  # what the list held next, not shifted by two
    skipped = queue_page(store, selection, limit=50, skip=[p.id for p in first])
    assert [p.id for p in skipped] == [i for i in queue_ids(store, selection) if i not in before[:50]][:50]


def test_confirmed_rows_and_transfer_pairs_are_read_through_their_partial_indexes(store: Store) -> None:
    from app.categorize.review_need import CONFIRMED_CTE

    with store.connect() as conn:
        plans = {
            "confirmed": f"WITH {CONFIRMED_CTE} SELECT * FROM confirmed",
            "pairs": "SELECT o.id FROM transactions o JOIN transactions i ON i.id = o.transfer_pair "
            "WHERE o.transfer_pair IS NOT NULL AND o.amount_minor < 0 ORDER BY o.date DESC, o.id LIMIT 5",
        }
        used = {
            name: " ".join(str(row[3]) for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
            for name, sql in plans.items()
        }
    assert "ix_transactions_confirmed" in used["confirmed"]
    assert "ix_transactions_paired" in used["pairs"]


def test_each_review_branch_has_a_partial_index_with_its_exact_condition(store: Store) -> None:
    """SQLite uses a partial index only for a query that repeats its condition; the migration
    spells the conditions out, so a change to the rule must come with a new migration."""
    from app.categorize.review_need import REASON_BRANCHES

    with store.connect() as conn:
        created = {
            str(name): " ".join(str(sql).split())
            for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
        }
    for branch in REASON_BRANCHES:
        assert created[branch.index].endswith(f" WHERE {branch.where}"), branch.index


def test_the_unfiltered_queue_reads_each_reason_through_its_own_index(store: Store) -> None:
    from app.categorize.review_need import CONFIRMED_CTE, REASON_BRANCHES

    with store.connect() as conn:
        for branch in REASON_BRANCHES:
            plan = " ".join(
                str(row[3])
                for row in conn.execute(
                    f"EXPLAIN QUERY PLAN WITH {CONFIRMED_CTE} SELECT COUNT(*) FROM transactions "
                    f"INDEXED BY {branch.index} WHERE {branch.condition()}"
                )
            )
            assert branch.index in plan


def test_a_store_without_the_review_indexes_lists_the_same_queue(store: Store) -> None:
    _stored(store, 300, seed=21)
    selection = QueueSelection()
    before = (
        queue_count(store, selection),
        queue_ids(store, selection),
        queue_page(store, selection, limit=40),
    )
    with store.connect() as conn:
        conn.execute("DROP INDEX ix_review_new_merchant")
    after = (
        queue_count(store, selection),
        queue_ids(store, selection),
        queue_page(store, selection, limit=40),
    )
    assert after == before
    assert before[1] == _frame_queue(store, TransactionFilter(), True)
