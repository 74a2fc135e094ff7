"""Streamlit widgets and charts as a person sees them: labelled inputs, select boxes, plots."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser import wait_for_app

# What plotly draws for data: bars and markers, pie and treemap slices, lines and fills.
_DRAWN_MARKS = ".point, .slice, path.js-line, path.js-fill, path.surface"

_CHART_FACTS_JS = f"""(gd) => {{
    const title = gd.layout && gd.layout.title;
    return {{
        title: (title && (title.text || title)) || "",
        traces: (gd.data || []).length,
        marks: gd.querySelectorAll("{_DRAWN_MARKS}").length,
        height: gd.getBoundingClientRect().height,
    }};
}}"""


@dataclass(frozen=True)
class ChartFacts:
    title: str
    traces: int
    marks: int
    height: float

    @property
    def has_data(self) -> bool:
        return self.traces > 0 and self.marks > 0 and self.height > 0


def main_area(page: Page) -> Locator:
    return page.get_by_test_id("stMain")


def search_box(page: Page, label: str) -> Locator:
    return main_area(page).get_by_role("textbox", name=label, exact=True)


def choose_option(page: Page, label: str, option: str) -> None:
    """Pick `option` in the select box labelled `label` (a click to open, a click on the option)."""
    combobox = main_area(page).get_by_role("combobox", name=label, exact=True)
    combobox.click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(combobox).to_have_value(option)


def choose_segment(page: Page, option: str) -> None:
    """Press `option` in a segmented control and wait until it is the active one."""
    segment = main_area(page).get_by_role("radio", name=option, exact=True)
    segment.click()
    expect(segment).to_have_attribute("aria-checked", "true")
    wait_for_app(page)


def plotly_charts(page: Page) -> list[ChartFacts]:
    """Every plotly chart on the page, once each has been drawn."""
    containers = main_area(page).get_by_test_id("stPlotlyChart")
    expect(containers.first).to_be_visible()
    facts: list[ChartFacts] = []
    for container in containers.all():
        container.scroll_into_view_if_needed()
        plot = container.locator(".js-plotly-plot")
        expect(plot).to_be_attached()
        raw = plot.evaluate(_CHART_FACTS_JS)
        facts.append(
            ChartFacts(
                title=str(raw["title"]),
                traces=int(raw["traces"]),
                marks=int(raw["marks"]),
                height=float(raw["height"]),
            )
        )
    return facts


# A figure is cut when some box inside the metric is narrower than its text (an ellipsis).
_METRIC_FIGURES_JS = """() => [...document.querySelectorAll("[data-testid='stMetricValue']")].map((value) => ({
    text: value.innerText.trim(),
    cut: [value, ...value.querySelectorAll("*")].some((box) => box.scrollWidth > box.clientWidth + 1),
}))"""


@dataclass(frozen=True)
class MetricFigure:
    text: str
    cut: bool


def metric_figures(page: Page) -> list[MetricFigure]:
    """Every st.metric's figure on the page, and whether the card is too narrow to show it whole."""
    return [MetricFigure(**facts) for facts in page.evaluate(_METRIC_FIGURES_JS)]


def wait_until_still(locator: Locator, timeout_ms: int = 5_000) -> None:
    """Until the element keeps its size over two animation frames: an expander opens with an
    animation, and a screenshot taken during it shows its last row cut by the border."""
    locator.page.wait_for_function(
        """(element) => new Promise((settled) => {
            const before = element.getBoundingClientRect().height;
            requestAnimationFrame(() => requestAnimationFrame(
                () => settled(element.getBoundingClientRect().height === before)));
        })""",
        arg=locator.element_handle(),
        timeout=timeout_ms,
    )
