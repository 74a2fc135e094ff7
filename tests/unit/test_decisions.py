"""User decisions: corrections, merchant-wide fixes and rules never touch what the user set by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.categorize import decisions
from app.categorize.merchant import merchant_key
from app.ids import identity_key, occurrence_ids
from app.models import CategorySource, RowSource, Transaction
from app.store import CategoryUpdate, ImportRecord, Store

ROWS = [
    ("2026-03-01", "STARBUCKS STORE 1234 SEATTLE WA", "-5.10"),
    ("2026-03-02", "SQ *STARBUCKS #0042 AUSTIN TX", "-6.20"),
    ("2026-03-03", "STARBUCKS STORE 77 PORTLAND OR", "-4.90"),
    ("2026-03-04", "STARBUCKS REFUND", "4.90"),
    ("2026-03-05", "SHELL OIL 5744 AUSTIN TX", "-40.00"),
]


def seed(store: Store, rows: list[tuple[str, str, str]] = ROWS) -> list[str]:
    keys = [identity_key("card", dt.date.fromisoformat(d), Decimal(a), "USD", text) for d, text, a in rows]
    transactions = [
        Transaction(
            id=tid,
            account="card",
            date=dt.date.fromisoformat(d),
            description=text,
            amount=Decimal(a),
            currency="USD",
            source=RowSource(file_sha256="f" * 64, row=n),
        )
        for n, (tid, (d, text, a)) in enumerate(zip(occurrence_ids(keys), rows, strict=True), start=1)
    ]
    store.commit_import(ImportRecord("f" * 64, "card.csv", None, None, len(rows)), transactions)
    return [t.id for t in transactions]


def state(store: Store) -> dict[str, tuple[str | None, str | None]]:
    frame = store.transactions_frame()
    return {
        tid: (cat if isinstance(cat, str) else None, src if isinstance(src, str) else None)
        for tid, cat, src in zip(frame["id"], frame["category"], frame["category_source"], strict=True)
    }


def model_says(store: Store, ids: list[str], category: str) -> None:
    store.apply_category_updates(CategoryUpdate(tid, category, CategorySource.MODEL, 0.8) for tid in ids)


def test_correct_sets_user_category_and_marks_reviewed(store: Store) -> None:
    ids = seed(store)
    assert decisions.correct(store, ids[:2], "Dining") == 2
    frame = store.transactions_frame()
    assert list(frame.loc[ids[:2], "category_source"]) == ["user", "user"]
    assert frame.loc[ids[:2], "reviewed"].all()
    assert not frame.loc[ids[2], "reviewed"]


def test_correct_refuses_a_category_outside_the_taxonomy(store: Store) -> None:
    ids = seed(store)
    with pytest.raises(decisions.DecisionError, match="not a category"):
        decisions.correct(store, ids[:1], "Coffee")
    assert state(store)[ids[0]] == (None, None)


def test_merchant_scope_counts_rows_of_one_merchant_and_direction(store: Store) -> None:
    ids = seed(store)
    key, direction, count = decisions.merchant_scope(store, ids[0])
    assert key == merchant_key(ROWS[0][1]) == "STARBUCKS"
    assert (direction, count) == ("out", 3)  # the refund is money in: another scope
    assert decisions.merchant_scope(store, ids[3])[1:] == ("in", 1)
    with pytest.raises(decisions.DecisionError):
        decisions.merchant_scope(store, "no-such-id")


def test_apply_to_merchant_sets_every_row_of_that_merchant_and_direction(store: Store) -> None:
    ids = seed(store)
    changed = decisions.apply_to_merchant(store, "STARBUCKS", "out", "Dining")
    after = state(store)
    assert changed == 3
    assert [after[t] for t in ids[:3]] == [("Dining", "user")] * 3
    assert after[ids[3]] == (None, None) and after[ids[4]] == (None, None)


def test_apply_to_merchant_spares_rows_the_user_set_to_another_category(store: Store) -> None:
    ids = seed(store)
    decisions.correct(store, ids[1:2], "Groceries")  # a decision of its own, on one row
    decisions.correct(store, ids[:1], "Dining")  # the correction that offers "apply to all"
    assert decisions.apply_to_merchant(store, "STARBUCKS", "out", "Dining") == 2
    after = state(store)
    assert [after[t] for t in ids[:3]] == [("Dining", "user"), ("Groceries", "user"), ("Dining", "user")]


def test_rule_preview_matches_what_the_rule_changes_and_spares_hand_set_rows(store: Store) -> None:
    ids = seed(store)
    decisions.correct(store, ids[:1], "Groceries")  # set by hand: the rule must not touch it
    model_says(store, ids[1:2], "Dining")  # already the rule's category: not counted as a change
    preview = decisions.preview_rule(store, "STARBUCKS", "out", "Dining")
    assert preview == 1  # only ids[2]
    assert decisions.create_rule(store, "STARBUCKS", "out", "Dining") == preview
    after = state(store)
    assert after[ids[0]] == ("Groceries", "user")
    assert after[ids[1]] == ("Dining", "rule")
    assert after[ids[2]] == ("Dining", "rule")
    assert after[ids[3]] == (None, None)  # money in is outside an "out" rule
    [rule] = store.rules()
    assert (rule.merchant_key, rule.direction, rule.category) == ("STARBUCKS", "out", "Dining")


def test_a_rule_without_direction_covers_both(store: Store) -> None:
    seed(store)
    assert decisions.preview_rule(store, "STARBUCKS", None, "Dining") == 4
    assert decisions.create_rule(store, "STARBUCKS", None, "Dining") == 4


def test_changing_a_rule_replaces_it_and_reapplies(store: Store) -> None:
    ids = seed(store)
    decisions.create_rule(store, "STARBUCKS", "out", "Dining")
    assert decisions.create_rule(store, "STARBUCKS", "out", "Groceries") == 3
    assert len(store.rules()) == 1
    assert state(store)[ids[0]] == ("Groceries", "rule")


def test_removing_a_rule_releases_its_rows_to_the_cascade(store: Store) -> None:
    ids = seed(store)
    decisions.correct(store, ids[:1], "Groceries")
    decisions.create_rule(store, "STARBUCKS", "out", "Dining")
    [rule] = store.rules()
    assert decisions.remove_rule(store, rule.id) == 2
    assert store.rules() == []
    after = state(store)
    assert after[ids[0]] == ("Groceries", "user")  # hand-set rows stay
    assert after[ids[1]] == ("Dining", None)  # category kept until the next run decides again
    pending = {t.id for t, _key in store.pending_transactions()}
    assert {ids[1], ids[2]} <= pending and ids[0] not in pending
    with pytest.raises(decisions.DecisionError):
        decisions.remove_rule(store, rule.id)


def test_rules_validate_their_input(store: Store) -> None:
    seed(store)
    with pytest.raises(decisions.DecisionError):
        decisions.create_rule(store, "STARBUCKS", "out", "Coffee")
    with pytest.raises(decisions.DecisionError):
        decisions.create_rule(store, "STARBUCKS", "sideways", "Dining")
    with pytest.raises(decisions.DecisionError):
        decisions.create_rule(store, "  ", "out", "Dining")
    assert store.rules() == []


DIRECT_DEBITS = [
    ("2026-03-06", "Direct Debit 112233 MEDIBANK PRIVATE 44556677", "-180.00"),
    ("2026-03-07", "Direct Debit 223344 OPTUS BILLING 99887766", "-65.00"),
    ("2026-03-08", "Direct Debit 334455 AGL SALES PTY LTD 11223344", "-120.00"),
    ("2026-04-06", "Direct Debit 112233 MEDIBANK PRIVATE 44559911", "-180.00"),
    ("2026-03-09", "CHECK 1052", "-400.00"),
    ("2026-03-10", "CHECK 1053", "-75.00"),
    ("2026-03-11", "CHECK", "-20.00"),
    ("2026-03-12", "POS Debit - Visa Check Card 4412 -", "-9.99"),
]


def test_apply_to_all_offers_only_rows_of_the_same_merchant(store: Store) -> None:
    ids = seed(store, DIRECT_DEBITS)
    counts = [decisions.merchant_scope(store, tid)[2] for tid in ids]
    # Medibank twice; Optus, AGL and each check alone; rows naming no merchant alone too.
    assert counts == [2, 1, 1, 2, 1, 1, 1, 1]
    keys = [decisions.merchant_scope(store, tid)[0] for tid in ids]
    assert len({keys[0], keys[1], keys[2]}) == 3
    assert keys[6] == keys[7] == ""  # no merchant: never grouped with each other
    assert decisions.apply_to_merchant(store, keys[0], "out", "Insurance") == 2
    assert state(store)[ids[1]] == (None, None)
    with pytest.raises(decisions.DecisionError, match="no merchant"):
        decisions.apply_to_merchant(store, "", "out", "Shopping")
    assert decisions.preview_rule(store, "", "out", "Shopping") == 0
    assert state(store)[ids[6]] == (None, None) and state(store)[ids[7]] == (None, None)


def test_correct_merchant_spares_rows_the_user_set_by_hand(store: Store) -> None:
    ids = seed(store)
    decisions.correct(store, ids[1:2], "Groceries")
    outcome = decisions.correct_merchant(store, ids[0], "Dining")
    assert (outcome.merchant_key, outcome.direction, outcome.changed, outcome.spared) == (
        "STARBUCKS",
        "out",
        2,
        1,
    )
    after = state(store)
    assert [after[t] for t in ids[:3]] == [("Dining", "user"), ("Groceries", "user"), ("Dining", "user")]
    assert after[ids[3]] == (None, None)
    # correcting a row the user set by hand before is a new decision on that row
    assert decisions.correct_merchant(store, ids[1], "Dining").changed == 1
    assert state(store)[ids[1]] == ("Dining", "user")


def test_accept_confirms_categories_without_changing_them(store: Store) -> None:
    ids = seed(store)
    model_says(store, ids[:2], "Dining")
    model_says(store, ids[4:5], "Transport")
    with pytest.raises(decisions.DecisionError, match="no category to accept"):
        decisions.accept(store, [ids[0], ids[3]])
    with pytest.raises(decisions.DecisionError, match="no transaction"):
        decisions.accept(store, ["nope"])
    assert decisions.accept(store, [ids[0], ids[0]]) == 1
    frame = store.transactions_frame()
    assert bool(frame.loc[ids[0], "reviewed"]) and frame.loc[ids[0], "category_source"] == "model"
    # ids[1]: the model's Dining for a merchant the user has just confirmed as Dining needs no
    # review, so it is left alone; ids[4] is the model's first word on SHELL: accepted
    outcome = decisions.accept_all(store)
    assert (outcome.accepted, outcome.uncategorized) == (1, 2)
    assert list(store.transactions_frame().loc[ids, "reviewed"]) == [True, False, False, False, True]


def test_category_names_are_matched_ignoring_case_only(store: Store) -> None:
    assert decisions.resolve_category(store, "  transfers &  card payments ") == "Transfers & Card Payments"
    with pytest.raises(decisions.DecisionError, match="not a category"):
        decisions.resolve_category(store, "restaurants")  # no guessing for what the user typed


def test_import_categories_checks_everything_before_writing(store: Store) -> None:
    ids = seed(store)
    model_says(store, ids[:1], "Dining")
    with pytest.raises(decisions.DecisionError, match="no transaction"):
        decisions.import_categories(store, {ids[1]: "Groceries", "nope": "Dining"})
    with pytest.raises(decisions.DecisionError, match="not a category"):
        decisions.import_categories(store, {ids[1]: "Groceries", ids[2]: "Coffee"})
    assert state(store)[ids[1]] == (None, None)
    outcome = decisions.import_categories(store, {ids[0]: "Dining", ids[1]: "groceries", ids[2]: None})
    assert (outcome.changed, outcome.unchanged, outcome.not_cleared) == (1, 2, ())
    assert state(store)[ids[0]] == ("Dining", "model") and state(store)[ids[1]] == ("Groceries", "user")
    assert decisions.import_categories(store, {ids[0]: None}).not_cleared == (ids[0],)
    assert state(store)[ids[0]] == ("Dining", "model")
