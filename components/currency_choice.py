"""The currency on an Import file card: what was assumed and why, a one-click change, and the
one-time question for the home currency when a file names none."""

from __future__ import annotations

import locale
import os

import streamlit as st

from app.ingest.currency import COMMON_CURRENCIES, SOURCE_TEXT, CurrencySource, locale_currency
from app.settings import SettingsError, save_settings
from components import resources, state
from components.formatting import md
from components.import_preview import FilePreview

HOME_QUESTION = (
    "This file does not say which currency its amounts are in, and you have not told privfin your home "
    "currency yet. Which currency do you bank in? privfin uses it for every file that names none (you can "
    "still change it per file, and each account remembers its own)."
)


def _home_key(sha256: str) -> str:
    return state.file_widget_key(sha256, "home_currency")


def _guess_home() -> str:
    """Pre-filled from the machine's locale when that names a country; USD otherwise."""
    try:
        name = locale.getlocale()[0]
    except ValueError:
        name = None
    return locale_currency(name) or "USD"


def _options(current: str) -> list[str]:
    return list(COMMON_CURRENCIES) if current in COMMON_CURRENCIES else [current, *COMMON_CURRENCIES]


def _on_save_home(sha256: str) -> None:
    code = str(st.session_state.get(_home_key(sha256)) or "")
    try:
        save_settings(resources.settings(), {"home_currency": code})
    except SettingsError as error:
        state.push_toast(f"Not saved: {error}")
        return
    resources.forget_settings()
    state.push_toast(f"Home currency set to {code}.")


def render_home_currency_question(preview: FilePreview) -> None:
    """Asked once: after it is saved no file lacks a currency again."""
    st.info(HOME_QUESTION)
    guess = _guess_home()
    left, right = st.columns([2, 3], vertical_alignment="bottom")
    left.selectbox(
        "Your home currency",
        _options(guess),
        index=_options(guess).index(guess),
        key=_home_key(preview.sha256),
    )
    right.button(
        "Use as my home currency",
        key=state.file_widget_key(preview.sha256, "save_home_currency"),
        on_click=_on_save_home,
        args=(preview.sha256,),
        type="primary",
    )


def currency_line(code: str, source: CurrencySource) -> str:
    """ "Currency: **EUR** (assumed: remembered for this account)"."""
    stated = source in (
        CurrencySource.FILE,
        CurrencySource.PROFILE,
        CurrencySource.CHOSEN,
        CurrencySource.MAPPING,
    )
    how = SOURCE_TEXT[source] if stated else f"assumed: {SOURCE_TEXT[source]}"
    return f"Currency: **{md(code)}** ({how})"


def render_currency_choice(detected: FilePreview) -> str | None:
    """The currency line with a one-click change; the code the user picked, or None to keep it."""
    if detected.currency is None or detected.currency_source is None:
        return None  # a format that names each row's currency itself (OFX)
    options = _options(detected.currency)
    key = state.file_widget_key(detected.sha256, "currency")
    # The file's own currency (or its bank's) is not the user's to replace: a choice only applies
    # to amounts whose row names none, and importing would set it aside.
    named = detected.currency_source in (CurrencySource.FILE, CurrencySource.PROFILE)
    left, right = st.columns([4, 1], vertical_alignment="center")
    with right:
        picked = st.selectbox(
            "Currency",
            options,
            index=options.index(detected.currency),
            key=key,
            label_visibility="collapsed",
            disabled=named,
            help="Named by the file itself, so it is not changed here."
            if named
            else "The currency of amounts whose row does not name one. A change is remembered for this "
            "account when you import.",
        )
    chosen = picked if picked != detected.currency else None
    with left:
        if chosen is None:
            st.markdown(currency_line(detected.currency, detected.currency_source))
        else:
            st.markdown(
                currency_line(chosen, CurrencySource.CHOSEN)
                + " · remembered for this account when you import"
            )
    return chosen


_NOT_SET = "not set"
HOME_ENV = "PRIVFIN_HOME_CURRENCY"


def _on_save_home_setting() -> None:
    picked = str(st.session_state.get(state.SETTINGS_HOME_CURRENCY) or _NOT_SET)
    try:
        save_settings(resources.settings(), {"home_currency": None if picked == _NOT_SET else picked})
    except SettingsError as error:
        state.push_toast(f"Not saved: {error}")
        return
    resources.forget_settings()
    state.push_toast("Home currency saved." if picked != _NOT_SET else "Home currency cleared.")


def render_home_currency_setting() -> None:
    """Settings: the home currency, for files that name none and accounts with none remembered."""
    current = resources.settings().home_currency
    st.subheader("Home currency")
    st.caption(
        "Used for a file that does not say which currency its amounts are in, when its account has no "
        "currency remembered yet. Unset, the Import page asks on the first such file."
    )
    options = [_NOT_SET, *(_options(current) if current else COMMON_CURRENCIES)]
    from_env = HOME_ENV in {key.upper() for key in os.environ}
    left, right = st.columns([2, 3], vertical_alignment="bottom")
    left.selectbox(
        "Home currency",
        options,
        index=options.index(current) if current else 0,
        key=state.SETTINGS_HOME_CURRENCY,
        disabled=from_env,
    )
    right.button(
        "Save home currency", key=state.SETTINGS_HOME_SAVE, on_click=_on_save_home_setting, disabled=from_env
    )
    if from_env:
        st.caption(f"Set by the environment variable `{HOME_ENV}`, which wins over this page.")
