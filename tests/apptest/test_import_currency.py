"""Import page: the currency a file card assumed, its one-click change, and the home currency asked once."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from app.settings import load_settings
from app.store import Store
from components import resources, state
from tests.apptest.conftest import sample_bytes, texts

JANUARY = b"Date,Description,Amount\n2026-01-05,COFFEE SHOP,-3.50\n2026-01-06,PAYROLL,1200.00\n"
FEBRUARY = b"Date,Description,Amount\n2026-02-05,GROCER,-30.00\n2026-02-07,BOOKS,-12.00\n"


def _upload(at: AppTest, version: int, *files: tuple[str, bytes]) -> AppTest:
    uploader = at.file_uploader(key=state.uploader_key(version))
    uploader.set_value([(name, data, "text/csv") for name, data in files]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _currencies(at: AppTest) -> set[str]:
    tables = [d.value for d in at.dataframe if "status" in getattr(d.value, "columns", [])]
    return {code for table in tables for code in table["currency"]}


def _key(data: bytes, field: str) -> str:
    return state.file_widget_key(hashlib.sha256(data).hexdigest(), field)


def test_the_first_file_without_a_currency_asks_for_the_home_currency_once(
    open_page: Callable[[str], AppTest], store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PRIVFIN_HOME_CURRENCY")
    resources.forget_settings()
    at = _upload(open_page("import_page"), 0, ("january.csv", JANUARY))
    assert any("home currency" in t for t in texts(at.info))
    assert not at.error, "a question, not a refusal"
    question = at.selectbox(key=_key(JANUARY, "home_currency"))
    assert question.value in question.options  # pre-filled (the locale's currency, else USD)
    question.set_value("CAD").run()
    at.button(key=_key(JANUARY, "save_home_currency")).click().run()
    assert not at.exception

    assert load_settings().home_currency == "CAD"  # saved in settings.json
    assert not any("home currency yet" in t for t in texts(at.info))
    assert any("Currency: **CAD** (assumed: your home currency)" in t for t in texts(at.markdown))
    assert _currencies(at) == {"CAD"}

    # Another file that names no currency: not asked again.
    _upload(at, 0, ("january.csv", JANUARY), ("february.csv", FEBRUARY))
    assert not any("home currency yet" in t for t in texts(at.info))
    at.button(key=state.IMPORT_BUTTON).click().run()
    assert set(store.transactions_frame()["currency"]) == {"CAD"}


def test_a_one_click_currency_change_is_previewed_and_remembered_for_the_account(
    open_page: Callable[[str], AppTest], store: Store
) -> None:
    at = _upload(open_page("import_page"), 0, ("statement.csv", JANUARY))
    assert any("Currency: **USD** (assumed: your home currency)" in t for t in texts(at.markdown))
    at.selectbox(key=_key(JANUARY, "currency")).set_value("EUR").run()
    assert _currencies(at) == {"EUR"}
    assert any("Currency: **EUR** (your choice)" in t for t in texts(at.markdown))
    at.button(key=state.IMPORT_BUTTON).click().run()
    assert set(store.transactions_frame()["currency"]) == {"EUR"}
    assert store.account_currency("statement") == "EUR"

    # The account's next statement, which names no currency either, is read in euros.
    _upload(at, 1, ("statement.csv", FEBRUARY))
    assert any("Currency: **EUR** (assumed: remembered for this account)" in t for t in texts(at.markdown))
    assert _currencies(at) == {"EUR"}


def test_a_bank_profile_says_its_currency_on_the_card(open_page: Callable[[str], AppTest]) -> None:
    at = _upload(
        open_page("import_page"), 0, ("chase_credit_card.csv", sample_bytes("chase_credit_card.csv"))
    )
    assert any("Currency: **USD** (the bank's profile)" in t for t in texts(at.markdown))


def test_the_home_currency_can_be_changed_in_settings(
    open_page: Callable[[str], AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PRIVFIN_HOME_CURRENCY")
    resources.forget_settings()
    at = open_page("settings")
    picker = at.selectbox(key=state.SETTINGS_HOME_CURRENCY)
    assert picker.value == "not set"
    picker.set_value("NZD").run()
    at.button(key=state.SETTINGS_HOME_SAVE).click().run()
    assert not at.exception
    assert load_settings().home_currency == "NZD"
    assert at.selectbox(key=state.SETTINGS_HOME_CURRENCY).value == "NZD"


def test_a_currency_the_file_names_cannot_be_replaced_on_the_card(
    open_page: Callable[[str], AppTest],
) -> None:
    euros = b"Date,Description,Amount (EUR)\n2026-03-01,BAKERY,-12.00\n2026-03-02,KIOSK,-5.50\n"
    at = _upload(open_page("import_page"), 0, ("euros.csv", euros))
    assert any("Currency: **EUR** (named by the file)" in t for t in texts(at.markdown))
    assert at.selectbox(key=_key(euros, "currency")).disabled
