"""The user's own history: a merchant they categorized by hand, always the same way, keeps
that category on its new rows; one they categorized two ways, or the other direction, does not."""

from __future__ import annotations

from app.categorize.pipeline import categorize_pending
from app.settings import Settings
from app.store import Store
from tests.integration.categorize_support import rows_for, seed, state

HISTORY_REASON = "as you categorized this merchant before"


def test_new_rows_of_a_merchant_the_user_categorized_one_way_take_that_category(
    store: Store, settings: Settings
) -> None:
    first = seed(
        store,
        rows_for(["QUILONDA BRIXWELL", "VARNOXLE STRAD"], repeats=2),
        file_tag="a",
    )
    quil, varn = first[:2], first[2:]  # rows_for lists each merchant's repeats together
    store.set_user_category(quil, "Dining")
    store.set_user_category(varn[:1], "Shopping")
    store.set_user_category(varn[1:], "Entertainment")  # two ways: no history to follow

    later = seed(
        store,
        rows_for(["QUILONDA BRIXWELL", "VARNOXLE STRAD"], month=4)
        + rows_for(["QUILONDA BRIXWELL"], amount="25.00", month=4),  # money in: not what was set
        file_tag="b",
    )
    categorize_pending(store, Settings(**(settings.model_dump() | {"offline": True})))

    rows = state(store)
    quil_later, varn_later, quil_refund = (rows[tid] for tid in later)
    assert (quil_later.category, quil_later.reason) == ("Dining", HISTORY_REASON)
    assert varn_later.reason != HISTORY_REASON
    assert quil_refund.reason != HISTORY_REASON
    # What the user set stays as they set it.
    assert {rows[tid].category for tid in quil} == {"Dining"}
    assert [rows[tid].category for tid in varn] == ["Shopping", "Entertainment"]
