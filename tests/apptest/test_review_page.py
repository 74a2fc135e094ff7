"""Review page: corrections land in the store as the user's, merchant-wide fixes, rules, bulk review."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app.categorize import decisions
from app.categorize.review_need import REASONS, ledger_review_reasons
from app.models import CategorySource, RowSource, Transaction
from app.store import ImportRecord, Store, TransactionFilter
from components import state
from components.review_table import ALL_ROWS, NEEDS_REVIEW
from tests.apptest.conftest import ENTRYPOINT, TIMEOUT_S, page_path, texts
from tests.support.foreign_spend import seed_foreign_spend


@pytest.fixture
def review(open_page, seed, categorized) -> AppTest:
    seed("chase_credit_card.csv", "bofa_checking.csv")
    categorized()
    return open_page("review")


def _edit(at: AppTest, position: int, category: str) -> AppTest:
    key = state.editor_key(at.session_state[state.REVIEW_EDITOR_VERSION])
    at.session_state[key] = {
        "edited_rows": {position: {"category": category}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _row(store: Store, transaction_id: str) -> pd.Series:
    return store.transactions_frame(TransactionFilter(ids=[transaction_id])).iloc[0]


def _position_of_repeated_merchant(at: AppTest, store: Store, minimum: int = 3) -> tuple[int, str]:
    """A row on the grid whose merchant has at least `minimum` rows in its direction."""
    for position, transaction_id in enumerate(at.session_state[state.REVIEW_PAGE_IDS]):
        _key, _direction, count = decisions.merchant_scope(store, transaction_id)
        if count >= minimum:
            return position, transaction_id
    raise AssertionError("no repeated merchant on the first page")


def _show_all(at: AppTest) -> AppTest:
    at.segmented_control(key=state.REVIEW_VIEW).set_value(ALL_ROWS).run()
    return at


def test_the_grid_shows_the_review_queue_with_only_the_category_editable(
    review: AppTest, store: Store
) -> None:
    editor = review.data_editor[0]
    assert editor.editing_mode == "fixed"
    shown = editor.value
    frame = store.transactions_frame()
    queue = frame[ledger_review_reasons(store, frame) != ""]
    assert len(review.session_state[state.REVIEW_PAGE_IDS]) == min(len(queue), 200)
    assert list(shown.index) == review.session_state[state.REVIEW_PAGE_IDS]
    assert set(shown["why"]) <= set(REASONS)
    assert set(shown["source"]) <= {"you", "rule", "history", "learned", "model", "cache", "built-in", "—"}
    assert review.segmented_control(key=state.REVIEW_VIEW).value == NEEDS_REVIEW


def test_a_category_edit_is_saved_as_the_users_own_and_offers_the_merchant_follow_up(
    review: AppTest, store: Store
) -> None:
    review = _show_all(review)  # the queue holds few repeated merchants; all rows have them
    position, transaction_id = _position_of_repeated_merchant(review, store)
    version = review.session_state[state.REVIEW_EDITOR_VERSION]

    _edit(review, position, "Shopping")

    saved = _row(store, transaction_id)
    assert saved["category"] == "Shopping"
    assert saved["category_source"] == CategorySource.USER.value
    assert bool(saved["reviewed"]) is True
    assert review.session_state[state.REVIEW_EDITOR_VERSION] == version + 1  # a fresh grid
    _key, _direction, count = decisions.merchant_scope(store, transaction_id)
    apply_all = review.button(key=state.REVIEW_APPLY_ALL_BUTTON)
    assert apply_all.label == f"Apply to all {count:,} transactions of this merchant"
    assert any("Saved 1 change" in t for t in texts(review.success))


def test_apply_to_all_sets_every_row_of_the_merchant(review: AppTest, store: Store) -> None:
    review = _show_all(review)  # the queue holds few repeated merchants; all rows have them
    position, transaction_id = _position_of_repeated_merchant(review, store)
    _edit(review, position, "Entertainment")
    key, direction, count = decisions.merchant_scope(store, transaction_id)

    review.button(key=state.REVIEW_APPLY_ALL_BUTTON).click().run()

    rows = store.merchant_rows(key, direction)
    assert len(rows) == count
    assert {(category, source) for _id, category, source in rows} == {
        ("Entertainment", CategorySource.USER.value)
    }
    assert review.session_state[state.REVIEW_FOLLOWUP] is None


def test_a_rule_previews_what_it_changes_and_never_touches_rows_set_by_hand(
    review: AppTest, store: Store
) -> None:
    review = _show_all(review)
    position, first_id = _position_of_repeated_merchant(review, store)
    key, direction, _count = decisions.merchant_scope(store, first_id)
    _edit(review, position, "Travel")  # set by hand: must survive the rule below
    review.button(key=state.REVIEW_DISMISS_BUTTON).click().run()

    ids = review.session_state[state.REVIEW_PAGE_IDS]
    others = [
        tid for _tid, _c, _s in store.merchant_rows(key, direction) for tid in [_tid] if tid != first_id
    ]
    second_position = ids.index(next(tid for tid in others if tid in ids))
    expected_changes = decisions.preview_rule(store, key, direction, "Groceries") - 1  # minus the row set now
    _edit(review, second_position, "Groceries")

    offer = review.session_state[state.REVIEW_FOLLOWUP]
    assert offer["rule_changes"] == expected_changes
    assert any(
        f"A rule would change {expected_changes:,} existing transaction" in t for t in texts(review.caption)
    )

    review.button(key=state.REVIEW_CREATE_RULE_BUTTON).click().run()
    assert not review.exception

    (rule,) = store.rules()
    assert (rule.merchant_key, rule.direction, rule.category) == (key, direction, "Groceries")
    assert _row(store, first_id)["category"] == "Travel"  # the hand-set row kept its category
    by_source = {tid: (c, s) for tid, c, s in store.merchant_rows(key, direction)}
    assert all(c == "Groceries" for tid, (c, s) in by_source.items() if tid != first_id)
    assert sum(1 for c, s in by_source.values() if s == CategorySource.RULE.value) == expected_changes
    assert any("Rule saved" in t for t in texts(review.success))


def test_rules_are_listed_and_can_be_removed(review: AppTest, store: Store) -> None:
    review = _show_all(review)  # the queue holds few repeated merchants; all rows have them
    position, _transaction_id = _position_of_repeated_merchant(review, store)
    _edit(review, position, "Health")
    review.button(key=state.REVIEW_CREATE_RULE_BUTTON).click().run()
    (rule,) = store.rules()
    assert any(e.label == "Your rules (1)" for e in review.expander)

    review.selectbox(key=state.REVIEW_RULE_CHOICE).set_value(rule.id).run()
    review.button(key=state.REVIEW_REMOVE_RULE_BUTTON).click().run()

    assert store.rules() == []
    assert any("Rule removed" in t for t in texts(review.success))


def test_one_page_of_review_has_one_bulk_button(review: AppTest) -> None:
    assert review.session_state[state.REVIEW_PAGE_IDS]
    assert not [b for b in review.button if b.key == state.REVIEW_MARK_BUTTON]
    assert review.button(key=state.REVIEW_MARK_ALL_BUTTON).label.startswith("Accept all")


def test_search_and_filters_narrow_the_grid(review: AppTest, store: Store) -> None:
    review = _show_all(review)
    review.text_input(key=state.REVIEW_SEARCH).set_value("UBER").run()
    shown = review.data_editor[0].value
    assert len(shown) > 0
    assert shown["description"].str.upper().str.contains("UBER").all()

    review.text_input(key=state.REVIEW_SEARCH).set_value("").run()
    account = store.accounts()[0]
    review.multiselect(key=state.REVIEW_ACCOUNTS).set_value([account]).run()
    assert set(review.data_editor[0].value["account"]) == {account}

    review.selectbox(key=state.REVIEW_MONTH).set_value("2026-05").run()
    dates = review.data_editor[0].value["date"]
    assert all(d.year == 2026 and d.month == 5 for d in dates)


def test_an_empty_ledger_says_what_to_do(open_page) -> None:
    at = open_page("review")
    assert any("No transactions yet" in t for t in texts(at.info))
    assert not at.data_editor


def test_the_grid_shows_the_payee_and_foreign_spend_beside_the_raw_text(open_page, store: Store) -> None:
    seed_foreign_spend(store)
    shown = open_page("review").data_editor[0].value
    assert shown.at["t-hotel", "merchant"] == "Hotel Bristol"
    assert shown.at["t-hotel", "description"] == "HTL BRISTOL LDN 4471"  # the raw text, as it was
    assert shown.at["t-hotel", "original"] == "-8.00 GBP"
    assert shown.at["t-hotel", "amount"] == Decimal("-9.40")
    assert shown.at["t-ramen", "amount"] == Decimal("-1200") and pd.isna(shown.at["t-ramen", "original"])


def test_accept_all_shown_confirms_every_categorized_listed_row(review: AppTest, store: Store) -> None:
    frame = store.transactions_frame()
    queued = list(frame[ledger_review_reasons(store, frame) != ""].index)
    assert queued
    accept = review.button(key=state.REVIEW_MARK_ALL_BUTTON)
    assert accept.label == f"Accept all {len(queued):,} shown"
    has_category = frame.loc[queued, "category"].map(lambda c: isinstance(c, str))

    accept.click().run()

    after = store.transactions_frame(TransactionFilter(ids=queued))
    assert after.loc[has_category[has_category].index, "reviewed"].all()
    waiting = list(has_category[~has_category].index)  # no category: nothing to confirm
    assert not after.loc[waiting, "reviewed"].any()
    assert set(review.session_state[state.REVIEW_PAGE_IDS]) == set(waiting)


def test_the_grid_says_how_each_category_was_decided(review: AppTest) -> None:
    review = _show_all(review)
    shown = review.data_editor[0].value
    built_in = shown[shown["source"] == "built-in"]
    assert len(built_in) and built_in["how"].str.startswith("built-in rule: ").all()


def test_a_correction_leaves_the_queue_of_a_new_session_at_once(review: AppTest, store: Store) -> None:
    first_ids = list(review.session_state[state.REVIEW_PAGE_IDS])
    corrected = first_ids[0]
    _edit(review, 0, "Shopping")
    # This session keeps its list while the user works through it: the row stays, recategorized.
    assert corrected in review.session_state[state.REVIEW_PAGE_IDS]

    other = AppTest.from_file(str(ENTRYPOINT), default_timeout=TIMEOUT_S)  # a new tab, or a reload
    other.run()
    other.switch_page(page_path("review")).run()
    assert not other.exception, [e.value for e in other.exception]
    assert corrected not in other.session_state[state.REVIEW_PAGE_IDS]
    assert len(other.session_state[state.REVIEW_PAGE_IDS]) == len(first_ids) - 1
    left = len(first_ids) - 1
    said = f"{left:,} transaction needs review" if left == 1 else f"{left:,} transactions need review"
    assert any(said in c.value for c in other.caption)


def test_the_store_revision_never_goes_back_after_deleting_everything(store: Store) -> None:
    before = int(store.revision())
    store.delete_everything()
    assert int(store.revision()) > before


def test_a_page_of_yen_alone_shows_no_decimals(open_page, store: Store) -> None:
    ramen = Transaction(
        id="t-ramen",
        account="Card",
        date=dt.date(2024, 3, 5),
        description="ICHIRAN SHIBUYA 0042",
        amount=Decimal("-1200"),
        currency="JPY",
        source=RowSource(file_sha256="q" * 64, row=1),
    )
    store.commit_import(ImportRecord("q" * 64, "q.csv", "test", "Card", 1), [ramen])
    at = open_page("review")
    grid = str(at.data_editor[0].proto)  # the column config travels as JSON inside the proto
    assert "%.0f" in grid and "%.2f" not in grid


def _uncategorized(store: Store, count: int) -> None:
    """`count` uncategorized rows (all in the queue), a few per day so ties are broken by id."""
    rows = [
        Transaction(
            id=f"t-{n:04d}",
            account="Card",
            date=dt.date(2025, 1, 1) + dt.timedelta(days=n // 3),
            description=f"KIOSK {n % 37} LANE {n}",
            amount=Decimal(-(n % 90) - 1),
            currency="USD",
            source=RowSource(file_sha256="k" * 64, row=n + 1),
        )
        for n in range(count)
    ]
    store.commit_import(ImportRecord("k" * 64, "k.csv", "test", "Card", count), rows)


def test_page_two_shows_the_next_rows_and_a_corrected_row_keeps_its_place(open_page, store: Store) -> None:
    from app.categorize.review_queue import QueueSelection, queue_ids

    _uncategorized(store, 450)
    order = queue_ids(store, QueueSelection())
    at = open_page("review")
    assert at.session_state[state.REVIEW_PAGE_IDS] == order[:200]
    assert any("450 transactions need review" in t for t in texts(at.caption))
    assert at.button(key=state.REVIEW_MARK_ALL_BUTTON).label == "Accept all 450 shown"

    _edit(at, 5, "Shopping")  # corrected: it leaves the queue, but not this session's page
    assert at.session_state[state.REVIEW_PAGE_IDS] == order[:200]
    assert at.data_editor[0].value.at[order[5], "category"] == "Shopping"

    at.session_state[f"{state.REVIEW_PAGE}_3_{NEEDS_REVIEW}"] = 2
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state[state.REVIEW_PAGE_IDS] == order[200:400]  # no row skipped by the correction

    at.session_state[f"{state.REVIEW_PAGE}_3_{NEEDS_REVIEW}"] = 1
    at.run()
    assert at.session_state[state.REVIEW_PAGE_IDS] == order[:200]  # the corrected row, still in place

    at.button(key=state.REVIEW_REFRESH_BUTTON).click().run()
    assert order[5] not in at.session_state[state.REVIEW_PAGE_IDS]
    assert any("449 transactions need review" in t for t in texts(at.caption))
