"""Recurring page: series, totals per currency, price rises, new this month, dismiss and undo."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.recurring_ledger import recurring_report
from app.store import Store
from components import state
from tests.apptest.conftest import texts
from tests.support.recurring_ledger import seed_recurring


@pytest.fixture
def page(store: Store, open_page) -> AppTest:
    seed_recurring(store)
    return open_page("recurring")


def _table(at: AppTest, heading: str) -> list[dict[str, object]]:
    """The table under the subheader that starts with `heading` (each table has one, in order)."""
    headings = [h.value for h in at.subheader if not h.value.startswith("Timeline")]
    tables = dict(zip(headings, at.dataframe, strict=True))
    return next(t.value for h, t in tables.items() if h.startswith(heading)).to_dict("records")


def _merchants(at: AppTest, key: str) -> list[str]:
    return [str(row["Merchant"]) for row in _table(at, key)]


def test_active_and_ended_series_with_their_costs(page: AppTest) -> None:
    active = {row["Merchant"]: row for row in _table(page, "Active")}
    assert set(active) == {
        "OAKWOOD APTS WEB PMT",
        "TRANSFER TO SAVINGS",
        "TUNEBOX PREMIUM",
        "CLOUDNOTES",
        "FILMHAUS ABO",
    }
    assert (active["TUNEBOX PREMIUM"]["Per year"], active["TUNEBOX PREMIUM"]["Per month"]) == (
        "$155.88",
        "$12.99",
    )
    assert active["FILMHAUS ABO"]["Per year"] == "€119.88"
    assert "🔺 up from $11.99" in str(active["TUNEBOX PREMIUM"]["Note"])
    assert "new this month" in str(active["CLOUDNOTES"]["Note"])
    assert _merchants(page, "Ended") == ["IRONWORKS GYM"]

    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Recurring per year (USD)"] == "$20,815.36"
    assert metrics["Recurring per month (USD)"] == "$1,734.61"
    assert metrics["Recurring per year (EUR)"] == "€119.88"
    warnings = [w.replace("\\", "") for w in texts(page.warning)]  # shown through md(), escaped
    assert warnings == ["**TUNEBOX PREMIUM** went up from $11.99 to $12.99 on 14 May 2026."]
    assert any("CLOUDNOTES" in i for i in texts(page.info))
    assert len(page.get("plotly_chart")) == 1


def test_not_a_subscription_hides_it_remembers_it_and_can_be_undone(page: AppTest, store: Store) -> None:
    tunebox = next(s for s in recurring_report(store).series if s.merchant == "TUNEBOX PREMIUM")
    page.selectbox(key=state.RECURRING_DISMISS_CHOICE).set_value(tunebox.key)
    page.button(key=state.RECURRING_DISMISS_BUTTON).click().run()
    assert not page.exception, [e.value for e in page.exception]

    assert "TUNEBOX PREMIUM" not in _merchants(page, "Active")
    assert {m.label: m.value for m in page.metric}["Recurring per year (USD)"] == "$20,659.48"
    assert store.dismissed_recurring() == {tunebox.key}  # remembered in the store, for every session

    page.selectbox(key=state.RECURRING_RESTORE_CHOICE).set_value(tunebox.key)
    page.button(key=state.RECURRING_RESTORE_BUTTON).click().run()
    assert "TUNEBOX PREMIUM" in _merchants(page, "Active")
    assert store.dismissed_recurring() == set()


def test_an_empty_ledger_says_where_to_start(open_page) -> None:
    at = open_page("recurring")
    assert [t.value for t in at.title] == ["Recurring"]
    assert any("No transactions yet" in i for i in texts(at.info))
