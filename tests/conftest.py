"""Shared fixtures. Every test gets its own data dir; nothing touches the user's data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.settings import Settings
from app.store import Store

pytest_plugins = ["tests.support.fixtures"]

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = REPO_ROOT / "sample_data"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the golden files (tests/fixtures/layouts/golden) from today's output; review the diff",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data_dir = tmp_path / "privfin-data"
    data_dir.mkdir()
    monkeypatch.setenv("PRIVFIN_DATA_DIR", str(data_dir))
    # No endpoint configured unless a test says so: nothing may leave loopback.
    monkeypatch.setenv("PRIVFIN_ENDPOINT_URL", "http://127.0.0.1:9/v1")
    # A user who has said their home currency (USD), so files that name none are read: the
    # tests of what happens without one (tests/integration/test_import_currency_cli.py) unset it.
    monkeypatch.setenv("PRIVFIN_HOME_CURRENCY", "USD")
    monkeypatch.chdir(tmp_path)  # so a developer's .env is never read
    yield data_dir


@pytest.fixture
def settings(isolated_data_dir: Path) -> Settings:
    return Settings(data_dir=isolated_data_dir)


@pytest.fixture
def store(settings: Settings) -> Store:
    return Store(settings.db_path)
