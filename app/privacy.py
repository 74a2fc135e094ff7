"""Settings → Privacy & data, without the page: what the model would see, what was sent, erasing.

The page (`components/privacy_panel.py`) only draws these; `app.categorize.sent_text`
decides what a line becomes on its way out, and the store's audit log is the proof.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from app.categorize.sent_text import preview_item
from app.jobs import job_for
from app.settings import Settings
from app.store import AuditEntry, Store


@dataclass(frozen=True)
class SentPreview:
    description: str  # as on the statement
    sent: str  # the JSON item the model would receive for it


def sent_previews(store: Store, ids: Sequence[str], settings: Settings) -> list[SentPreview]:
    """Each of these transactions' descriptions beside exactly what the model would receive."""
    return [
        SentPreview(
            transaction.description,
            json.dumps(preview_item(transaction, settings).as_json(), ensure_ascii=False),
        )
        for transaction in store.get_transactions(list(ids))
    ]


@dataclass(frozen=True)
class RequestLog:
    total: int  # every request ever sent from this data dir
    entries: list[AuditEntry]  # the newest, newest first


def request_log(store: Store, limit: int) -> RequestLog:
    total = store.audit_count()
    return RequestLog(total, store.audit_entries(limit=limit) if total else [])


def delete_all_data(store: Store, settings: Settings, *, settings_too: bool, stop_wait_s: float) -> bool:
    """Stop any categorization run, then delete the database (and `settings.json` if asked).

    False, with nothing deleted, while a run is still stopping after `stop_wait_s`.
    """
    job = job_for(settings.data_dir)
    job.cancel()
    if job.wait(stop_wait_s).running:
        return False
    store.delete_everything()
    if settings_too:
        settings.settings_path.unlink(missing_ok=True)
    return True
