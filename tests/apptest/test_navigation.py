"""Every page renders on an empty and on a filled ledger; the menu opens where a user should start."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from components import navigation
from tests.apptest.conftest import ENTRYPOINT, TIMEOUT_S, page_path

PAGES = ("import_page", "review", "insights", "recurring", "export", "settings")


def _titles(at) -> list[str]:
    return [t.value for t in at.title]


def test_a_first_time_user_lands_on_import(app) -> None:
    assert _titles(app) == ["Import"]
    assert any("No transactions yet" in m.value for m in app.sidebar.markdown)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_an_empty_ledger(app, page: str) -> None:
    app.switch_page(page_path(page)).run()
    assert not app.exception, [e.value for e in app.exception]
    assert _titles(app) == [{"import_page": "Import"}.get(page, page.capitalize())]


def test_every_page_renders_with_data(seed, categorized) -> None:
    seed("chase_credit_card.csv", "dkb_girokonto.csv", "mint_export.csv")
    categorized()
    at = AppTest.from_file(str(ENTRYPOINT), default_timeout=TIMEOUT_S).run()
    assert _titles(at) == ["Insights"]  # a returning user lands on Insights
    for page in PAGES:
        at.switch_page(page_path(page)).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert "transactions" in " ".join(m.value for m in at.sidebar.markdown)


def test_page_files_exist_and_none_lives_in_a_pages_folder() -> None:
    files = [
        navigation.IMPORT,
        navigation.REVIEW,
        navigation.INSIGHTS,
        navigation.RECURRING,
        navigation.EXPORT,
        navigation.SETTINGS,
    ]
    assert all(f.is_file() for f in files)
    assert all(f.parent.name == "app_pages" for f in files)
