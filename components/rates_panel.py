"""Settings: exchange rates into the home currency, for Insights' optional converted total."""

from __future__ import annotations

import streamlit as st

from app.fx import RateError, parse_rate
from app.settings import SettingsError, rates_setting, save_settings
from components import resources, state
from components.formatting import md


def _save(rates: dict[str, str], message: str) -> None:
    try:
        save_settings(resources.settings(), {"exchange_rates": rates_setting(rates)})
    except SettingsError as error:
        st.session_state[state.SETTINGS_RATES_MESSAGE] = ("error", f"Not saved: {md(error)}")
        return
    resources.forget_settings()
    st.session_state[state.SETTINGS_RATES_MESSAGE] = ("success", message)


def _on_add_rate() -> None:
    settings = resources.settings()
    home = settings.home_currency or ""
    code = str(st.session_state.get(state.SETTINGS_RATE_CURRENCY) or "").strip().upper()
    text = st.session_state.get(state.SETTINGS_RATE_VALUE)
    if not code or code == home:
        st.session_state[state.SETTINGS_RATES_MESSAGE] = (
            "error",
            "Pick a currency other than the home currency.",
        )
        return
    try:
        rate = parse_rate(text, code, home)
    except RateError as error:
        st.session_state[state.SETTINGS_RATES_MESSAGE] = ("error", f"Not saved: {md(error)}")
        return
    _save({**settings.exchange_rate_table, code: str(rate)}, f"Saved: 1 {code} = {rate} {home}.")


def _on_remove_rate(code: str) -> None:
    rates = dict(resources.settings().exchange_rate_table)
    rates.pop(code, None)
    _save(rates, f"Removed the rate for {code}.")


def render_rates_panel(currencies: list[str]) -> None:
    """Rates for each currency the ledger holds besides the home one (nothing is fetched)."""
    settings = resources.settings()
    home = settings.home_currency
    st.subheader("Exchange rates")
    if home is None:
        st.caption("Set a home currency above to see other currencies converted into it on Insights.")
        return
    st.caption(
        f"Optional: Insights can add every currency into one total in {home}. It uses the rates you enter "
        "here, else rates read from your own exchange rows (foreign card spending that names both "
        "amounts). Nothing is looked up online."
    )
    others = [code for code in currencies if code != home] or ["EUR", "GBP", "USD"]
    left, middle, right = st.columns([1, 2, 1], vertical_alignment="bottom")
    left.selectbox("Currency", [c for c in others if c != home], key=state.SETTINGS_RATE_CURRENCY)
    middle.text_input(
        f"1 unit is worth (in {home})", key=state.SETTINGS_RATE_VALUE, placeholder="e.g. 1.0832"
    )
    right.button("Save rate", key=state.SETTINGS_RATE_SAVE, on_click=_on_add_rate)
    message = st.session_state.get(state.SETTINGS_RATES_MESSAGE)
    if message:
        kind, text = message
        (st.success if kind == "success" else st.error)(text)
    for code, rate in sorted(settings.exchange_rate_table.items()):
        row_left, row_right = st.columns([3, 1], vertical_alignment="center")
        row_left.markdown(f"1 {code} = {md(rate)} {home}")
        row_right.button(
            "Remove", key=f"{state.SETTINGS_RATE_REMOVE}_{code}", on_click=_on_remove_rate, args=(code,)
        )
