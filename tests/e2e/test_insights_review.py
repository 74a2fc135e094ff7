"""Insights and Review in a real browser with two currencies: switching Insights to the other
currency, the Review grid at a laptop's and a phone's width, and both pages in the light and
the dark theme (screenshots under tests/e2e/artifacts/), with nothing requested from elsewhere."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import VIEWPORT, exception_messages, screenshot, wait_for_app
from tests.e2e.conftest import AppSession
from tests.e2e.grid import column_names
from tests.e2e.navigation import open_page
from tests.e2e.widgets import choose_option, choose_segment, plotly_charts

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SETTLE_MS = 600  # the grid redraws at the new width
PHONE_COLUMNS = ("Date", "Merchant", "Amount", "Category")


def _shots(page: Page, artifacts: Path, name: str, again: Callable[[], None]) -> None:
    """Light and dark, at the desktop width and a phone's. `again` restores the page's choices
    after the reload the theme switch needs (a reload is a new session)."""
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
        page.reload()
        wait_for_app(page)
        again()
        screenshot(page, artifacts, f"{name}-{scheme}")
        screenshot(page, artifacts, f"{name}-390px-{scheme}", width=PHONE["width"])
    page.emulate_media(color_scheme="light")


def _shown_columns(page: Page) -> list[str]:
    """The grid's headers glide draws at this width (its mirror holds the visible ones)."""
    page.wait_for_timeout(SETTLE_MS)
    grid = page.get_by_test_id("stMain").get_by_test_id("stDataFrame").first
    return [name.replace("✏️", "").strip() for name in column_names(grid)]


def test_insights_switches_currency_and_review_fits_a_laptop_and_a_phone(
    app: AppSession, artifacts: Path
) -> None:
    page = app.page
    page.goto(app.server.url)
    wait_for_app(page)
    open_page(page, "Import")
    page.get_by_role("button", name="Try with sample data").click()
    wait_for_app(page)

    open_page(page, "Insights")
    choose_option(page, "Period", "All time")
    wait_for_app(page)
    main = page.get_by_test_id("stMain")

    def all_time_in_euros() -> None:
        choose_option(page, "Period", "All time")
        wait_for_app(page)
        choose_segment(page, "EUR")
        wait_for_app(page)

    expect(main.get_by_role("heading", name="Every currency")).to_be_visible()
    spending = main.get_by_test_id("stMetric").filter(has_text="Spending").first
    expect(spending).to_contain_text("$")
    assert not main.get_by_text(re.compile(r"vs \d{2} \w{3} \d{4}")).count(), "All time compares with nothing"
    choose_segment(page, "EUR")
    wait_for_app(page)
    expect(spending).to_contain_text("€")
    charts = plotly_charts(page)
    assert [chart.title for chart in charts if not chart.has_data] == []
    assert exception_messages(page) == []
    _shots(page, artifacts, "insights", all_time_in_euros)

    open_page(page, "Review")
    page.set_viewport_size(LAPTOP)  # type: ignore[arg-type]
    laptop = _shown_columns(page)
    assert "On your statement" in laptop, laptop
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    # A phone's browser names itself in its User-Agent and Review starts with compact columns;
    # this desktop Chromium does not, so switch them on as a person would.
    page.get_by_test_id("stMain").get_by_text("Compact columns", exact=True).click()
    wait_for_app(page)
    phone = _shown_columns(page)
    assert all(name in phone for name in PHONE_COLUMNS), phone
    page.get_by_test_id("stMain").get_by_text("Compact columns", exact=True).click()  # back to full
    wait_for_app(page)
    page.set_viewport_size(VIEWPORT)  # type: ignore[arg-type]
    assert exception_messages(page) == []
    _shots(page, artifacts, "review", lambda: None)
    app.assert_stayed_local()
