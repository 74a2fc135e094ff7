"""Recurring in a real browser: the sample data's subscriptions with their annual cost, in the
light and the dark theme and on a phone-sized screen, with nothing requested from elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import VIEWPORT, exception_messages, screenshot, wait_for_app
from tests.e2e.conftest import AppSession
from tests.e2e.grid import column_index, visible_column
from tests.e2e.navigation import open_page
from tests.e2e.widgets import plotly_charts

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
PHONE_SETTLE_MS = 500  # the grid and the chart redraw at the new width
# Written by hand from sample_data/dkb_girokonto.csv: 13.99 every month, 167.88 a year (euro
# series come first, so they are among the rows the grid mirrors without scrolling).
NETFLIX_ANNUAL = "€167.88"


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
    assert [cost for name, cost in shown if "NETFLIX" in name.upper()] == [NETFLIX_ANNUAL], shown
    assert len(plotly_charts(page)) == 1
    assert exception_messages(page) == []
    screenshot(page, artifacts, "recurring-light")

    page.emulate_media(color_scheme="dark")
    page.reload()
    wait_for_app(page)
    expect(main.get_by_text("Recurring per year (USD)")).to_be_visible()
    screenshot(page, artifacts, "recurring-dark")

    # `screenshot` widens a tall page to the desktop width, so the phone shots are the screen itself.
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.wait_for_timeout(PHONE_SETTLE_MS)
    page.screenshot(path=str(artifacts / "recurring-390px-dark.png"))
    page.emulate_media(color_scheme="light")
    page.reload()
    wait_for_app(page)
    page.wait_for_timeout(PHONE_SETTLE_MS)
    page.screenshot(path=str(artifacts / "recurring-390px-light.png"))
    page.set_viewport_size(VIEWPORT)  # type: ignore[arg-type]
    assert exception_messages(page) == []
    app.assert_stayed_local()
