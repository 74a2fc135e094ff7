"""Fixtures for AppTest: a fresh Streamlit run of app/main.py per test, seeded through the real importer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from app.importer import FileImportResult, import_files
from app.jobs import job_for
from app.settings import Settings
from app.store import Store
from tests.conftest import REPO_ROOT, SAMPLE_DATA

ENTRYPOINT = REPO_ROOT / "app" / "main.py"
TIMEOUT_S = 30
JOB_WAIT_S = 60


def page_path(name: str) -> str:
    """A page file relative to the entry point, as `AppTest.switch_page` wants it."""
    return f"../components/app_pages/{name}.py"


@pytest.fixture(autouse=True)
def streamlit_test_mode(isolated_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Strict session state, no shared caches between tests, offline categorization, no stray jobs."""
    monkeypatch.setenv("PRIVFIN_OFFLINE", "true")
    previous = st_config.get_option("runner.enforceSerializableSessionState")
    st_config.set_option("runner.enforceSerializableSessionState", True)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    job = job_for(isolated_data_dir)
    job.cancel()
    job.wait(JOB_WAIT_S)
    st.cache_resource.clear()
    st.cache_data.clear()
    st_config.set_option("runner.enforceSerializableSessionState", previous)


@pytest.fixture
def app() -> AppTest:
    """The dashboard after its first run (on whatever page the navigation opens)."""
    at = AppTest.from_file(str(ENTRYPOINT), default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def open_page(app: AppTest) -> Callable[[str], AppTest]:
    def open_(name: str) -> AppTest:
        app.switch_page(page_path(name)).run()
        assert not app.exception, [e.value for e in app.exception]
        return app

    return open_


def sample_bytes(name: str) -> bytes:
    return (SAMPLE_DATA / name).read_bytes()


@pytest.fixture
def seed(store: Store) -> Callable[..., list[FileImportResult]]:
    """Import sample statements through the real importer."""

    def seed_(*names: str) -> list[FileImportResult]:
        results = import_files(store, [(name, sample_bytes(name)) for name in names])
        assert all(r.ok for r in results), [r.error for r in results]
        return results

    return seed_


@pytest.fixture
def categorized(store: Store, settings: Settings) -> Callable[[], None]:
    """Run the real (offline) categorization pipeline to completion, as the dashboard would."""

    def run() -> None:
        offline = settings.model_copy(update={"offline": True})
        job = job_for(settings.data_dir)
        assert job.start(store, offline)
        assert job.wait(JOB_WAIT_S).state == "finished"

    return run


def texts(elements: object) -> list[str]:
    return [str(getattr(e, "value", "")) for e in elements]  # type: ignore[attr-defined]
