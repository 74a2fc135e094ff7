"""Moving between the dashboard's pages the way a person does: the sidebar navigation."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.browser import wait_for_app

# The st.navigation titles in app/main.py, in sidebar order.
PAGES = ("Import", "Review", "Insights", "Recurring", "Export", "Settings")


def open_page(page: Page, title: str) -> None:
    """Click `title` in the sidebar and wait until that page has finished its run."""
    link = page.get_by_test_id("stSidebarNav").get_by_role("link", name=title)
    link.click()
    expect(link).to_have_attribute("aria-current", "page")
    wait_for_app(page)
