"""Reading and editing Streamlit's data editor (glide-data-grid) in a real browser.

The grid draws on a canvas, so cells are read through glide's accessibility mirror
(`glide-cell-{col}-{row}`, visible rows only) and edited with the keyboard, as a person would.
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

# Streamlit's default geometry: one header row, then 35 px rows.
ROW_HEIGHT_PX = 35
HEADER_HEIGHT_PX = 35
FIRST_CELL_X_PX = 12
CLICK_ATTEMPTS = 3
CLICK_CHECK_MS = 2_000
STILL_CHECKS = 20
STILL_INTERVAL_MS = 100


def column_names(grid: Locator) -> list[str]:
    headers = grid.locator("th[role='columnheader']")
    expect(headers.first).to_be_attached()
    return [text.strip() for text in headers.all_inner_texts()]


def column_index(grid: Locator, name: str) -> int:
    """The mirror index of the column headed `name`, or of the one header that starts with it
    (headers may carry a marker such as "Category ✏️"). Case-insensitive."""
    names = [n.casefold() for n in column_names(grid)]
    wanted = name.casefold()
    if wanted in names:
        return names.index(wanted)
    starting = [n for n, header in enumerate(names) if header.startswith(wanted)]
    if len(starting) != 1:
        raise AssertionError(f"no single column {name!r} in the grid; columns: {names}")
    return starting[0]


def cell(grid: Locator, col: int, row: int) -> Locator:
    return grid.get_by_test_id(f"glide-cell-{col}-{row}")


def visible_column(grid: Locator, col: int) -> list[str]:
    """Texts of column `col` for the rows glide currently mirrors, in row order."""
    expect(cell(grid, col, 0)).to_be_attached()
    values: list[str] = []
    row = 0
    while cell(grid, col, row).count():
        values.append(cell(grid, col, row).inner_text().strip())
        row += 1
    return values


def selected_cells(grid: Locator) -> Locator:
    return grid.locator("td[role='gridcell'][aria-selected='true']")


def _wait_until_still(page: Page, grid: Locator) -> None:
    """Wait until the grid stops moving: a click during a re-layout selects nothing."""
    previous = None
    for _ in range(STILL_CHECKS):
        box = grid.bounding_box()
        if box is not None and box == previous:
            return
        previous = box
        page.wait_for_timeout(STILL_INTERVAL_MS)


def select_cell(page: Page, grid: Locator, col: int, row: int) -> None:
    """Select (col, row) as a person would: click the first data cell, then arrow keys.

    Clicks the `stDataFrame` element itself (its scroller intercepts clicks on the canvas)
    and retries the click if it selected nothing, as Streamlit's own e2e helpers do.
    """
    grid.scroll_into_view_if_needed()
    first = cell(grid, 0, 0)
    for _ in range(CLICK_ATTEMPTS):
        _wait_until_still(page, grid)
        grid.click(position={"x": FIRST_CELL_X_PX, "y": HEADER_HEIGHT_PX + ROW_HEIGHT_PX // 2})
        try:
            expect(first).to_have_attribute("aria-selected", "true", timeout=CLICK_CHECK_MS)
            break
        except AssertionError:
            continue
    expect(first).to_have_attribute("aria-selected", "true")
    for _ in range(col):
        page.keyboard.press("ArrowRight")
    for _ in range(row):
        page.keyboard.press("ArrowDown")
    expect(cell(grid, col, row)).to_have_attribute("aria-selected", "true")


def edit_selectbox_cell(page: Page, grid: Locator, col: int, row: int, option: str) -> None:
    """Choose `option` in the select-box cell (col, row): select it, Enter, type, Enter."""
    select_cell(page, grid, col, row)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("portal").locator(".gdg-clip-region")).to_be_visible()
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("portal").locator(".gdg-clip-region")).to_have_count(0)
    expect(cell(grid, col, row)).to_have_text(option)


# Row number → text of every mirrored cell of column `col`.
_MIRRORED_ROWS_JS = """([grid, col]) => Object.fromEntries(
    [...grid.querySelectorAll(`td[role='gridcell'][id^='glide-cell-${col}-']`)].map(
        (td) => [td.id.slice(`glide-cell-${col}-`.length), td.innerText.trim()]
    )
)"""
SCROLL_STEP_PX = 300
SCROLL_SETTLE_MS = 200
MAX_SCROLLS = 40
# A scroll may not have redrawn yet when the mirror is read: stop only after several bring nothing.
IDLE_SCROLLS = 3


def _wheel_over(page: Page, grid: Locator, delta_y: int) -> None:
    """Scroll the grid itself: the wheel goes to whatever is under the pointer."""
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None, "the grid is not on screen"
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, delta_y)
    page.wait_for_timeout(SCROLL_SETTLE_MS)


def whole_columns(page: Page, grid: Locator, cols: list[int]) -> list[tuple[str, ...]]:
    """Every row's texts in columns `cols`, scrolling the grid: glide mirrors only the visible rows."""
    expect(cell(grid, cols[0], 0)).to_be_attached()
    handle = grid.element_handle()
    seen: dict[int, dict[int, str]] = {col: {} for col in cols}
    idle = 0
    _wheel_over(page, grid, -SCROLL_STEP_PX * MAX_SCROLLS)
    for _ in range(MAX_SCROLLS):
        fresh = False
        for col in cols:
            mirrored = {
                int(row): text for row, text in page.evaluate(_MIRRORED_ROWS_JS, [handle, col]).items()
            }
            fresh = fresh or not set(mirrored) <= set(seen[col])
            seen[col].update(mirrored)
        idle = 0 if fresh else idle + 1
        if idle >= IDLE_SCROLLS:
            break
        _wheel_over(page, grid, SCROLL_STEP_PX)
    _wheel_over(page, grid, -SCROLL_STEP_PX * MAX_SCROLLS)  # back to the top, as a person leaves it
    rows = sorted(seen[cols[0]])
    assert rows == list(range(len(rows))), f"rows missed while scrolling: {rows}"
    assert all(sorted(seen[col]) == rows for col in cols), "columns mirrored different rows"
    return [tuple(seen[col][row] for col in cols) for row in rows]


def whole_column(page: Page, grid: Locator, col: int) -> list[str]:
    return [values[0] for values in whole_columns(page, grid, [col])]


def scrolls_sideways(grid: Locator) -> bool:
    """Whether the grid's columns are wider than the grid, so some sit behind a sideways scroll."""
    return bool(
        grid.locator(".dvn-scroller").first.evaluate("(box) => box.scrollWidth > box.clientWidth + 1")
    )
