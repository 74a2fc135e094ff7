"""Browser-side helpers: launching Debian's Chromium, waiting for Streamlit, recording requests."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, Playwright, WebSocket, expect
from playwright.sync_api import Request as PlaywrightRequest

CHROMIUM_PATH = Path("/usr/bin/chromium")
# Quiet, reproducible and offline: no background fetches from the browser itself.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
VIEWPORT = {"width": 1400, "height": 1000}
MAX_SHOT_HEIGHT = 10_000
RESIZE_SETTLE_MS = 400
APP_TIMEOUT_MS = 60_000
# After a click the script may not have flipped to "running" yet; this keeps wait_for_app
# from returning on the previous run's "notRunning".
SETTLE_MS = 150
LOCAL_SCHEMES = ("data:", "blob:", "about:")
_CONTENT_HEIGHT_JS = """() => Math.max(
    ...[document.querySelector("[data-testid='stMain']"), document.scrollingElement]
        .filter(Boolean)
        .map((element) => element.scrollHeight)
)"""


def on_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def launch_context(playwright: Playwright, user_data_dir: Path) -> BrowserContext:
    """A headless Chromium with a fresh profile that accepts downloads."""
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=str(CHROMIUM_PATH),
        headless=True,
        args=list(CHROMIUM_ARGS),
        viewport=VIEWPORT,  # type: ignore[arg-type]
        accept_downloads=True,
    )


@dataclass
class RequestRecorder:
    """Every URL the browser asked for (HTTP and WebSocket), to prove nothing left loopback."""

    app_origin: str
    urls: list[str] = field(default_factory=list)

    def on_request(self, request: PlaywrightRequest) -> None:
        self.urls.append(request.url)

    def on_websocket(self, websocket: WebSocket) -> None:
        self.urls.append(websocket.url)

    def attach(self, context: BrowserContext, page: Page) -> None:
        context.on("request", self.on_request)
        page.on("websocket", self.on_websocket)

    def detach(self, context: BrowserContext, page: Page) -> None:
        context.remove_listener("request", self.on_request)
        page.remove_listener("websocket", self.on_websocket)

    def foreign(self) -> list[str]:
        """URLs that went anywhere but the dashboard's own origin (or stayed in the page)."""
        return [url for url in self.urls if not is_app_local(url, self.app_origin)]


def is_app_local(url: str, app_origin: str) -> bool:
    if url.startswith(LOCAL_SCHEMES):
        return True
    app = urlsplit(app_origin)
    target = urlsplit(url)
    same_port = target.port == app.port
    loopback_host = target.hostname in ("127.0.0.1", "localhost")
    return same_port and loopback_host and target.scheme in ("http", "ws")


def wait_for_app(page: Page, timeout_ms: int = APP_TIMEOUT_MS) -> None:
    """Block until Streamlit is connected, idle and done drawing (Streamlit's own e2e recipe)."""
    page.wait_for_timeout(SETTLE_MS)
    page.wait_for_selector("[data-testid='stAppViewContainer']", state="attached", timeout=timeout_ms)
    app = page.get_by_test_id("stApp")
    if app.get_attribute("data-test-connection-state", timeout=timeout_ms) is not None:
        expect(page.locator("[data-testid='stApp'][data-test-connection-state='CONNECTED']")).to_be_attached(
            timeout=timeout_ms
        )
    expect(page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")).to_be_attached(
        timeout=timeout_ms
    )
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout_ms)


def screenshot(page: Page, artifacts: Path, name: str, width: int | None = None) -> Path:
    """A screenshot of the whole page, not just the viewport, at the desktop width or `width`
    (a phone's, say); the viewport is the desktop one again afterwards.

    Streamlit scrolls inside `stMain`, so Playwright's `full_page` alone sees only the
    viewport: for a longer page, grow the viewport to the content's height for the shot.
    """
    artifacts.mkdir(parents=True, exist_ok=True)
    path = artifacts / f"{name}.png"
    page.mouse.move(0, 0)  # no hover tooltip in the picture
    shot_width = width or VIEWPORT["width"]
    if shot_width != VIEWPORT["width"]:
        page.set_viewport_size({"width": shot_width, "height": VIEWPORT["height"]})
        page.wait_for_timeout(RESIZE_SETTLE_MS)  # the layout reflows at the new width first
    content_height = int(page.evaluate(_CONTENT_HEIGHT_JS))
    if content_height > VIEWPORT["height"]:
        page.set_viewport_size({"width": shot_width, "height": min(content_height, MAX_SHOT_HEIGHT)})
        page.wait_for_timeout(RESIZE_SETTLE_MS)  # let plotly and the grid redraw at the new size
    page.screenshot(path=str(path), full_page=True)
    if shot_width != VIEWPORT["width"] or content_height > VIEWPORT["height"]:
        page.set_viewport_size(VIEWPORT)  # type: ignore[arg-type]
        page.wait_for_timeout(RESIZE_SETTLE_MS)
    return path


def exception_messages(page: Page) -> list[str]:
    return [text.strip() for text in page.get_by_test_id("stException").all_inner_texts()]
