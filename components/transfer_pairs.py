"""Review's transfers: the pairs matched between the user's accounts, each with "Not a transfer"."""

from __future__ import annotations

import streamlit as st

from app.periods import day_text
from app.transfer_ledger import TransferPair, unpair
from components import resources, state
from components.formatting import md, money, plural

SHOWN_PAIRS = 50


def pair_line(pair: TransferPair) -> str:
    """`$400.00 from **Checking** (10 Mar 2026) to **Savings** (11 Mar 2026)`."""
    return (
        f"{money(pair.amount, pair.currency)} from **{md(pair.outflow.account)}** "
        f"({day_text(pair.outflow.date)}) to **{md(pair.inflow.account)}** ({day_text(pair.inflow.date)})"
    )


def _on_unpair(transaction_id: str) -> None:
    other = unpair(resources.store(), transaction_id)
    if other is not None:
        st.session_state[state.REVIEW_MESSAGE] = (
            "Unpaired: both rows keep their categories and count again as spending or income. "
            "They will not be paired again."
        )


def render_transfer_pairs() -> None:
    pairs = resources.matched_transfers(limit=SHOWN_PAIRS + 1)
    if not pairs:
        return
    more = len(pairs) > SHOWN_PAIRS
    count = f"{SHOWN_PAIRS}+ pairs" if more else plural(len(pairs), "pair")
    with st.expander(f"↔ Transfers between your accounts: {count}", expanded=False):
        st.caption(
            "Money that left one of your accounts and arrived in another: both sides stay out of "
            "spending and income. Not a move between your own accounts? Unpair it."
        )
        for pair in pairs[:SHOWN_PAIRS]:
            text, button = st.columns([5, 1], vertical_alignment="center")
            text.markdown(
                f"{pair_line(pair)}  \n{md(pair.outflow.description)} ↔ {md(pair.inflow.description)}"
            )
            button.button(
                "Not a transfer",
                key=f"{state.REVIEW_UNPAIR_PREFIX}_{pair.outflow.id}",
                on_click=_on_unpair,
                args=(pair.outflow.id,),
            )
