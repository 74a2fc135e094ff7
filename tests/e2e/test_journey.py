"""The user journey of issues 4 and 10, in a real browser against a real server and a stand-in Parallax.

Upload three statements (two in dollars, one in euros) → import → categorize (the fake answers)
→ correct one transaction on Review and apply it to its merchant → Insights draws charts →
download the CSV and the HTML report and check both → Recurring lists the subscriptions with
their annual cost → remove one import and see its rows gone → switch Insights to the other
currency. The browser must never contact anything but the dashboard itself.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import SAMPLE_DATA
from tests.e2e.browser import exception_messages, screenshot, wait_for_app
from tests.e2e.conftest import AppSession
from tests.e2e.exports import check_csv_is_formula_safe, check_html_is_self_contained, csv_rows
from tests.e2e.grid import cell, column_index, edit_selectbox_cell, whole_column, whole_columns
from tests.e2e.navigation import open_page
from tests.e2e.widgets import choose_option, choose_segment, plotly_charts, search_box
from tests.support.fake_parallax import FakeParallax

pytestmark = pytest.mark.e2e

STATEMENTS = ("chase_credit_card.csv", "amex_gold.csv", "dkb_girokonto.csv")
# A merchant with several rows in the Chase file and in DKB's (one merchant in two currencies),
# and the category the user prefers for it.
MERCHANT_SEARCH = "SPOTIFY"
# Subscriptions and their yearly cost, worked out by hand from the sample files: Chase's Netflix
# charges 15.49 every month (185.88 a year), DKB's 13.99 (167.88 a year).
SUBSCRIPTIONS = {"NETFLIX": {"$185.88", "€167.88"}}
# The import the journey takes back, and a merchant only that file holds.
REMOVED_FILE = "amex_gold.csv"
REMOVED_ONLY_MERCHANT = "UBER EATS"
CORRECTED_CATEGORY = "Entertainment"
CATEGORIZE_TIMEOUT_MS = 180_000


def upload_statements(page: Page, paths: list[Path]) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_test_id("stFileUploaderDropzone").click()
    chooser.value.set_files([str(p) for p in paths])
    wait_for_app(page)
    # Each file gets its own card, headed by its name, once the page has read it.
    for path in paths:
        expect(page.get_by_role("heading", name=re.compile(re.escape(path.name)))).to_be_visible()


def import_and_categorize(app: AppSession, fake: FakeParallax, artifacts: Path) -> None:
    page = app.page
    open_page(page, "Import")
    screenshot(page, artifacts, "01-import-empty")

    upload_statements(page, [SAMPLE_DATA / name for name in STATEMENTS])
    assert exception_messages(page) == []
    screenshot(page, artifacts, "02-import-files-previewed")

    page.get_by_role("button", name="Import", exact=True).click()
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    for name in STATEMENTS:
        expect(
            main.get_by_text(re.compile(rf"{re.escape(name)}: [\d,]+ new transactions? stored"))
        ).to_be_visible()

    # Categorization starts by itself after an import; the status box reports when it ends.
    expect(main.get_by_text(re.compile(r"Categorization finished"))).to_be_visible(
        timeout=CATEGORIZE_TIMEOUT_MS
    )
    wait_for_app(page)
    expect(main.get_by_text(re.compile(r"Categorization (stopped|cancelled)"))).to_have_count(0)
    assert fake.chat_requests(), "categorization finished without asking the model endpoint"
    assert exception_messages(page) == []
    screenshot(page, artifacts, "03-import-categorized")


def correct_merchant_on_review(app: AppSession, artifacts: Path) -> int:
    """Correct one row of the merchant, apply it to all of them; returns how many rows changed."""
    page = app.page
    open_page(page, "Review")
    # A confident built-in answer stays out of the review queue, so the merchant is found in all rows.
    choose_segment(page, "All transactions")
    search_box(page, "Search").fill(MERCHANT_SEARCH)
    page.keyboard.press("Enter")
    wait_for_app(page)

    grid = page.get_by_test_id("stDataFrame").first
    description_col = column_index(grid, "On your statement")
    category_col = column_index(grid, "Category")
    descriptions = whole_column(page, grid, description_col)
    assert descriptions and all(MERCHANT_SEARCH in d.upper() for d in descriptions), descriptions
    assert len(descriptions) > 1, "the journey needs a merchant with several rows"
    before = cell(grid, category_col, 0).inner_text().strip()
    assert before != CORRECTED_CATEGORY, "pick a correction that differs from the model's answer"
    screenshot(page, artifacts, "04-review-needs-review")

    edit_selectbox_cell(page, grid, category_col, 0, CORRECTED_CATEGORY)
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text(re.compile(r"Saved 1 change"))).to_be_visible()
    apply_all = page.get_by_role("button", name=re.compile(r"^Apply to all [\d,]+ transactions"))
    expect(apply_all).to_be_visible()
    label = apply_all.inner_text()
    count = re.search(r"Apply to all ([\d,]+)", label)
    assert count is not None, label
    merchant_rows = int(count.group(1).replace(",", ""))
    screenshot(page, artifacts, "05-review-corrected-one")

    apply_all.click()
    wait_for_app(page)
    expect(
        main.get_by_text(re.compile(rf"Set {merchant_rows} transactions .* to {CORRECTED_CATEGORY}"))
    ).to_be_visible()

    # The full list shows the correction on every row of the merchant...
    grid = page.get_by_test_id("stDataFrame").first
    shown = whole_columns(page, grid, [column_index(grid, "Category"), column_index(grid, "Set by")])
    assert shown == [(CORRECTED_CATEGORY, "you")] * merchant_rows
    # ...and, all now the user's decision, none of them is in the review queue.
    choose_segment(page, "Needs review")
    expect(main.get_by_text(re.compile(r"Nothing needs review for these filters"))).to_be_visible()
    assert exception_messages(page) == []
    screenshot(page, artifacts, "06-review-applied-to-merchant")
    return merchant_rows


def check_insights(app: AppSession, artifacts: Path) -> None:
    page = app.page
    open_page(page, "Insights")
    charts = plotly_charts(page)
    assert len(charts) >= 3, f"expected several charts on Insights, found {len(charts)}"
    empty = [chart.title for chart in charts if not chart.has_data]
    assert empty == [], f"charts drawn without data: {empty}"
    assert exception_messages(page) == []
    screenshot(page, artifacts, "07-insights")


def check_exports(app: AppSession, artifacts: Path, download_dir: Path, merchant_rows: int) -> None:
    page = app.page
    open_page(page, "Export")
    choose_option(page, "Period", "All time")
    wait_for_app(page)
    screenshot(page, artifacts, "08-export")

    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Download CSV").click()
    csv_path = download_dir / csv_download.value.suggested_filename
    csv_download.value.save_as(csv_path)
    rows = csv_rows(csv_path.read_bytes())
    merchant = [row for row in rows if MERCHANT_SEARCH in row["description"].upper()]
    assert len(merchant) == merchant_rows
    assert {(row["category"], row["source"]) for row in merchant} == {(CORRECTED_CATEGORY, "user")}
    check_csv_is_formula_safe(rows)
    # The Chase sample carries a HYPERLINK formula as a description: it must arrive defused.
    assert any(row["description"].startswith("'=HYPERLINK") for row in rows)

    with page.expect_download() as html_download:
        page.get_by_role("button", name="Download HTML report").click()
    html_path = download_dir / html_download.value.suggested_filename
    html_download.value.save_as(html_path)
    html = html_path.read_text(encoding="utf-8")
    check_html_is_self_contained(html)
    assert CORRECTED_CATEGORY in html
    assert exception_messages(page) == []


def check_recurring(app: AppSession, artifacts: Path) -> None:
    page = app.page
    open_page(page, "Recurring")
    main = page.get_by_test_id("stMain")
    for currency in ("USD", "EUR"):
        expect(main.get_by_text(f"Recurring per year ({currency})")).to_be_visible()
    grid = main.get_by_test_id("stDataFrame").first
    shown = whole_columns(page, grid, [column_index(grid, "Merchant"), column_index(grid, "Per year")])
    for merchant, costs in SUBSCRIPTIONS.items():
        assert {cost for name, cost in shown if merchant in name.upper()} == costs, shown
    assert exception_messages(page) == []
    screenshot(page, artifacts, "10-recurring")


def remove_one_import(app: AppSession, artifacts: Path) -> None:
    """Take one file back on the Import page: previewed, removed, and its rows gone everywhere."""
    page = app.page
    open_page(page, "Import")
    main = page.get_by_test_id("stMain")
    main.get_by_text(re.compile(r"^Imported files \(3\)")).click()
    combobox = main.get_by_role("combobox", name="Remove an import", exact=True)
    # On a loaded machine the first click can land while the expander is still opening and
    # open no list: click until the choices show, then filter them by typing.
    for _attempt in range(3):
        combobox.click()
        try:
            expect(page.get_by_role("option").first).to_be_visible(timeout=5_000)
            break
        except AssertionError:
            continue
    page.keyboard.type(REMOVED_FILE)  # the choices filter as one types, as in every select box
    # Enter before the filtered list is drawn would pick nothing: click the choice once it shows.
    choice = page.get_by_role("option").filter(has_text=REMOVED_FILE)
    expect(choice).to_have_count(1)
    choice.click()
    wait_for_app(page)
    expect(combobox).to_have_value(re.compile(rf"^\d+: {re.escape(REMOVED_FILE)} "))
    preview = main.get_by_text(re.compile(rf"Removes ([\d,]+) transactions of {re.escape(REMOVED_FILE)}"))
    expect(preview).to_be_visible()
    found = re.search(r"Removes ([\d,]+)", preview.inner_text())
    assert found is not None
    removed = int(found.group(1).replace(",", ""))
    assert removed > 0
    screenshot(page, artifacts, "11-import-removal-previewed")

    main.get_by_role("button", name="Remove this import").click()
    wait_for_app(page)
    expect(page.get_by_text(f"Removed {REMOVED_FILE}: {removed:,} transactions.")).to_be_visible()
    remaining = main.get_by_text(re.compile(r"^Imported files \(2\)"))
    expect(remaining).to_be_visible()
    remaining.click()  # the list folds after a removal; its change log keeps the record
    expect(
        main.get_by_text(re.compile(rf"removed {re.escape(REMOVED_FILE)} \({removed:,} rows\)"))
    ).to_be_visible()
    assert exception_messages(page) == []
    screenshot(page, artifacts, "12-import-removed")

    # Its rows are gone from the ledger: Review's full list finds none of its merchant.
    open_page(page, "Review")
    choose_segment(page, "All transactions")
    search_box(page, "Search").fill(REMOVED_ONLY_MERCHANT)
    page.keyboard.press("Enter")
    wait_for_app(page)
    expect(main.get_by_text("No transactions match these filters")).to_be_visible()
    search_box(page, "Search").fill("")
    page.keyboard.press("Enter")
    wait_for_app(page)


def switch_insights_currency(app: AppSession, artifacts: Path) -> None:
    page = app.page
    open_page(page, "Insights")
    main = page.get_by_test_id("stMain")
    currencies = main.get_by_role("radiogroup", name="Currency")
    shown = currencies.get_by_role("radio", checked=True).inner_text().strip()
    other = next(code for code in ("EUR", "USD") if code != shown)
    expect(main.get_by_text(f"{shown} · shown above")).to_be_visible()
    choose_segment(page, other)
    expect(main.get_by_text(f"{other} · shown above")).to_be_visible()
    expect(main.get_by_text(f"{shown} · shown above")).to_have_count(0)
    charts = plotly_charts(page)
    assert [chart.title for chart in charts if not chart.has_data] == []
    assert exception_messages(page) == []
    screenshot(page, artifacts, f"13-insights-{other.lower()}")


def test_upload_categorize_correct_see_insights_and_export(
    app: AppSession, fake_parallax: FakeParallax, artifacts: Path, tmp_path: Path
) -> None:
    page = app.page
    page.goto(app.server.url)
    wait_for_app(page)

    import_and_categorize(app, fake_parallax, artifacts)
    merchant_rows = correct_merchant_on_review(app, artifacts)
    check_insights(app, artifacts)
    check_exports(app, artifacts, tmp_path, merchant_rows)

    # Every page was checked for error boxes on the way; Settings closes the tour.
    open_page(page, "Settings")
    assert exception_messages(page) == []
    screenshot(page, artifacts, "09-settings")

    check_recurring(app, artifacts)
    remove_one_import(app, artifacts)
    switch_insights_currency(app, artifacts)
    app.assert_stayed_local()
