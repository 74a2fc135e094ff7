"""Smoke tests in a real browser: every page renders, and the connection test reaches the fake."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import exception_messages, screenshot, wait_for_app
from tests.e2e.conftest import AppSession
from tests.e2e.navigation import PAGES, open_page
from tests.support.fake_parallax import FakeParallax

pytestmark = pytest.mark.e2e


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.casefold()).strip("-")


def test_every_page_renders_without_an_exception(app: AppSession, artifacts: Path) -> None:
    page = app.page
    page.goto(app.server.url)
    wait_for_app(page)

    nav = page.get_by_test_id("stSidebarNav")
    for label in PAGES:
        expect(nav.get_by_role("link", name=label)).to_be_visible()

    errors_by_page: dict[str, list[str]] = {}
    for label in PAGES:
        open_page(page, label)
        expect(page.get_by_test_id("stMain")).not_to_be_empty()
        errors_by_page[label] = exception_messages(page)
        screenshot(page, artifacts, f"smoke-empty-{_slug(label)}")

    assert {label: errors for label, errors in errors_by_page.items() if errors} == {}
    app.assert_stayed_local()


def test_test_connection_shows_the_clusters_model_and_capacity(
    app: AppSession, fake_parallax: FakeParallax, artifacts: Path
) -> None:
    page = app.page
    page.goto(app.server.url)
    wait_for_app(page)
    open_page(page, "Settings")
    probes_before = len(fake_parallax.requests())

    page.get_by_role("button", name="Test connection").click()
    wait_for_app(page)

    main = page.get_by_test_id("stMain")
    expect(main.get_by_test_id("stAlert").filter(has_text="Connected")).to_be_visible()
    expect(main.get_by_text(fake_parallax.config.model_name or "", exact=True)).to_be_visible()
    capacity = f"{fake_parallax.config.max_running_request} concurrent requests"
    expect(main.get_by_text(capacity, exact=True)).to_be_visible()
    screenshot(page, artifacts, "settings-test-connection")

    # The dashboard's server asked the fake, not the browser: the browser stayed on the app.
    assert len(fake_parallax.requests()) > probes_before
    assert exception_messages(page) == []
    app.assert_stayed_local()
