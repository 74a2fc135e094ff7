"""Every page with the sample data, as a new user sees it: light and dark theme, desktop and phone.

The pictures land in tests/e2e/artifacts/ as `page-theme-width.png` for a person to look at
(cut columns, unreadable labels, overflow); the test itself checks that each page drew without
an error box and that nothing was requested from anywhere but the dashboard.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import VIEWPORT, exception_messages, screenshot, wait_for_app
from tests.e2e.conftest import AppSession
from tests.e2e.navigation import PAGES, open_page

pytestmark = pytest.mark.e2e

THEMES = ("light", "dark")
PHONE_WIDTH = 390
SMALL_DESKTOP_WIDTH = 1280  # the Review grid must fit it without cutting merchant or statement text
WIDTHS = (VIEWPORT["width"], SMALL_DESKTOP_WIDTH, PHONE_WIDTH)
CATEGORIZE_TIMEOUT_MS = 180_000
# Plotly and the grid finish drawing a moment after the script run ends.
DRAW_SETTLE_MS = 600


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.casefold()).strip("-")


def test_every_page_in_light_and_dark_on_desktop_and_phone(app: AppSession, artifacts: Path) -> None:
    page = app.page
    page.goto(app.server.url)
    wait_for_app(page)
    open_page(page, "Import")
    page.get_by_role("button", name="Try with sample data").click()
    wait_for_app(page)
    # Pictures of a settled ledger: the background run has finished with the sample data.
    expect(page.get_by_test_id("stMain").get_by_text(re.compile(r"Categorization finished"))).to_be_visible(
        timeout=CATEGORIZE_TIMEOUT_MS
    )

    errors: dict[str, list[str]] = {}
    for theme in THEMES:
        page.emulate_media(color_scheme=theme)  # type: ignore[arg-type]
        for width in WIDTHS:
            for label in PAGES:
                # Each page is loaded at its width, by its address: on a phone the sidebar starts
                # folded away, as it does for a person opening the dashboard there.
                page.set_viewport_size({"width": width, "height": VIEWPORT["height"]})
                page.goto(f"{app.server.url}/{_slug(label)}")
                wait_for_app(page)
                expect(
                    page.get_by_test_id("stMain").get_by_role("heading", name=label, exact=True)
                ).to_be_visible()
                if label == "Review" and width == PHONE_WIDTH:
                    # A phone's browser says so in its User-Agent and starts compact; this desktop
                    # Chromium does not, so switch as a person would.
                    page.get_by_test_id("stMain").get_by_text("Compact columns", exact=True).click()
                    wait_for_app(page)
                if label == "Import":
                    # A returning user's Import page: the imported-files list opened.
                    page.get_by_test_id("stMain").get_by_text(re.compile(r"^Imported files \(")).click()
                page.wait_for_timeout(DRAW_SETTLE_MS)
                name = f"{_slug(label)}-{theme}-{width}"
                screenshot(page, artifacts, name, width=width)
                errors[name] = exception_messages(page)
    page.emulate_media(color_scheme="light")

    assert {name: found for name, found in errors.items() if found} == {}
    app.assert_stayed_local()
