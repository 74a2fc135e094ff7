"""Review's transfers: the matched pairs with the other side's account and date, and "Not a transfer"."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from app.store import Store
from app.transfer_ledger import pair_count, transfer_pairs
from components import state
from tests.apptest.conftest import texts


def _unpair_buttons(at: AppTest) -> list[object]:
    return [b for b in at.button if str(b.key).startswith(state.REVIEW_UNPAIR_PREFIX)]


def test_review_lists_the_pairs_with_the_other_side_and_unpairs_one(open_page, seed, store: Store) -> None:
    seed("bofa_checking.csv", "chase_credit_card.csv")
    assert pair_count(store) == 6  # BofA pays the Chase card every month
    at: AppTest = open_page("review")
    [panel] = [e for e in at.expander if "Transfers between your accounts" in e.label]
    assert "6 pairs" in panel.label
    shown = " ".join(texts(panel.markdown))
    newest = transfer_pairs(store)[0]
    assert "Bank of America checking" in shown and "Chase credit card" in shown
    assert "24 Aug 2026" in shown  # the newest payment's date, on both sides
    assert len(_unpair_buttons(at)) == 6

    at.button(key=f"{state.REVIEW_UNPAIR_PREFIX}_{newest.outflow.id}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert pair_count(store) == 5
    assert newest.outflow.id not in {p.outflow.id for p in transfer_pairs(store)}
    assert any("Unpaired" in str(s.value) for s in at.success)
    [panel] = [e for e in at.expander if "Transfers between your accounts" in e.label]
    assert "5 pairs" in panel.label and len(_unpair_buttons(at)) == 5
