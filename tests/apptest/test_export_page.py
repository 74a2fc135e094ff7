"""Export page: three downloads for the current filters, built on click without a rerun."""

from __future__ import annotations

from app import periods
from app.store import Store, TransactionFilter
from components import filters, state
from tests.apptest.conftest import texts

BUTTONS = {
    "export_csv": "Download CSV",
    "export_xlsx": "Download Excel",
    "export_html": "Download HTML report",
}


def test_three_downloads_for_the_filtered_transactions(open_page, seed, store: Store) -> None:
    seed("chase_credit_card.csv", "bofa_checking.csv")
    at = open_page("export")

    labels = {b.key: b.label for b in at.download_button}
    assert labels == BUTTONS
    period = filters.resolve_period(
        filters.DEFAULT_PERIOD, periods.data_period(store.transactions_frame()), ()
    )
    count = len(store.transactions_frame(TransactionFilter(date_from=period[0], date_to=period[1])))
    assert any(f"Exporting **{count:,} transactions**" in t for t in texts(at.markdown))
    for button in at.download_button:
        assert button.proto.ignore_rerun  # on_click="ignore": a download never reruns the page
    at.download_button(key="export_html").click().run()
    assert not at.exception


def test_the_export_follows_the_account_filter(open_page, seed, store: Store) -> None:
    seed("chase_credit_card.csv", "bofa_checking.csv")
    at = open_page("export")
    at.selectbox(key=f"{state.FILTER_DATES}_choice").set_value(filters.ALL_TIME).run()
    at.multiselect(key=state.FILTER_ACCOUNTS).set_value(["Chase credit card"]).run()
    assert any("Exporting **142 transactions**" in t for t in texts(at.markdown))


def test_an_empty_ledger_has_nothing_to_export(open_page) -> None:
    at = open_page("export")
    assert any("No transactions yet" in t for t in texts(at.info))
    assert not at.download_button
