"""What the Import page knows about one uploaded file before anything is stored.

`preview_file` runs the real importer (`app.importer.preview_files`, no writes) and keeps a
compact, picklable summary in `st.cache_data`, keyed on the file's sha256, the account and
mapping chosen, and the store's revision, so widgets can rerun the page freely.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
import streamlit as st

from app.importer import preview_files
from app.ingest import ColumnMapping
from app.ingest.currency import CurrencySource
from app.models import SkippedRow
from components import resources

PREVIEW_ROWS = 200


@dataclass(frozen=True)
class FilePreview:
    filename: str
    sha256: str
    error: str | None = None
    layout_name: str = ""
    profile_id: str | None = None
    confident: bool = True
    uncertain_reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()  # what decided the layout (delimiter, header, profile, each role)
    fingerprint: str = ""
    columns: tuple[str, ...] = ()
    mapping: ColumnMapping | None = None
    accounts: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    duplicate_ids: frozenset[str] = frozenset()
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    skipped: tuple[SkippedRow, ...] = ()
    rows_read: int = 0
    period: tuple[dt.date, dt.date] | None = None
    money_out: dict[str, Decimal] = field(default_factory=dict)
    money_in: dict[str, Decimal] = field(default_factory=dict)
    # The currency given to amounts whose row names none, and where it came from; or, when
    # nothing says it, `currency_unknown` (the page asks the user).
    currency: str | None = None
    currency_source: CurrencySource | None = None
    currency_unknown: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def new_count(self) -> int:
        return len(self.ids) - len(self.duplicate_ids)


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@st.cache_data(max_entries=64, show_spinner=False)
def _preview(
    sha256: str,
    filename: str,
    account: str | None,
    mapping_json: str | None,
    max_bytes: int,
    store_revision: str,
    currency: str | None,
    home_currency: str | None,
    _data: bytes,
) -> FilePreview:
    mappings = {filename: ColumnMapping.model_validate_json(mapping_json)} if mapping_json else None
    result = preview_files(
        resources.store(),
        [(filename, _data)],
        account=account,
        mappings=mappings,
        max_bytes=max_bytes,
        currency=currency,
        home_currency=home_currency,
    )[0]
    parsed = result.parsed
    if result.error is not None or parsed is None:
        return FilePreview(
            filename=filename,
            sha256=sha256,
            error=result.error or "the file could not be read",
            currency_unknown=result.currency_unknown,
        )
    # From the columns the store is loaded from: validating a Transaction object per row
    # only to show 200 of them cost ~25x the file's size in memory.
    table = parsed.table
    duplicates = result.duplicate_ids
    rows = pd.DataFrame(
        {
            "row": list(table.source_rows[:PREVIEW_ROWS]),
            "date": table.dates[:PREVIEW_ROWS],
            "description": table.descriptions[:PREVIEW_ROWS],
            "amount": pd.Series(table.amounts[:PREVIEW_ROWS], dtype=object),  # exact Decimals
            "currency": table.currencies[:PREVIEW_ROWS],
            "account": table.accounts[:PREVIEW_ROWS],
            "status": [
                "already imported" if tid in duplicates else "new" for tid in table.ids[:PREVIEW_ROWS]
            ],
        }
    )
    money_out: dict[str, Decimal] = {}
    money_in: dict[str, Decimal] = {}
    for amount, currency in zip(table.amounts, table.currencies, strict=True):
        totals = money_in if amount > 0 else money_out
        totals[currency] = totals.get(currency, Decimal(0)) + amount
    dates = table.dates
    return FilePreview(
        filename=filename,
        sha256=sha256,
        layout_name=parsed.layout_name,
        profile_id=parsed.profile_id,
        confident=parsed.confident,
        uncertain_reasons=tuple(parsed.uncertain_reasons),
        notes=tuple(parsed.notes),
        evidence=tuple(parsed.evidence),
        fingerprint=parsed.header_fingerprint,
        columns=tuple(parsed.columns),
        mapping=parsed.mapping,
        accounts=tuple(parsed.accounts),
        ids=tuple(table.ids),
        duplicate_ids=frozenset(duplicates),
        rows=rows,
        skipped=tuple(parsed.skipped),
        rows_read=parsed.rows_read,
        period=(min(dates), max(dates)) if dates else None,
        money_out=money_out,
        money_in=money_in,
        currency=parsed.currency,
        currency_source=parsed.currency_source,
    )


def preview_file(
    filename: str,
    data: bytes,
    *,
    account: str | None = None,
    mapping: ColumnMapping | None = None,
    currency: str | None = None,
) -> FilePreview:
    """Parse one file as the importer would (nothing is stored); `currency` is the user's pick."""
    settings = resources.settings()
    return _preview(
        file_sha256(data),
        filename,
        account,
        mapping.model_dump_json() if mapping is not None else None,
        settings.max_upload_mb * 1024 * 1024,
        resources.data_version(),
        currency,
        settings.home_currency,
        data,
    )
