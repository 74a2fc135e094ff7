"""The journey's own checks must be able to fail: each is shown a violation it has to catch."""

from __future__ import annotations

import pytest

from tests.e2e.browser import RequestRecorder, is_app_local
from tests.e2e.exports import check_csv_is_formula_safe, check_html_is_self_contained, csv_rows

APP = "http://127.0.0.1:8765"
CHART_PAGE = '<div class="plotly-graph-div"></div><script>Plotly.newPlot("x", [])</script>'


@pytest.mark.parametrize(
    "url",
    [
        f"{APP}/",
        f"{APP}/static/js/index.js",
        "ws://127.0.0.1:8765/_stcore/stream",
        "http://localhost:8765/_stcore/health",
        "data:image/svg+xml;base64,AAAA",
        "blob:http://127.0.0.1:8765/1234",
    ],
)
def test_the_dashboards_own_requests_are_local(url: str) -> None:
    assert is_app_local(url, APP)


@pytest.mark.parametrize(
    "url",
    [
        "https://data.streamlit.io/metrics.json",
        "https://fonts.gstatic.com/s/materialsymbolsrounded/v1/icon.svg",
        "http://127.0.0.1:3001/v1/models",  # loopback, but not the dashboard: the browser has no business there
        "https://127.0.0.1:8765/",
        "http://192.168.1.10:8765/",
    ],
)
def test_anything_else_is_foreign(url: str) -> None:
    recorder = RequestRecorder(app_origin=APP, urls=[f"{APP}/", url])
    assert recorder.foreign() == [url]


def test_a_formula_cell_is_caught() -> None:
    rows = csv_rows(b'\xef\xbb\xbfdescription,amount\r\n"=HYPERLINK(""http://x"")",-1.00\r\n')
    with pytest.raises(AssertionError, match="formula"):
        check_csv_is_formula_safe(rows)


def test_a_defused_formula_and_a_negative_amount_pass() -> None:
    rows = csv_rows(b'description,amount,confidence\r\n"\'=HYPERLINK(1)",-1.00,0.90\r\n')
    check_csv_is_formula_safe(rows)


def test_a_non_numeric_amount_is_caught() -> None:
    with pytest.raises(AssertionError, match="not a number"):
        check_csv_is_formula_safe(csv_rows(b"description,amount\r\ncoffee,=1+1\r\n"))


@pytest.mark.parametrize(
    "reference",
    [
        '<script src="https://cdn.plot.ly/plotly-3.0.0.min.js"></script>',
        '<link rel="stylesheet" href="//fonts.example/x.css">',
        '<img src="logo.png">',
    ],
)
def test_a_report_that_loads_anything_is_caught(reference: str) -> None:
    with pytest.raises(AssertionError, match="outside itself"):
        check_html_is_self_contained(reference + CHART_PAGE)


def test_a_report_without_charts_is_caught() -> None:
    with pytest.raises(AssertionError, match="no plotly charts"):
        check_html_is_self_contained('<a href="#top">top</a>')


def test_a_self_contained_report_passes() -> None:
    check_html_is_self_contained('<a href="#top">top</a><img src="data:image/png;base64,AA">' + CHART_PAGE)
