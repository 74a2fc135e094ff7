"""Import page "Imported files": the list with human dates, the removal preview, removing one
import, the sample data alone, refusal while a run holds; Settings: renaming and merging accounts."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from app.importer import FileImportResult, import_files
from app.imports import imported_files
from app.jobs import job_for
from app.settings import Settings
from app.store import Store
from components import state
from components.imports_panel import removal_label
from tests.apptest.conftest import JOB_WAIT_S, texts

MINE = b"Date,Description,Amount\n2024-03-01,COFFEE ROASTERS,-4.50\n2024-03-02,GROCER MARKET,-52.10\n"
ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _mine(store: Store) -> int:
    [result] = import_files(store, [("mine.csv", MINE)], account="Visa 4516000000001234", currency="USD")
    assert result.ok, result.error
    return next(f.id for f in imported_files(store) if f.file == "mine.csv")


def _label(store: Store, import_id: int) -> str:
    return removal_label(next(f for f in imported_files(store) if f.id == import_id))


def _table(at: AppTest) -> list[dict[str, object]]:
    frame = next(d.value for d in at.dataframe if "imported" in getattr(d.value, "columns", []))
    return frame.to_dict("records")


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_list_shows_each_file_with_human_dates(
    open_page: Callable[[str], AppTest], store: Store, seed: Callable[..., list[FileImportResult]]
) -> None:
    seed("chase_credit_card.csv")
    _mine(store)
    rows = _table(open_page("import_page"))
    mine = next(r for r in rows if r["file"] == "mine.csv")
    assert mine["account"] == "Visa ••1234" and mine["rows"] == 2
    assert mine["dates"] == "01 Mar 2024 – 02 Mar 2024"
    assert str(mine["imported"]).endswith(" UTC") and not ISO_TIMESTAMP.search(str(mine["imported"]))
    assert any(str(r["file"]).endswith("(sample)") for r in rows)


def test_removing_an_import_previews_then_removes_it(
    open_page: Callable[[str], AppTest], store: Store
) -> None:
    mine = _mine(store)
    keep = import_files(
        store, [("other.csv", MINE.replace(b"COFFEE", b"TEA"))], account="Cash", currency="USD"
    )
    assert keep[0].ok
    store.set_user_category(
        [store.transactions_frame().query("description == 'GROCER MARKET'").index[0]], "Groceries"
    )
    at = open_page("import_page")
    _ok(at.selectbox(key=state.IMPORTS_REMOVE_CHOICE).set_value(_label(store, mine)).run())
    preview = " ".join(texts(at.warning) + texts(at.info))
    assert "Removes 2 transactions of mine\\.csv, 1 of them with a category you set by hand" in preview
    assert store.count_transactions() == 4  # the preview removed nothing
    _ok(at.button(key=state.IMPORTS_REMOVE_BUTTON).click().run())
    assert sorted(store.transactions_frame()["description"]) == ["GROCER MARKET", "TEA ROASTERS"]
    assert [r["file"] for r in _table(at)] == ["other.csv"]
    assert any("removed mine\\.csv (2 rows)" in t for t in texts(at.caption))  # on record


def test_removing_an_import_clears_the_last_import_summary_that_counted_it(
    open_page: Callable[[str], AppTest], store: Store
) -> None:
    at = open_page("import_page")
    at.session_state[state.LAST_IMPORT] = [
        {"file": "mine.csv", "inserted": 2, "duplicates": 0, "skipped": 0, "error": None}
    ]
    mine = _mine(store)
    _ok(at.run())
    assert any("Imported 2 new transactions" in t for t in texts(at.success))
    _ok(at.selectbox(key=state.IMPORTS_REMOVE_CHOICE).set_value(_label(store, mine)).run())
    _ok(at.button(key=state.IMPORTS_REMOVE_BUTTON).click().run())
    assert not any("Imported" in t for t in texts(at.success))  # it counted rows no longer stored


def test_the_sample_data_is_removed_alone(
    open_page: Callable[[str], AppTest], store: Store, seed: Callable[..., list[FileImportResult]]
) -> None:
    seed("chase_credit_card.csv", "dkb_girokonto.csv")
    _mine(store)
    at = open_page("import_page")
    _ok(at.button(key=state.IMPORTS_SAMPLE_BUTTON).click().run())
    assert [f.file for f in imported_files(store)] == ["mine.csv"]
    assert store.count_transactions() == 2
    assert not [b for b in at.button if b.key == state.IMPORTS_SAMPLE_BUTTON]  # nothing left to remove


def test_a_removal_during_a_categorization_run_is_refused(
    open_page: Callable[[str], AppTest], store: Store, settings: Settings
) -> None:
    mine = _mine(store)
    at = open_page("import_page")
    holding, release = threading.Event(), threading.Event()

    def hold(_progress: object) -> None:
        holding.set()
        release.wait(JOB_WAIT_S)

    job = job_for(settings.data_dir)
    job.wait(JOB_WAIT_S)
    assert job.start(store, settings.model_copy(update={"offline": True}), on_progress=hold)
    try:
        assert holding.wait(JOB_WAIT_S)
        _ok(at.selectbox(key=state.IMPORTS_REMOVE_CHOICE).set_value(_label(store, mine)).run())
        _ok(at.button(key=state.IMPORTS_REMOVE_BUTTON).click().run())
        assert any("categorization run is in progress" in t for t in texts(at.error))
        assert store.count_transactions() == 2
    finally:
        release.set()
        job.wait(JOB_WAIT_S)


def test_accounts_are_renamed_and_merged_in_settings(
    open_page: Callable[[str], AppTest], store: Store
) -> None:
    _mine(store)
    import_files(store, [("cash.csv", MINE.replace(b"COFFEE", b"TEA"))], account="Cash", currency="USD")
    at = open_page("settings")
    at.selectbox(key=state.ACCOUNTS_RENAME_FROM).set_value("Visa ••1234")
    at.text_input(key=state.ACCOUNTS_RENAME_TO).set_value("Joint card")
    _ok(at.button(key=state.ACCOUNTS_RENAME_BUTTON).click().run())
    assert store.accounts() == ["Cash", "Joint card"]
    at.multiselect(key=state.ACCOUNTS_MERGE_FROM).set_value(["Cash"])
    at.selectbox(key=state.ACCOUNTS_MERGE_INTO).set_value("Joint card")
    _ok(at.button(key=state.ACCOUNTS_MERGE_BUTTON).click().run())
    assert store.accounts() == ["Joint card"] and store.count_transactions() == 4
    # an empty name is refused with a message
    at.selectbox(key=state.ACCOUNTS_RENAME_FROM).set_value("Joint card")
    at.text_input(key=state.ACCOUNTS_RENAME_TO).set_value("   ")
    _ok(at.button(key=state.ACCOUNTS_RENAME_BUTTON).click().run())
    assert any("cannot be empty" in t for t in texts(at.error))
