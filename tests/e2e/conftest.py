"""Fixtures for the browser journeys: a stand-in Parallax, a real dashboard server, Chromium."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect, sync_playwright

from tests.e2e.browser import CHROMIUM_PATH, RequestRecorder, launch_context, on_ci
from tests.e2e.server import StreamlitServer, start_streamlit
from tests.support.fake_parallax import FakeParallax

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
EXPECT_TIMEOUT_MS = 20_000
ACTION_TIMEOUT_MS = 30_000

# Small batches and near-zero backoff keep categorization quick against the fake;
# real values are exercised by the integration tests.
FAST_CATEGORIZE_ENV = {
    "PRIVFIN_BATCH_MAX_ITEMS": "10",
    "PRIVFIN_MAX_CONCURRENCY": "2",
    "PRIVFIN_MAX_RETRIES": "1",
    "PRIVFIN_BACKOFF_BASE_S": "0.01",
    "PRIVFIN_BACKOFF_MAX_S": "0.05",
    "PRIVFIN_CONNECT_TIMEOUT_S": "2",
    "PRIVFIN_REQUEST_TIMEOUT_S": "30",
    "PRIVFIN_OFFLINE": "false",
}


@dataclass
class AppSession:
    """One browser tab on the dashboard, with everything it requested recorded."""

    page: Page
    server: StreamlitServer
    recorder: RequestRecorder

    def assert_stayed_local(self) -> None:
        foreign = self.recorder.foreign()
        assert foreign == [], f"the browser contacted hosts other than the dashboard: {foreign}"
        assert self.recorder.urls, "the recorder saw no request at all; it is not attached"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM_PATH.exists():
        message = f"{CHROMIUM_PATH} is missing; run `bash scripts/ensure-chromium.sh`"
        if on_ci():
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM_PATH


@pytest.fixture(scope="module")
def fake_parallax() -> Iterator[FakeParallax]:
    with FakeParallax() as fake:
        yield fake


def _clean_environment() -> dict[str, str]:
    """The parent's environment minus anything that would override the project's own config."""
    return {key: value for key, value in os.environ.items() if not key.startswith(("PRIVFIN_", "STREAMLIT_"))}


@pytest.fixture(scope="module")
def app_server(
    fake_parallax: FakeParallax, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StreamlitServer]:
    workdir = tmp_path_factory.mktemp("dashboard")
    data_dir = workdir / "data"
    data_dir.mkdir()
    env = _clean_environment() | FAST_CATEGORIZE_ENV
    env["PRIVFIN_DATA_DIR"] = str(data_dir)
    env["PRIVFIN_ENDPOINT_URL"] = fake_parallax.base_url
    server = start_streamlit(env, workdir / "streamlit.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    # Two cores shared by Chromium, the dashboard and the fake: Playwright's 5 s default is too tight.
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser_context(
    chromium: Path, playwright_driver: Playwright, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BrowserContext]:
    context = launch_context(playwright_driver, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield context
    finally:
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Keep each phase's report on the test item so fixtures can tell whether the test failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    report = getattr(request.node, "report_call", None)
    return bool(report is not None and report.failed)


@pytest.fixture
def app(
    request: pytest.FixtureRequest,
    browser_context: BrowserContext,
    app_server: StreamlitServer,
    artifacts: Path,
) -> Iterator[AppSession]:
    page = browser_context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    recorder = RequestRecorder(app_origin=app_server.url)
    recorder.attach(browser_context, page)
    try:
        yield AppSession(page=page, server=app_server, recorder=recorder)
    finally:
        failure_shot = artifacts / f"FAILED-{request.node.name}.png"
        if _failed(request):
            # The browser shows redacted errors (showErrorDetails="type"); the server log has the traceback.
            page.screenshot(path=str(failure_shot), full_page=True)
            print(f"--- streamlit log (tail) ---\n{app_server.log_tail()}")
        else:
            failure_shot.unlink(missing_ok=True)  # an old failure's picture would mislead
        recorder.detach(browser_context, page)
        page.close()
