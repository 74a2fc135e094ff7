"""app/privacy.py: what Settings → Privacy & data shows and does, without the page."""

from __future__ import annotations

import json

from app.importer import import_files
from app.privacy import delete_all_data, request_log, sent_previews
from app.settings import Settings
from app.store import Store

STATEMENT = (
    b"Date,Description,Amount\n"
    b"2026-03-02,CARD 4516000000001234 CORNER GROCER,-12.40\n"
    b"2026-03-05,Payroll ACME Corp,1500.00\n"
)


def test_each_preview_pairs_the_statement_text_with_the_item_sent(store: Store, settings: Settings) -> None:
    import_files(store, [("march.csv", STATEMENT)], account="Checking", currency="USD")
    ids = [t.id for t in store.get_transactions()]

    previews = sent_previews(store, ids, settings)

    assert [p.description for p in previews] == [t.description for t in store.get_transactions(ids)]
    card_line = next(p for p in previews if "GROCER" in p.description)
    assert "4516000000001234" not in card_line.sent  # the card number is masked on its way out
    assert isinstance(json.loads(card_line.sent), dict)


def test_the_request_log_counts_every_request_and_lists_the_newest(store: Store) -> None:
    assert request_log(store, limit=5).total == 0
    for n in range(3):
        store.audit("http://127.0.0.1:9/v1/chat/completions", {"n": n}, "ok", items=n + 1)

    log = request_log(store, limit=2)

    assert log.total == 3
    assert [json.loads(e.request_json)["n"] for e in log.entries] == [2, 1]


def test_deleting_all_data_empties_the_ledger_and_keeps_settings_unless_asked(
    store: Store, settings: Settings
) -> None:
    import_files(store, [("march.csv", STATEMENT)], account="Checking", currency="USD")
    settings.settings_path.write_text("{}", encoding="utf-8")

    assert delete_all_data(store, settings, settings_too=False, stop_wait_s=1.0)
    assert store.count_transactions() == 0
    assert settings.settings_path.exists()

    assert delete_all_data(store, settings, settings_too=True, stop_wait_s=1.0)
    assert not settings.settings_path.exists()
