"""Navigation smoke test: every page of the dashboard renders in a real browser, offline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import exception_messages, screenshot, wait_for_app
from tests.e2e.conftest import AppSession

pytestmark = pytest.mark.e2e


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.casefold()).strip("-")


def test_every_page_renders_without_an_exception(app: AppSession, artifacts: Path) -> None:
    page = app.page
    page.goto(app.server.url)
    wait_for_app(page)
    expect(page.get_by_test_id("stApp")).to_be_visible()

    nav_links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    labels = [text.strip() for text in nav_links.all_inner_texts()]
    visited: dict[str, list[str]] = {}
    for label in labels or ["home"]:
        if labels:
            nav_links.filter(has_text=label).first.click()
            wait_for_app(page)
        visited[label] = exception_messages(page)
        screenshot(page, artifacts, f"smoke-{_slug(label)}")

    assert {label: errors for label, errors in visited.items() if errors} == {}
    app.assert_stayed_local()
