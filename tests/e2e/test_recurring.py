"""Recurring in a real browser: the sample data's subscriptions with their annual cost, in the
light and the dark theme and on a phone-sized screen, with nothing requested from elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import VIEWPORT, exception_messages, screenshot, wait_for_app
from tests.e2e.conftest import AppSession
from tests.e2e.grid import column_index, scrolls_sideways, visible_column
from tests.e2e.navigation import open_page
from tests.e2e.widgets import metric_figures, plotly_charts

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
LAPTOP_WIDTH = 1280  # the narrowest desktop: four cards in one row cut "€17,459.04" short here
PHONE_SETTLE_MS = 500  # the grid and the chart redraw at the new width
# Written by hand from sample_data/dkb_girokonto.csv: 13.99 every month, 167.88 a year, and the
# rent, 1,150.00 a month (euro series come first, so they are among the rows the grid mirrors).
NETFLIX_ANNUAL = "€167.88"
# Each currency's month and year, as money() writes them: the figures the cards must show whole.
FIGURE = re.compile(r"^[€$]\d{1,3}(,\d{3})*\.\d{2}$")


def assert_figures_whole(page: Page, where: str) -> None:
    figures = metric_figures(page)
    assert len(figures) == 4, (where, figures)  # month and year, in euros and in dollars
    assert [f for f in figures if f.cut or not FIGURE.match(f.text)] == [], (where, figures)


def test_recurring_shows_the_sample_subscriptions_in_light_dark_and_on_a_phone(
    app: AppSession, artifacts: Path
) -> None:
    page = app.page
    page.goto(app.server.url)
    wait_for_app(page)
    open_page(page, "Import")
    page.get_by_role("button", name="Try with sample data").click()
    wait_for_app(page)

    open_page(page, "Recurring")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Recurring", exact=True)).to_be_visible()
    expect(main.get_by_text("Recurring per year (USD)")).to_be_visible()
    expect(main.get_by_text("Recurring per year (EUR)")).to_be_visible()
    grid = main.get_by_test_id("stDataFrame").first
    merchants = visible_column(grid, column_index(grid, "Merchant"))
    yearly = visible_column(grid, column_index(grid, "Per year"))
    shown = list(zip(merchants, yearly, strict=True))
    assert ("Netflix", NETFLIX_ANNUAL) in shown, shown
    # The merchant as Review names it, not the key rows are grouped by ("HAUSVERWALTUNG KIEFER").
    assert ("Hausverwaltung Kiefer", "€13,800.00") in shown, shown
    assert len(plotly_charts(page)) == 1
    assert exception_messages(page) == []
    assert_figures_whole(page, "1400 px, light")
    screenshot(page, artifacts, "recurring-light")
    screenshot(page, artifacts, "recurring-1280px-light", width=LAPTOP_WIDTH)
    page.set_viewport_size({"width": LAPTOP_WIDTH, "height": VIEWPORT["height"]})
    page.wait_for_timeout(PHONE_SETTLE_MS)
    assert_figures_whole(page, "1280 px, light")
    assert not scrolls_sideways(grid), "the active series' columns do not fit 1280 px"
    page.set_viewport_size(VIEWPORT)  # type: ignore[arg-type]

    page.emulate_media(color_scheme="dark")
    page.reload()
    wait_for_app(page)
    expect(main.get_by_text("Recurring per year (USD)")).to_be_visible()
    assert_figures_whole(page, "1400 px, dark")
    screenshot(page, artifacts, "recurring-dark")
    screenshot(page, artifacts, "recurring-1280px-dark", width=LAPTOP_WIDTH)

    # `screenshot` widens a tall page to the desktop width, so the phone shots are the screen itself.
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.wait_for_timeout(PHONE_SETTLE_MS)
    assert_figures_whole(page, "390 px, dark")
    page.screenshot(path=str(artifacts / "recurring-390px-dark.png"))
    page.emulate_media(color_scheme="light")
    page.reload()
    wait_for_app(page)
    page.wait_for_timeout(PHONE_SETTLE_MS)
    page.screenshot(path=str(artifacts / "recurring-390px-light.png"))
    screenshot(
        page, artifacts, "recurring-390px-light-page", width=PHONE["width"]
    )  # the tables and chart too
    page.set_viewport_size(VIEWPORT)  # type: ignore[arg-type]
    assert exception_messages(page) == []
    app.assert_stayed_local()
