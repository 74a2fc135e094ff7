"""Transfers in a real browser: two accounts' statements holding a move between them are uploaded,
and Review shows the pair matched (both accounts, both dates), with nothing requested from elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import exception_messages, screenshot, wait_for_app
from tests.e2e.conftest import AppSession
from tests.e2e.navigation import open_page
from tests.e2e.widgets import wait_until_still

pytestmark = pytest.mark.e2e

CATEGORIZE_TIMEOUT_MS = 180_000
HEADER = "Date,Description,Amount,Currency,Balance\n"
# Invented statements: 500.00 leaves the checking account on 2 March and reaches savings on the 3rd.
CHECKING = HEADER + (
    "03/02/2026,ONLINE TRANSFER TO SAVINGS REF 5521,-500.00,USD,2500.00\n"
    "03/05/2026,CORNER GROCER,-82.40,USD,2417.60\n"
    "03/09/2026,CITY POWER CO,-61.15,USD,2356.45\n"
    "03/15/2026,ACME PAYROLL,2400.00,USD,4756.45\n"
    "03/20/2026,CORNER GROCER,-45.10,USD,4711.35\n"
)
SAVINGS = HEADER + (
    "01/31/2026,INTEREST PAID,0.98,USD,10000.00\n"
    "02/03/2026,TRANSFER FROM CHECKING 5520,250.00,USD,10250.00\n"
    "02/28/2026,INTEREST PAID,1.05,USD,10251.05\n"
    "03/03/2026,TRANSFER FROM CHECKING 5521,500.00,USD,10751.05\n"
    "03/31/2026,INTEREST PAID,1.12,USD,10752.17\n"
)


def _upload(page: Page, paths: list[Path]) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_test_id("stFileUploaderDropzone").click()
    chooser.value.set_files([str(p) for p in paths])
    wait_for_app(page)
    for path in paths:
        expect(page.get_by_role("heading", name=re.compile(re.escape(path.name)))).to_be_visible()


def test_two_accounts_with_a_transfer_between_them_show_the_pair_in_review(
    app: AppSession, artifacts: Path, tmp_path: Path
) -> None:
    checking, savings = tmp_path / "everyday_checking.csv", tmp_path / "rainy_day_savings.csv"
    checking.write_text(CHECKING, encoding="utf-8")
    savings.write_text(SAVINGS, encoding="utf-8")
    page = app.page
    page.goto(app.server.url)
    wait_for_app(page)
    open_page(page, "Import")
    _upload(page, [checking, savings])
    page.get_by_role("button", name="Import", exact=True).click()
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    for path in (checking, savings):
        expect(
            main.get_by_text(re.compile(rf"{re.escape(path.name)}: [\d,]+ new transactions? stored"))
        ).to_be_visible()
    expect(main.get_by_text(re.compile(r"Categorization finished"))).to_be_visible(
        timeout=CATEGORIZE_TIMEOUT_MS
    )
    wait_for_app(page)

    open_page(page, "Review")
    panel = main.get_by_test_id("stExpander").filter(has_text="Transfers between your accounts")
    expect(panel).to_contain_text("1 pair")
    panel.get_by_text("Transfers between your accounts").click()
    expect(panel).to_contain_text("from everyday_checking (02 Mar 2026) to rainy_day_savings (03 Mar 2026)")
    expect(panel.get_by_role("button", name="Not a transfer")).to_have_count(1)
    assert exception_messages(page) == []
    wait_until_still(panel)
    screenshot(page, artifacts, "review-transfer-pair")
    app.assert_stayed_local()
