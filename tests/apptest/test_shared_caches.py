"""Caches shared by every dashboard session follow the store's revisions, not announcements.

The writes here come from outside the session that looks (another tab, the background job or the
command line all write through a `Store` of their own), so nothing but the store itself can tell
the looking session that its cached frames and ledger summary are stale.
"""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from app.accounts import merge_accounts
from app.store import Store
from tests.apptest.conftest import ENTRYPOINT, TIMEOUT_S, page_path


def _session(page: str) -> AppTest:
    at = AppTest.from_file(str(ENTRYPOINT), default_timeout=TIMEOUT_S)
    at.run()
    at.switch_page(page_path(page)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _sidebar_text(at: AppTest) -> str:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return " ".join(str(element.value) for element in at.sidebar.markdown)


def test_every_session_sees_rows_go_and_come_back_after_deleting_everything(
    seed: Callable[..., object], store: Store
) -> None:
    seed("chase_credit_card.csv", "bofa_checking.csv")
    count = store.count_transactions()
    watching, other = _session("review"), _session("review")
    assert f"{count:,} transactions" in _sidebar_text(watching)

    Store(store.path).delete_everything()  # as another session's "Delete all my data" does
    assert "No transactions yet" in _sidebar_text(watching)

    # The same files again: the same count and ids as before the deletion, a newer revision.
    seed("chase_credit_card.csv", "bofa_checking.csv")
    assert store.count_transactions() == count
    assert f"{count:,} transactions" in _sidebar_text(watching)
    assert f"{count:,} transactions" in _sidebar_text(other)


def test_every_session_sees_an_account_merge_made_elsewhere(
    seed: Callable[..., object], store: Store
) -> None:
    seed("chase_credit_card.csv", "bofa_checking.csv")
    accounts = store.accounts()
    assert len(accounts) == 2
    watching = _session("review")
    assert "in 2 accounts" in _sidebar_text(watching)

    merge_accounts(Store(store.path), [accounts[0]], accounts[1])
    assert "in 1 account" in _sidebar_text(watching)
