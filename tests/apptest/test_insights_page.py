"""Insights page: the headline metrics are exactly `app.insights.headline`, charts follow the filters."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app import fx, insights, periods
from app.categorize.taxonomy import load_taxonomy
from app.settings import load_settings, save_settings
from app.store import Store, TransactionFilter
from components import filters, state
from components.formatting import md, money
from tests.apptest.conftest import texts

CHARTS = 5


@pytest.fixture
def dashboard(open_page, seed, categorized) -> AppTest:
    seed("chase_credit_card.csv", "bofa_checking.csv", "amex_gold.csv")
    categorized()
    return open_page("insights")


def _expected(store: Store, *, period_choice: str, include_transfers: bool, accounts=()) -> insights.Headline:
    bounds = periods.data_period(store.transactions_frame())
    period = filters.resolve_period(period_choice, bounds, ())
    previous = periods.previous_period(*period)
    frame = store.transactions_frame(
        TransactionFilter(accounts=accounts, date_from=period[0], date_to=period[1])
    )
    before = store.transactions_frame(
        TransactionFilter(accounts=accounts, date_from=previous[0], date_to=previous[1])
    )
    kinds = {c.name: c.kind for c in load_taxonomy(store).categories}
    return insights.headline(frame, before, period=period, include_transfers=include_transfers, kinds=kinds)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _assert_matches(at: AppTest, head: insights.Headline) -> None:
    shown = _metrics(at)
    code = head.currency
    assert shown["Spending"] == money(head.spending, code)
    assert shown["Income"] == money(head.income, code)
    assert shown["Net"] == money(head.net, code, signed=True)
    assert shown["Average spending per month"] == money(head.avg_spending_per_month, code)
    assert shown["Biggest category"] == head.biggest_category
    assert head.change_vs_previous_pct is not None
    assert shown["Change vs the previous period"] == f"{head.change_vs_previous_pct:+.1f}%"


def test_headline_metrics_equal_the_insights_module(dashboard: AppTest, store: Store) -> None:
    head = _expected(store, period_choice=filters.DEFAULT_PERIOD, include_transfers=False)
    assert head.spending > 0
    _assert_matches(dashboard, head)
    spending = next(m for m in dashboard.metric if m.label == "Spending")
    assert spending.delta == money(head.change_vs_previous, head.currency, signed=True)
    assert len(dashboard.get("plotly_chart")) == CHARTS
    assert any("not counted as spending" in t for t in texts(dashboard.caption))


def test_the_transfers_toggle_and_the_period_change_every_number(dashboard: AppTest, store: Store) -> None:
    dashboard.toggle(key=state.FILTER_INCLUDE_TRANSFERS).set_value(True).run()
    _assert_matches(dashboard, _expected(store, period_choice=filters.DEFAULT_PERIOD, include_transfers=True))

    dashboard.selectbox(key=f"{state.FILTER_DATES}_choice").set_value(filters.LATEST_MONTH).run()
    _assert_matches(dashboard, _expected(store, period_choice=filters.LATEST_MONTH, include_transfers=True))


def test_an_account_filter_applies_to_the_numbers(dashboard: AppTest, store: Store) -> None:
    account = "Chase credit card"
    dashboard.multiselect(key=state.FILTER_ACCOUNTS).set_value([account]).run()
    _assert_matches(
        dashboard,
        _expected(store, period_choice=filters.DEFAULT_PERIOD, include_transfers=False, accounts=(account,)),
    )


def test_filters_persist_to_the_export_page(dashboard: AppTest) -> None:
    dashboard.selectbox(key=f"{state.FILTER_DATES}_choice").set_value(filters.ALL_TIME).run()
    dashboard.switch_page("../components/app_pages/export.py").run()
    assert dashboard.selectbox(key=f"{state.FILTER_DATES}_choice").value == filters.ALL_TIME


def test_an_empty_ledger_says_what_to_do(open_page) -> None:
    at = open_page("insights")
    assert any("No transactions yet" in t for t in texts(at.info))
    assert not at.metric


@pytest.fixture
def two_currencies(open_page, seed, categorized) -> AppTest:
    seed("chase_credit_card.csv", "dkb_girokonto.csv")  # USD and EUR
    categorized()
    at = open_page("insights")
    at.selectbox(key=f"{state.FILTER_DATES}_choice").set_value(filters.ALL_TIME).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _all_time(store: Store, currency: str) -> insights.Headline:
    frame = store.transactions_frame()
    kinds = {c.name: c.kind for c in load_taxonomy(store).categories}
    period = periods.data_period(frame)
    return insights.headline(frame, None, period=period, currency=currency, kinds=kinds)


def test_every_currency_has_its_totals_side_by_side_and_a_selector(
    two_currencies: AppTest, store: Store
) -> None:
    present = insights.currencies(store.transactions_frame())
    assert set(present) == {"USD", "EUR"}
    selector = two_currencies.segmented_control(key=state.INSIGHTS_CURRENCY)
    assert list(selector.options) == present and selector.value == present[0]
    shown = " ".join(texts(two_currencies.markdown))
    for code in present:
        head = _all_time(store, code)
        assert f"**{code}**" in shown
        assert f"Spending {md(money(head.spending, code))}" in shown
        assert f"Net {md(money(head.net, code, signed=True))}" in shown

    other = present[1]
    two_currencies.segmented_control(key=state.INSIGHTS_CURRENCY).set_value(other).run()
    assert not two_currencies.exception
    head = _all_time(store, other)
    assert _metrics(two_currencies)["Spending"] == money(head.spending, other)
    assert _metrics(two_currencies)["Average spending per month"] == money(head.avg_spending_per_month, other)


def test_all_time_has_no_comparison_and_no_sparkline(two_currencies: AppTest) -> None:
    spending = next(m for m in two_currencies.metric if m.label == "Spending")
    assert spending.delta is None or spending.delta == ""
    assert not spending.proto.chart_data
    assert _metrics(two_currencies)["Change vs the previous period"] == "–"
    assert not any(" vs " in t for t in texts(two_currencies.caption))


def test_a_home_currency_total_is_converted_at_the_users_rate_and_says_so(
    two_currencies: AppTest, store: Store
) -> None:
    save_settings(load_settings(), {"exchange_rates": ["EUR=1.25"]})
    st.cache_resource.clear()  # as the Settings page does after saving: every session sees it
    two_currencies.run()
    shown = " ".join(texts(two_currencies.markdown)) + " ".join(texts(two_currencies.caption))
    frame = store.transactions_frame()
    per = {t.currency: t for t in _all_time(store, "USD").per_currency}
    rates = fx.entered_rates({"EUR": "1.25"}, "USD")
    spending = fx.converted_total([(c, t.spending) for c, t in per.items()], "USD", rates)
    assert spending.total == per["USD"].spending + (per["EUR"].spending * D("1.25")).quantize(
        D("0.01"), rounding=ROUND_HALF_UP
    )
    assert f"All currencies in USD, converted:** spending {md(money(spending.total, 'USD'))}" in shown
    assert md("1 EUR = 1.25 USD (your rate)") in shown
    assert not frame.empty
