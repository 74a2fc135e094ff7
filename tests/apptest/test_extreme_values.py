"""Every page renders a store holding dates at the ends of the calendar and huge amounts.

The rows are written straight into the store (the importer now refuses them): a 9999-12-31 row
used to break the first page, Insights and Export; 0001-01-01 and a 32-digit amount broke the
HTML report. The largest amount is now the store's: 2**63 - 1 cents.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from streamlit.testing.v1 import AppTest

from app.store import Store
from components import filters, state
from components.formatting import money
from tests.apptest.conftest import ENTRYPOINT, TIMEOUT_S, page_path
from tests.support.extreme_ledgers import EARLIEST, HUGE_AMOUNT, LATEST, store_rows

PAGES = ("import_page", "review", "insights", "recurring", "export", "settings")
EVERYDAY = (dt.date(2024, 3, 5), "WHOLEFDS MKT", Decimal("-12.50"), "USD")

LEDGERS = {
    "latest-date": [(LATEST, "TIME TRAVEL AGENCY", Decimal("-42.00"), "USD"), EVERYDAY],
    "earliest-date": [(EARLIEST, "ANCIENT MARKET", Decimal("-7.00"), "USD"), EVERYDAY],
    "huge-amount": [(dt.date(2024, 3, 4), "BIG SPENDER", HUGE_AMOUNT, "USD"), EVERYDAY],
    "all-of-them": [
        (LATEST, "TIME TRAVEL AGENCY", Decimal("-42.00"), "USD"),
        (EARLIEST, "ANCIENT MARKET", Decimal("-7.00"), "EUR"),
        (dt.date(2024, 3, 4), "BIG SPENDER", HUGE_AMOUNT, "USD"),
        EVERYDAY,
    ],
}


def _no_exception(at: AppTest, where: str) -> None:
    assert not at.exception, (where, [e.value for e in at.exception])


@pytest.mark.parametrize("ledger", sorted(LEDGERS))
@pytest.mark.parametrize("period", [filters.DEFAULT_PERIOD, filters.ALL_TIME, filters.LATEST_MONTH])
def test_every_page_renders_an_extreme_ledger(store: Store, ledger: str, period: str) -> None:
    store_rows(store, LEDGERS[ledger])
    at = AppTest.from_file(str(ENTRYPOINT), default_timeout=TIMEOUT_S)
    at.run()  # the first page: Insights, for a ledger with transactions
    _no_exception(at, "first page")
    for page in PAGES:
        at.switch_page(page_path(page)).run()
        _no_exception(at, page)
        if page in ("insights", "export"):
            at.selectbox(key=f"{state.FILTER_DATES}_choice").set_value(period).run()
            _no_exception(at, f"{page}, {period}")
        if page == "export":
            for button in at.download_button:
                button.click().run()
                _no_exception(at, f"export {button.key}, {period}")


def test_insights_shows_a_spending_past_int64_to_the_cent(store: Store) -> None:
    store_rows(store, LEDGERS["huge-amount"])
    at = AppTest.from_file(str(ENTRYPOINT), default_timeout=TIMEOUT_S)
    at.run()
    at.switch_page(page_path("insights")).run()
    _no_exception(at, "insights")
    shown = {m.label: m.value for m in at.metric}
    # Every digit: 2**63 - 1 cents plus 1,250 passes int64, where numpy would wrap to a negative.
    assert shown["Spending"] == "$92,233,720,368,547,770.57"
    assert shown["Spending"] == money(Decimal("92233720368547770.57"), "USD")
